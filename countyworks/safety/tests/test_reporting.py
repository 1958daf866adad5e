"""The safety section of the monthly bulletin and the cockpit tile."""

from datetime import date

import pytest

from countyworks.core.factories import user_with_role
from countyworks.core.models import Programme, RoleKind
from countyworks.reporting import bulletins
from countyworks.reporting.content import plain_text
from countyworks.safety import services
from countyworks.safety.cockpit import cockpit_contribution
from countyworks.safety.models import Hazard

from .conftest import inspect

pytestmark = pytest.mark.django_db


def text_of(content):
    out = []
    for b in content["blocks"]:
        if b["type"] == "paragraph":
            out.append(plain_text(b))
        elif b["type"] == "heading":
            out.append(b["text"])
        elif b["type"] == "table":
            out.append(b["title"])
    return "\n".join(out)


def test_bulletin_section(town, settings):
    insp = inspect(town, failed=(1, 4))
    h1, h2 = insp.hazards.order_by("pk")
    Hazard.objects.filter(pk=h2.pk).update(level="major")
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    h2.refresh_from_db()
    services.hazard_supervise(hazard=h2, actor=town.office, supervising_unit=town.zjj)
    content = bulletins.Builder(programme="safety", period="2024-03", unit=town.district).build()
    text = text_of(content)
    assert "江海区安全生产检查工作月通报" == content["title"]
    assert "开展安全检查1次，检查各类对象1个，发现安全隐患2处，其中重大隐患1处；已整改销号0处，整改率0.0%" in text
    assert "逾期未整改的隐患共2处（其中重大隐患1处）" in text
    assert "节后复工复产安全大检查（区住建局(交通局)牵头，2月19日至3月31日）：2个专项督导检查组" in text
    assert "各检查组安全隐患排查整治情况" in text
    assert f"{h2.code}：金溪花园电动自行车集中停放点（金溪社区）" in text and "责任单位：江门市金溪物业服务有限公司" in text
    assert "已由区住建局(交通局)挂牌督办" in text
    fig = content["figures"]["safety.hazards_found"]
    assert fig["model"] == "safety.hazard" and sorted(fig["ids"]) == sorted([h1.pk, h2.pk])
    table = next(b for b in content["blocks"] if b["type"] == "table")
    assert table["rows"][0][1]["text"] == "专项督导检查组第3组"


def test_bulletin_month_without_records_says_so(town, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    text = text_of(bulletins.Builder(programme="safety", period="2024-01", unit=town.district).build())
    assert "1月，全区未录入安全检查记录。" in text
    assert "逾期" not in text


def test_cockpit_tile(town, settings):
    insp = inspect(town, failed=(4,))
    h = insp.hazards.get()
    Hazard.objects.filter(pk=h.pk).update(level="major")
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    leader = user_with_role(RoleKind.LEADER, Programme.SAFETY, town.district)
    part = cockpit_contribution(user=leader, unit=town.district, year=2024, through=date(2024, 12, 31),
                                as_of=date(2024, 3, 29))
    tile = part["tiles"][0]
    assert tile["template"] == "safety/_cockpit_tile.html"
    assert tile["context"]["s"]["hazards_found"] == 1 and tile["context"]["s"]["hazards_overdue"] == 1
    assert [x["h"] for x in tile["context"]["major_overdue"]] == [h]
    h.refresh_from_db()
    services.hazard_supervise(hazard=h, actor=town.office, supervising_unit=town.zjj)
    part = cockpit_contribution(user=leader, unit=town.district, year=2024, through=date(2024, 12, 31),
                                as_of=date(2024, 3, 29))
    assert [x["h"] for x in part["tiles"][0]["context"]["supervised"]] == [h]
    other = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, town.district)
    assert cockpit_contribution(user=other, unit=town.district, year=2024, through=date(2024, 12, 31),
                                as_of=date(2024, 3, 29)) == {}


def test_cockpit_page_renders_the_tile(client, town, settings):
    inspect(town, failed=(4,))
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    leader = user_with_role(RoleKind.LEADER, Programme.SAFETY, town.district)
    client.force_login(leader)
    from django.urls import reverse

    resp = client.get(reverse("cockpit:index"), follow=True)
    assert resp.status_code == 200
    assert "安全生产检查（2024年截至3月29日）" in resp.content.decode()


def test_bulletin_team_table_counts_overdue_found_earlier(town, settings):
    settings.COUNTYWORKS_TODAY = "2024-02-28"
    inspect(town, failed=(4,), day=date(2024, 2, 26))  # deadline 03-04
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    content = bulletins.Builder(programme="safety", period="2024-03", unit=town.district).build()
    table = next(b for b in content["blocks"] if b["type"] == "table" and b.get("key") == "safety.by_team")
    row = next(r for r in table["rows"] if r[1]["text"] == "专项督导检查组第3组")
    assert (row[4]["text"], row[-1]["text"]) == ("0", "1")
    assert "有逾期未整改隐患的检查组：专项督导检查组第3组" in text_of(content)
