import random
from datetime import date
from decimal import Decimal

import pytest

from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.investment.factories import ProjectFactory
from countyworks.investment.models import Project


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


def make_project(unit, amount, signed, kind=Project.Kind.NEW, name=None):
    """A signed project with its 签约 node (investment.factories.ProjectFactory)."""
    extra = {"name": name} if name else {}
    return ProjectFactory(unit=unit, planned_investment=Decimal(str(amount)), signed_date=signed, kind=kind,
                          signed_milestone=True, **extra)


@pytest.fixture
def rng():
    return random.Random(1)


D = date
