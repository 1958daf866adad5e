"""factory-boy factories for tests and benchmarks. Units get their materialised path through
the same helper the service uses."""

import random

import factory

from .identifiers import random_credit_code
from .models import Enterprise, Industry, OrgUnit, Programme, Role, RoleKind, User

_rng = random.Random(20240307)


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrgUnit.Kind.SUBDISTRICT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from .services import _set_path

        unit = model_class(*args, **kwargs)
        unit.save()
        _set_path(unit)
        unit.save(update_fields=["path", "depth"])
        return unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test@Pass2024")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.OPERATOR
    programme = Programme.INVESTMENT
    unit = factory.SubFactory(OrgUnitFactory)


def industry(name="新一代电子信息"):
    return Industry.objects.get(name=name)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"江门市测试{n}号科技有限公司")
    credit_code = factory.LazyFunction(lambda: random_credit_code(_rng))
    city = "江门"
    size = Enterprise.Size.MEDIUM


def user_with_role(kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT, unit=None, **user_kwargs):
    """A user holding one role; system roles take no programme or unit."""
    user = UserFactory(**user_kwargs)
    if kind in (RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR):
        Role.objects.create(user=user, kind=kind, programme="", unit=None)
    else:
        Role.objects.create(user=user, kind=kind, programme=programme, unit=unit or OrgUnitFactory())
    return user


TEST_PASSWORD = "Test@Pass2024"
