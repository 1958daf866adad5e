"""factory-boy factories for tests and benchmarks. Units get their materialised path through
the same helper the service uses. Sequences come from factory.Sequence (per factory, never a
module-level counter); the typed unit factories build a sane tree: a village's parent is a
subdistrict, a subdistrict's a district, a team's a bureau."""

from decimal import Decimal

import factory

from . import clock
from .identifiers import make_credit_code, organization_code_check_char
from .models import (
    Attachment,
    AuditAction,
    AuditEntry,
    Enterprise,
    Indicator,
    Industry,
    Notification,
    OrgUnit,
    Person,
    Programme,
    Role,
    RoleKind,
    Target,
    User,
)


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


class DistrictFactory(OrgUnitFactory):
    name = factory.Sequence(lambda n: f"测试区{n}")
    kind = OrgUnit.Kind.DISTRICT


class SubdistrictFactory(OrgUnitFactory):
    name = factory.Sequence(lambda n: f"测试街道{n}")
    kind = OrgUnit.Kind.SUBDISTRICT
    parent = factory.SubFactory(DistrictFactory)


class VillageFactory(OrgUnitFactory):
    name = factory.Sequence(lambda n: f"测试村{n}")
    kind = OrgUnit.Kind.VILLAGE
    parent = factory.SubFactory(SubdistrictFactory)


class BureauFactory(OrgUnitFactory):
    name = factory.Sequence(lambda n: f"测试局{n}")
    kind = OrgUnit.Kind.BUREAU
    parent = factory.SubFactory(DistrictFactory)


class TeamFactory(OrgUnitFactory):
    name = factory.Sequence(lambda n: f"专项督导检查组第{n}组")
    kind = OrgUnit.Kind.TEAM
    parent = factory.SubFactory(BureauFactory)


# --- the org tree every app's tests share ----------------------------------------------------------------

K = OrgUnit.Kind
# slot → (parent slot, kind, default name); the shape of a county in miniature
TREE_SLOTS = {
    "district": (None, K.DISTRICT, "测试区"),
    "a": ("district", K.SUBDISTRICT, "甲街道"),
    "b": ("district", K.SUBDISTRICT, "乙街道"),
    "a1": ("a", K.VILLAGE, "甲一村"),
    "a2": ("a", K.COMMUNITY, "甲二社区"),
    "b1": ("b", K.VILLAGE, "乙一村"),
    "bureau": ("district", K.BUREAU, "测试局"),
    "team": ("bureau", K.TEAM, "测试检查组"),
}


class OrgTree(dict):
    """The units of `org_tree`, by slot (tree["a1"] or tree.a1)."""

    __getattr__ = dict.__getitem__


def org_tree(*slots, names=None, codes=None, kinds=None):
    """A district → two subdistricts (a, b) → villages/communities (a1, a2 under a; b1 under b),
    a bureau with a team: the one org-tree builder of the tests (the `org_tree` fixture is the
    default one). `slots` picks which units exist (default all; a unit's parent is always made);
    `names`, `codes`, `kinds` override a slot's name, code and kind (a team slot may be a
    field office, a community a village)."""
    names, codes, kinds = names or {}, codes or {}, kinds or {}
    wanted = set(slots or TREE_SLOTS)
    for slot in list(wanted):
        while (parent := TREE_SLOTS[slot][0]) is not None:
            wanted.add(parent)
            slot = parent
    tree = OrgTree()
    for slot, (parent, kind, name) in TREE_SLOTS.items():
        if slot not in wanted:
            continue
        extra = {"code": codes[slot]} if slot in codes else {}
        tree[slot] = OrgUnitFactory(name=names.get(slot, name), kind=kinds.get(slot, kind),
                                    parent=tree[parent] if parent else None, **extra)
    return tree


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


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"领导{n}")
    post = "副区长"
    unit = factory.SubFactory(DistrictFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.OPERATOR
    programme = Programme.INVESTMENT
    unit = factory.SubFactory(OrgUnitFactory)


def industry(name="新一代电子信息"):
    return Industry.objects.get(name=name)


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry

    code = factory.Sequence(lambda n: f"TIND{n:04d}")
    name = factory.Sequence(lambda n: f"测试产业{n}")
    tier = Industry.Tier.OTHER


def credit_code(n, region="440704"):
    """The n-th valid 统一社会信用代码 of the factories: 91 (企业), the region, an "MA" body
    numbered n, both check characters right (GB 11714 and GB 32100)."""
    body = f"MA{n % 10**6:06d}"
    return make_credit_code(f"91{region}{body}{organization_code_check_char(body)}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"江门市测试{n}号科技有限公司")
    credit_code = factory.Sequence(credit_code)
    city = "江门"
    size = Enterprise.Size.MEDIUM


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"test_indicator_{n}")
    name = factory.Sequence(lambda n: f"测试指标{n}")
    programme = Programme.INVESTMENT
    unit_label = "万元"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    unit = factory.SubFactory(SubdistrictFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    year = factory.LazyFunction(lambda: clock.today().year)
    value = Decimal("100")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"测试通知{n}")
    url = "/"


class _ServiceMade(factory.django.DjangoModelFactory):
    """Rows only a service writes correctly: `_create` calls it; `build()` is refused."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError(f"{cls.__name__} makes its rows through a service: use create()")


class AuditEntryFactory(_ServiceMade):
    """audit.audit_log: the entry numbered and chained onto the log (an update of an enterprise)."""

    class Meta:
        model = AuditEntry

    obj = factory.SubFactory(EnterpriseFactory)
    action = AuditAction.UPDATE
    actor = None
    message = factory.Sequence(lambda n: f"测试操作{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from .audit import audit_log

        entry = audit_log(**kwargs)
        return model_class.objects.get(seq=entry.seq)  # the bulk insert may not hand back the pk


class AttachmentFactory(_ServiceMade):
    """services.attachment_add: a small PDF attached to an enterprise (type checked, hashed, stored
    under MEDIA_ROOT, audited)."""

    class Meta:
        model = Attachment

    target = factory.SubFactory(EnterpriseFactory)
    upload = factory.LazyFunction(lambda: _upload("test.pdf", b"%PDF-1.4 test"))
    actor = factory.SubFactory(UserFactory)
    caption = "测试附件"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from .services import attachment_add

        return attachment_add(**kwargs)


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def user_with_role(kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT, unit=None, **user_kwargs):
    """A user holding one role; system roles take no programme or unit."""
    user = UserFactory(**user_kwargs)
    if kind in (RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR):
        Role.objects.create(user=user, kind=kind, programme="", unit=None)
    else:
        Role.objects.create(user=user, kind=kind, programme=programme, unit=unit or OrgUnitFactory())
    return user


TEST_PASSWORD = "Test@Pass2024"
