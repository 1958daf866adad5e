import random
from datetime import date
from decimal import Decimal

import pytest

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import Programme, RoleKind
from countyworks.investment.factories import ProjectFactory
from countyworks.investment.models import Project


@pytest.fixture
def tree(db):
    """district → two subdistricts → a village each, and the power bureau (the shared org tree)."""
    t = org_tree("a1", "b1", "bureau", names={"bureau": "测试供电局"})
    return {"district": t.district, "a": t.a, "b": t.b, "va": t.a1, "vb": t.b1, "bureau": t.bureau}


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
