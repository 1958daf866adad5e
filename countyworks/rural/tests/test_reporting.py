"""The greening statistics on the command line, the bulletin's greening and typical-village
sections (computed wording, "已全覆盖" only at 100 %, refs), the cockpit tiles, the API."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from countyworks.reporting.bulletins import bulletin_build
from countyworks.reporting.content import plain_text
from countyworks.rural import services
from countyworks.rural.models import DesignationLevel, GreeningPlan

from .conftest import report

pytestmark = pytest.mark.django_db

KEYS = ["unit", "through", "seedlings_secured", "trees_planted", "planted_pct_of_secured", "training_attendances",
        "sages_visited", "party_members", "meetings", "villages_total", "villages_with_plan", "villages_with_grid",
        "plan_coverage_pct", "grid_coverage_pct", "survival_pct", "by_unit"]


def data(rw):
    report(rw, "v1", 9, seedlings_secured=100, trees_planted=60, training=30, sages_visited=4, party_members=10,
           meetings=1)
    report(rw, "v1", 10, seedlings_secured=50, trees_planted=40, training=20, sages_visited=6, party_members=12)
    report(rw, "v3", 10, seedlings_secured=80, trees_planted=70, training=10, sages_visited=3, party_members=9,
           meetings=1)
    report(rw, "v2", 11, seedlings_secured=999, trees_planted=999)  # after 10 March
    for u in ("v1", "v2", "v3"):
        GreeningPlan.objects.create(unit=rw[u], year=2024, seedlings_planned=200, trees_planned=150,
                                    status=GreeningPlan.Status.APPROVED)
        services.grid_create(actor=None, unit=rw[u], name="一组", party_member="党员", trees_in_care=10)


def test_stats_command(rw):
    data(rw)
    out = StringIO()
    call_command("stats", "greening", "--unit", "测试区", "--through", "2024-03-10", "--json", stdout=out)
    s = json.loads(out.getvalue())
    assert all(k in s for k in KEYS)
    assert (s["seedlings_secured"], s["trees_planted"], s["training_attendances"]) == (230, 170, 60)
    assert (s["sages_visited"], s["party_members"], s["meetings"]) == (9, 21, 2)
    assert (s["villages_total"], s["plan_coverage_pct"], s["grid_coverage_pct"]) == (3, 100.0, 100.0)
    assert s["planted_pct_of_secured"] == 73.9 and s["through"] == "2024-03-10"
    assert [(r["unit"], r["rank"], r["trees_planted"]) for r in s["by_unit"]] == [("甲街道", 1, 100), ("乙街道", 2, 70)]
    with pytest.raises(CommandError, match="找不到单位"):
        call_command("stats", "greening", "--unit", "不存在", stdout=StringIO())
    with pytest.raises(CommandError, match="--through"):
        call_command("stats", "greening", "--through", "2024-02-30", stdout=StringIO())


def text_of(c):
    return "".join(plain_text(b) for b in c["blocks"] if b["type"] == "paragraph")


def test_bulletin_full_coverage_sentence_and_refs(rw, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-10"
    data(rw)
    c = bulletin_build(programme="rural", period="2024-03", unit=rw["district"])
    text = text_of(c)
    assert ("截至3月10日，全区村（社区）参加乡村绿化培训共60人次，村“两委”干部走访乡贤共9人，参与“五带头”的农村党员21人；"
            "全区村（社区）已全覆盖制定工作计划（含绿化示意图）和建立网格化管护机制，目前已落实苗木数量230株，已植树170株。") in text
    figs = c["figures"]
    assert figs["green.trees_planted"]["value"] == 170 and len(figs["green.trees_planted"]["ids"]) == 3
    assert len(figs["green.sages_visited"]["ids"]) == 2  # the latest week of each village, not every week
    assert figs["green.coverage"]["model"] == "rural.greeningplan" and len(figs["green.coverage"]["ids"]) == 3
    tables = {b["key"]: b for b in c["blocks"] if b["type"] == "table"}
    assert [r[1]["text"] for r in tables["green.by_unit"]["rows"]] == ["甲街道", "乙街道"]
    assert [r[1]["text"] for r in tables["green.by_village"]["rows"]] == ["一村", "三村", "二村"]
    assert "已全覆盖召开乡村座谈会" not in text and "已召开乡村座谈会的村（社区）2个，占66.7%" in text


def test_bulletin_partial_coverage_names_the_missing(rw, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-31"
    data(rw)
    GreeningPlan.objects.filter(unit=rw["v2"]).update(status=GreeningPlan.Status.SUBMITTED)
    text = text_of(bulletin_build(programme="rural", period="2024-03", unit=rw["district"]))
    assert "已全覆盖制定工作计划" not in text
    assert "全区3个村（社区）中，已制定工作计划（经镇街审批）的2个，占66.7%，尚未制定工作计划的：二村；已全覆盖建立网格化管护机制。" in text


def test_typical_village_section(rw, settings):
    settings.COUNTYWORKS_TODAY = "2024-04-05"
    prov = DesignationLevel.objects.get(name="省级首批典型村")
    town = DesignationLevel.objects.get(name="市级典型镇")
    d = services.designation_create(actor=None, unit=rw["v1"], level=prov, year=2024)
    services.designation_create(actor=None, unit=rw["a"], level=town, year=2024)
    from decimal import Decimal

    services.task_create(actor=None, designation=d, title="村道绿化", target=Decimal(10), progress=Decimal(4),
                         deadline=date(2024, 3, 1), leader="区长")
    c = bulletin_build(programme="rural", period="2024-03", unit=rw["district"])
    text = text_of(c)
    assert "全区现有省级首批典型村1个、市级典型镇1个；培育任务中有1项已超过完成时限尚未完成" in text
    rows = next(b for b in c["blocks"] if b.get("key") == "typical.progress")["rows"]
    assert [r[1]["text"] for r in rows] == ["一村", "甲街道"] and rows[0][4]["text"] == "40.0%"


def test_cockpit_tiles(client, rw, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-31"
    data(rw)
    client.force_login(rw["leader"])
    resp = client.get(reverse("cockpit:index"), {"unit": rw["district"].pk, "through": "2024-03-31"})
    assert resp.status_code == 200
    c = resp.context["cockpit"]
    tiles = {t["key"]: t for t in c["tiles"]}
    t = tiles["rural-greening"]["context"]
    assert t["stats"]["trees_planted"] == 1169 and t["plan"]["trees_planned"] == 450 and t["trees_pct"] == 259.8
    html = resp.content.decode()
    assert 'id="rural-trees">1169' in html and "工作计划 3/3" in html
    resp = client.get(reverse("cockpit:index"), {"unit": rw["district"].pk})
    assert resp.status_code == 200


def test_api_reads_in_scope(client, rw):
    data(rw)
    client.force_login(rw["op1"])
    resp = client.get("/api/v1/rural/plans/")
    assert resp.status_code == 200
    assert [p["unit_name"] for p in resp.json()["results"]] == ["一村"]
    assert client.get(f"/api/v1/rural/plans/stats/?unit={rw['v1'].pk}&through=2024-03-10").json()["trees_planted"] == 100
    assert client.get(f"/api/v1/rural/plans/stats/?unit={rw['v3'].pk}").status_code == 404
