"""`countyworks load-demo`: the Jianghai org tree and demo accounts, loadable twice."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from countyworks.core.audit import audit_verify
from countyworks.core.models import AuditEntry, OrgUnit, Role, RoleKind, User
from countyworks.demo.jianghai import ACCOUNTS, DEMO_PASSWORD, UNITS

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded_twice(monkeypatch):
    # The programme parts of the demo (investment alone takes ~20 s on SQLite) are the programmes'
    # own tests' business; here the command runs with only the core part: org tree and accounts.
    from countyworks.demo import jianghai
    from countyworks.demo.management.commands import load_demo

    monkeypatch.setattr(load_demo, "load_demo", jianghai.load_org_and_accounts)
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "paths": dict(OrgUnit.objects.values_list("code", "path")),
        "audit": AuditEntry.objects.count(),
    }
    call_command("load_demo", stdout=StringIO())
    return first, out.getvalue()


def children(name):
    return set(OrgUnit.objects.get(name=name).children.values_list("name", flat=True))


def test_tree(loaded_twice):
    district = OrgUnit.objects.get(name="江海区")
    assert district.parent is None and district.kind == OrgUnit.Kind.DISTRICT and district.code == "440704000000"
    assert {"礼乐街道", "外海街道", "江南街道"} <= children("江海区")
    assert {"向前村", "英南村"} <= children("礼乐街道")
    assert {"金溪社区", "石鹤利社区"} <= children("外海街道")
    lile = OrgUnit.objects.get(name="礼乐街道")
    assert OrgUnit.objects.get(name="向前村").path == f"{district.path}{lile.pk}/{OrgUnit.objects.get(name='向前村').pk}/"
    assert OrgUnit.objects.get(name="高新招商公司").kind == OrgUnit.Kind.STATE_COMPANY
    bureaus = set(OrgUnit.objects.filter(kind=OrgUnit.Kind.BUREAU).values_list("name", flat=True))
    assert {"区投资促进中心", "区农业农村和水利局", "区住建局(交通局)"} <= bureaus
    offices = OrgUnit.objects.filter(kind=OrgUnit.Kind.FIELD_OFFICE)
    assert offices.count() == 4 and {o.parent.name for o in offices} == {"区投资促进中心"}
    teams = OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM)
    assert teams.count() == 8 and {t.parent.name for t in teams} == {"区住建局(交通局)"}
    # every administrative code is the 12-digit statistical division code
    for unit in OrgUnit.objects.filter(kind__in=["district", "subdistrict", "village", "community"]):
        assert len(unit.code) == 12 and unit.code.isdigit(), unit
    # every unit's path agrees with its parent chain
    for unit in OrgUnit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert unit.path == expected and unit.depth == expected.count("/") - 2, unit


def test_second_load_adds_nothing(loaded_twice):
    first, _ = loaded_twice
    assert OrgUnit.objects.count() == first["units"] >= len(UNITS)
    assert User.objects.count() == first["users"]
    assert Role.objects.count() == first["roles"]
    assert dict(OrgUnit.objects.values_list("code", "path")) == first["paths"]
    assert OrgUnit.objects.filter(name="礼乐街道").count() == 1
    for username, *_ in ACCOUNTS:
        assert User.objects.filter(username=username).count() == 1
    # nothing changed, so the second run wrote no create/update/role entries for the core tables
    assert not AuditEntry.objects.filter(
        seq__gt=first["audit"], object_type__in=["core.orgunit", "core.user"]).exists()


def test_separation_of_duties_in_the_demo(loaded_twice):
    system = {RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR}
    for user in User.objects.prefetch_related("roles"):
        assert len({r.kind for r in user.roles.all()} & system) <= 1, user.username
    assert User.objects.get(username="admin").roles.get().kind == RoleKind.SYSADMIN
    assert User.objects.get(username="auditor").roles.get().kind == RoleKind.AUDITOR


def test_demo_accounts_log_in(loaded_twice):
    _, output = loaded_twice
    assert DEMO_PASSWORD in output and "lile_zs" in output
    for username in ("admin", "auditor", "lile_zs", "xiangqian", "team3"):
        client = Client()
        resp = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302, username
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
        assert client.get(reverse("home")).status_code == 200


def test_demo_operator_sees_own_subtree(loaded_twice):
    client = Client()
    client.post(reverse("login"), {"username": "lile_zs", "password": DEMO_PASSWORD})
    text = client.get(reverse("core:orgunit_list")).content.decode()
    assert "向前村" in text and "金溪社区" not in text


def test_audit_chain_verifies_after_loading(loaded_twice):
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checked == AuditEntry.objects.count() > 0
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计日志链完整" in out.getvalue()


def test_entry_point_accepts_load_demo_with_a_dash(monkeypatch):
    from countyworks import __main__

    seen = {}
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: seen.setdefault("a", argv))
    __main__.main(["countyworks", "load-demo"])
    assert seen["a"] == ["countyworks", "load_demo"]
