"""The rural world: 测试区 → 甲街道 (一村, 二村), 乙街道 (三村); the greening form with the
programme's default figures (sum and latest); rural roles at each level."""

from datetime import date

import pytest

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.dispatch.models import ReportForm
from countyworks.rural import selectors

K = OrgUnit.Kind
P = Programme.RURAL
R = RoleKind


@pytest.fixture(autouse=True)
def _today(request, settings):
    if request.node.get_closest_marker("browser"):
        return  # the browser journey runs on the real today, like the weekly dispatch's
    settings.COUNTYWORKS_TODAY = "2024-04-20"


@pytest.fixture(autouse=True)
def _levels(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from countyworks.rural.services import ensure_default_levels

        request.getfixturevalue("db")
        ensure_default_levels()


@pytest.fixture
def rw(db):
    t = org_tree("a1", "a2", "b1", "bureau", names={"a1": "一村", "a2": "二村", "b1": "三村", "bureau": "区妇联"})
    district, a, b, bureau, v1, v2, v3 = t.district, t.a, t.b, t.bureau, t.a1, t.a2, t.b1
    form = ReportForm.objects.create(code="greening", name="乡村绿化周报", programme=P, owner=district,
                                     fields=[dict(f) for f in selectors.DEFAULT_FIELDS],
                                     rules=[dict(r) for r in selectors.DEFAULT_RULES], start_date=date(2024, 2, 19))
    form.units.set([v1, v2, v3])
    return {
        "district": district, "a": a, "b": b, "bureau": bureau, "v1": v1, "v2": v2, "v3": v3, "form": form,
        "op1": user_with_role(R.OPERATOR, P, v1, username="op1"),
        "op3": user_with_role(R.OPERATOR, P, v3, username="op3"),
        "town_a": user_with_role(R.REVIEWER, P, a, username="town_a"),
        "town_b": user_with_role(R.REVIEWER, P, b, username="town_b"),
        "manager": user_with_role(R.MANAGER, P, district, username="rural_mgr"),
        "leader": user_with_role(R.LEADER, P, district, username="rural_leader"),
        "investment_op": user_with_role(R.OPERATOR, Programme.INVESTMENT, v1, username="inv_op"),
    }


def week(w):
    """Monday of ISO week w of 2024."""
    return date.fromisocalendar(2024, w, 1)


def report(rw, unit, w, status="submitted", **figures):
    from countyworks.dispatch.models import Submission

    base = {"seedlings_secured": 0, "trees_planted": 0, "training": 0, "sages_visited": 0, "party_members": 0,
            "meetings": 0}
    return Submission.objects.create(form=rw["form"], unit=rw[unit] if isinstance(unit, str) else unit,
                                     week_start=week(w), status=status, figures={**base, **figures})


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name="map.png", content=PNG, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)
