import random
from datetime import date
from decimal import Decimal

import pytest

from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.investment.models import Milestone, Project


@pytest.fixture
def tree(db):
    """district → two subdistricts → a village each."""
    district = OrgUnitFactory(name="测试区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(name="甲街道", parent=district)
    b = OrgUnitFactory(name="乙街道", parent=district)
    va = OrgUnitFactory(name="甲一村", parent=a, kind=OrgUnit.Kind.VILLAGE)
    vb = OrgUnitFactory(name="乙一村", parent=b, kind=OrgUnit.Kind.VILLAGE)
    bureau = OrgUnitFactory(name="测试供电局", parent=district, kind=OrgUnit.Kind.BUREAU)
    return {"district": district, "a": a, "b": b, "va": va, "vb": vb, "bureau": bureau}


@pytest.fixture
def manager(tree):
    return user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["district"])


_seq = iter(range(1, 10**6))


def make_project(unit, amount, signed, kind=Project.Kind.NEW, name=None):
    n = next(_seq)
    p = Project.objects.create(code=f"T{n:06d}", name=name or f"项目{n}", enterprise=EnterpriseFactory(),
                               planned_investment=Decimal(str(amount)), unit=unit, signed_date=signed, kind=kind)
    Milestone.objects.create(project=p, kind=Milestone.Kind.SIGNED, actual_date=signed, planned_date=signed)
    return p


@pytest.fixture
def rng():
    return random.Random(1)


D = date
