"""The bulletin settings page: a manager sets the 红头 and 落款 of their unit's bulletins; nobody
sets another unit's; every save is audited."""

import pytest
from django.urls import reverse

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import AuditEntry, Programme, RoleKind
from countyworks.reporting.bulletins import bulletin_build
from countyworks.reporting.models import BulletinSetting

D = Programme.DISPATCH


@pytest.fixture
def tree(db):
    t = org_tree("a", "b", names={"district": "某区"})
    top, a, b = t.district, t.a, t.b
    return {"top": top, "a": a, "b": b, "manager_a": user_with_role(RoleKind.MANAGER, D, a),
            "operator": user_with_role(RoleKind.OPERATOR, D, top)}


def post(client, unit, **extra):
    return client.post(reverse("reporting:bulletin_settings"), {
        "unit": unit.pk, "programme": "investment", "masthead": "甲街道招商工作领导小组办公室",
        "issuer": "甲街道办事处", "doc_prefix": "甲招", "recipients": "", "copy_to": "", **extra})


def test_a_manager_sets_the_masthead_of_their_units_bulletin(client, tree):
    client.force_login(tree["manager_a"])
    resp = post(client, tree["a"])
    assert resp.status_code == 302
    s = BulletinSetting.objects.get(unit=tree["a"], programme="investment")
    assert (s.masthead, s.issuer, s.doc_prefix) == ("甲街道招商工作领导小组办公室", "甲街道办事处", "甲招")
    assert AuditEntry.objects.filter(actor=tree["manager_a"], action="create").count() == 1
    content = bulletin_build(programme="investment", period="2024-03", unit=tree["a"])
    assert content["masthead"] == "甲街道招商工作领导小组办公室" and content["issuer"] == "甲街道办事处"
    page = client.get(reverse("reporting:bulletin_settings")).content.decode()
    assert "甲街道招商工作领导小组办公室" in page


def test_another_units_setting_is_refused_and_nothing_written(client, tree):
    client.force_login(tree["manager_a"])
    resp = post(client, tree["b"])
    assert resp.status_code == 200 and "请从列表中选择" in resp.content.decode()
    assert not BulletinSetting.objects.exists()


def test_an_operator_cannot_open_the_settings(client, tree):
    client.force_login(tree["operator"])
    assert client.get(reverse("reporting:bulletin_settings")).status_code == 403
    assert post(client, tree["a"]).status_code == 403
    assert not BulletinSetting.objects.exists()
