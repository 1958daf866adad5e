"""Import, the stats command, the bulletin section (small cells suppressed) and the cockpit tile."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from countyworks.core.importing import run_import
from countyworks.core.models import AuditEntry
from countyworks.households import services
from countyworks.households.importers import HouseholdImporter
from countyworks.households.models import Household, Member

from .conftest import make_household, new_id

HEADERS = [c.name for c in HouseholdImporter.columns]


def sheet(tmp_path, rows, name="h.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["江海区防止返贫监测户花名册"])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def rows_for(village, head, child):
    return [
        [village, head, "陈大文", "户主", head, "13812345678", "边缘易致贫户", "干部排查", "第一村民小组"],
        [village, head, "陈小明", "子女", child, "", "", "", ""],
    ]


def _run(path, actor):
    with open(path, "rb") as fh:
        return run_import("households", fh, path.name, actor=actor)


def test_import_creates_households_and_members_reimport_unchanged(hh, tmp_path):
    head, child = new_id(), new_id()
    path = sheet(tmp_path, rows_for("向前村", head, child))
    report = _run(path, hh.operator)
    assert report.ok, report.problems
    assert (report.created, report.updated) == (2, 0)
    h = Household.objects.get()
    assert h.unit == hh.village and h.category == "edge" and h.members.count() == 2
    assert services.find_by_id_number(child).get().name == "陈小明"
    again = _run(path, hh.operator)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    for row in report.preview:  # the preview is masked
        assert head not in " ".join(map(str, row)) and child not in " ".join(map(str, row))


def test_import_errors_by_row_and_column_nothing_written(hh, tmp_path):
    head, child = new_id(), new_id()
    rows = rows_for("向前村", head, child)
    bad = child[:17] + ("0" if child[17] != "0" else "1")
    rows[1][4] = bad
    rows.append(["麻三村", new_id(), "黄某", "户主", "", "", "", "", ""])
    report = _run(sheet(tmp_path, rows), hh.operator)
    text = [str(p) for p in report.problems]
    assert "第4行 身份证号: 身份证号校验位不正确，请核对是否有填错的数字" in text
    assert any(t.startswith("第5行 村（社区）:") and "无权" in t for t in text)
    assert any(t.startswith("第5行 身份证号:") for t in text)
    assert not any(bad in t or head in t for t in text)  # messages never repeat an ID number
    assert not Household.objects.exists() and not Member.objects.exists()


def test_import_cannot_touch_another_units_person(hh, tmp_path):
    idn = new_id()
    make_household(hh.other_operator, hh.other_village, id_number=idn)
    report = _run(sheet(tmp_path, [["向前村", idn, "黄某", "户主", idn, "", "", "", ""]]), hh.operator)
    assert any("其他单位" in str(p) for p in report.problems)
    assert Household.objects.count() == 1


def test_import_command_line(hh, tmp_path):
    path = sheet(tmp_path, rows_for("向前村", new_id(), new_id()))
    out = StringIO()
    call_command("import", "households", str(path), "--user", hh.operator.username, stdout=out, stderr=StringIO())
    assert Household.objects.count() == 1


def _world(hh, n_village=6, n_other=2):
    services.line_set(actor=hh.manager, year=2023, amount=Decimal("7000"))
    services.line_set(actor=hh.manager, year=2022, amount=Decimal("6800"))
    for i in range(n_village):
        h = make_household(hh.operator, hh.village, head_name=f"户主{i}", phone=f"1381234{i:04d}")
        services.income_set(actor=hh.operator, household=h, year=2023, per_capita=Decimal(6000 + i * 1000))
        services.income_set(actor=hh.operator, household=h, year=2022, per_capita=Decimal(5500 + i * 1000))
        Household.objects.filter(pk=h.pk).update(status="monitored", category="edge")
    for i in range(n_other):
        make_household(hh.other_operator, hh.other_village, head_name=f"外海户{i}", phone=f"1391234{i:04d}")
    Household.objects.filter(unit=hh.other_village).update(status="monitored")


def test_stats_command_counts_only(hh):
    _world(hh)
    out = StringIO()
    call_command("stats", "households", "--unit", hh.district.code, "--year", "2023", stdout=out)
    data = json.loads(out.getvalue())
    assert data["total"] == 8 and data["monitored"] == 8
    assert data["at_risk"] == 1  # 6000 < 7000
    assert data["average_income_monitored"] == 8500.0
    assert data["average_income_monitored_yoy_pct"] == pytest.approx(6.2, abs=0.1)
    assert data["by_category"]["边缘易致贫户"] == 6
    assert [r["unit"] for r in data["by_unit"]] == ["礼乐街道", "外海街道"]
    text = out.getvalue()
    assert "户主0" not in text and "13812340000" not in text and "_ids" not in text


def test_bulletin_section_suppresses_small_units(hh):
    from countyworks.reporting.bulletins import bulletin_build
    from countyworks.reporting.content import plain_text

    _world(hh)
    c = bulletin_build(programme="households", period="2024-03", unit=hh.district)
    text = " ".join(plain_text(b) for b in c["blocks"] if b["type"] == "paragraph")
    assert "防止返贫监测对象" in text and "8" in text
    tbl = next(b for b in c["blocks"] if b["type"] == "table" and b["key"] == "hh.by_unit")
    rows = {r[0]["text"]: [x["text"] for x in r[1:]] for r in tbl["rows"]}
    assert rows["礼乐街道"][0] == "6"
    assert rows["外海街道"] == ["—", "—", "—", "—"]  # 2 households: not published
    assert "少于5户" in " ".join(plain_text(b) for b in c["blocks"] if b["type"] == "paragraph")
    dump = json.dumps(c, ensure_ascii=False)
    assert "户主0" not in dump and "外海户0" not in dump and "1381234" not in dump
    assert sorted(c["figures"]["hh.monitored"]["ids"]) == sorted(Household.objects.values_list("pk", flat=True))


def test_cockpit_tile_within_scope(hh):
    from countyworks.households.cockpit import cockpit_contribution

    _world(hh)
    part = cockpit_contribution(user=hh.leader, unit=hh.district, year=2024, through=date(2024, 3, 20),
                                as_of=date(2024, 3, 20))
    assert part["tiles"][0]["context"]["monitored"] == 8
    assert cockpit_contribution(user=hh.operator, unit=hh.district, year=2024, through=date(2024, 3, 20),
                                as_of=date(2024, 3, 20)) == {}


def test_audit_viewer_shows_no_personal_data(client, hh):
    idn = new_id()
    make_household(hh.operator, hh.village, head_name="罗美华", id_number=idn, phone="13700001111")
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import RoleKind

    auditor = user_with_role(RoleKind.AUDITOR)
    client.force_login(auditor)
    from django.urls import reverse

    entry = AuditEntry.objects.filter(object_type="households.household").first()
    for url in (reverse("core:audit_list"), reverse("core:audit_detail", args=[entry.pk])):
        page = client.get(url).content.decode()
        assert idn not in page and "13700001111" not in page and "罗美华" not in page


def test_import_page_and_template(client, hh):
    from django.urls import reverse

    from countyworks.core.identifiers import validate_id_number

    assert validate_id_number(HouseholdImporter.examples[0][1])
    client.force_login(hh.operator)
    assert client.get(reverse("core:import", args=["households"])).status_code == 200
    client.force_login(hh.leader)
    assert client.get(reverse("households:household_list")).status_code == 200
