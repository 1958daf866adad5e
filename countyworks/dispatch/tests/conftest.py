from datetime import date

import pytest

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.dispatch.models import ReportForm

FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True},
]
RULES = [
    {
        "type": "cumulative_lte",
        "left": "trees_planted",
        "right": "seedlings_secured",
        "message": "累计已植树不能超过累计已落实苗木",
    }
]


@pytest.fixture
def world(db):
    t = org_tree("a1", "a2", "b1", names={"a1": "一村", "a2": "二村", "b1": "三村"},
                 kinds={"a2": OrgUnit.Kind.VILLAGE})
    district, sub, other, v1, v2, v3 = t.district, t.a, t.b, t.a1, t.a2, t.b1
    form = ReportForm.objects.create(
        code="greening",
        name="乡村绿化周报",
        programme="rural",
        owner=district,
        fields=FIELDS,
        rules=RULES,
        start_date=date(2024, 2, 19),
    )
    form.units.set([v1, v2, v3])
    D = Programme.DISPATCH
    return {
        "district": district,
        "sub": sub,
        "other": other,
        "v1": v1,
        "v2": v2,
        "v3": v3,
        "form": form,
        "op1": user_with_role(RoleKind.OPERATOR, D, v1, email="op1@example.gov.cn"),
        "op2": user_with_role(RoleKind.OPERATOR, D, v2),
        "op3": user_with_role(RoleKind.OPERATOR, D, v3),
        "reviewer": user_with_role(RoleKind.REVIEWER, D, sub),
        "manager": user_with_role(RoleKind.MANAGER, D, district),
    }
