"""Office habits the importers read (issue 13 "Hostile input"): a 填表说明 sheet before the data,
年度 written "2024年", a unit by its full official name, amounts like "约1.5亿" (a warning, not an
error) and 壹亿, a month-only date where a day is required, org-unit codes in any case."""

import io
import random
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from countyworks.core.factories import OrgUnitFactory, org_tree, user_with_role
from countyworks.core.identifiers import random_credit_code
from countyworks.core.importing import RowError, errors_xlsx, run_import
from countyworks.core.models import OrgUnit, Programme, RoleKind, Target
from countyworks.core.unitnames import UnitResolver
from countyworks.investment.models import Project

pytestmark = pytest.mark.django_db

HEADERS = ["项目名称", "企业名称", "统一社会信用代码", "产业类别", "计划总投资(万元)", "签约日期", "责任单位", "项目类型",
           "开工日期", "建成日期", "投产日期"]
CODES = [random_credit_code(random.Random(100 + i)) for i in range(5)]
GUIDE = [["填表说明"], ["1. 请在“项目”工作表中逐行填写，每个项目一行。"], ["项目名称", "必填", "与合同一致"],
         ["计划总投资(万元)", "必填", "可写 1.2亿 或 12000"]]


@pytest.fixture
def tree(db):
    """江海区 → 礼乐街道 (向前村), 外海街道 (向前村 too: a name shared by two villages)."""
    t = org_tree("a1", "b1", names={"district": "江海区", "a": "礼乐街道", "b": "外海街道", "a1": "向前村",
                                    "b1": "向前村"})
    return t


def book(path, sheets):
    """An .xlsx with the given [(sheet name, rows)], in that order."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def project(name, code, amount, unit, signed="2024-03-15"):
    return [name, f"{name}公司", code, "", amount, signed, unit, "新建", None, None, None]


def run(kind, path, actor=None, commit=True):
    with open(path, "rb") as fh:
        return run_import(kind, fh, path.name, actor=actor, commit=commit)


def test_a_workbook_with_a_guide_sheet_first_full_unit_names_and_approximate_amounts(tree, tmp_path):
    rows = [HEADERS,
            project("甲项目", CODES[0], "约1.5亿", "江门市江海区礼乐街道"),
            project("乙项目", CODES[1], "壹亿", tree.b.code.lower()),
            project("丙项目", CODES[2], "一亿五千万", "广东省江门市江海区 礼乐街道")]
    path = book(tmp_path / "projects.xlsx", [("填表说明", GUIDE), ("项目", rows)])
    report = run("projects", path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.sheet == "项目" and report.header_row == 1 and report.created == 3
    assert [str(w) for w in report.warnings] == ["第2行 计划总投资(万元): “约1.5亿”按15000万元读取（原文为约数）"]
    got = {p.name: (p.planned_investment, p.unit) for p in Project.objects.all()}
    assert got == {"甲项目": (Decimal(15000), tree.a), "乙项目": (Decimal(10000), tree.b),
                   "丙项目": (Decimal(15000), tree.a)}
    assert "另有1条提示" in report.summary() and "“约1.5亿”按15000万元读取" in report.summary()


def test_the_importers_own_sheet_is_read_first_and_a_guide_sheet_is_never_data(tree, tmp_path):
    data = [HEADERS, project("甲项目", CODES[0], "1.5亿", "礼乐街道")]
    guide = [HEADERS, project("示例项目", CODES[1], 100, "礼乐街道")]  # a guide repeating the headers
    path = book(tmp_path / "p.xlsx", [("填写说明", guide), ("其他", [["无关内容"]]), ("签约项目", data)])
    report = run("projects", path)
    assert report.ok and report.sheet == "签约项目"
    assert list(Project.objects.values_list("name", flat=True)) == ["甲项目"]


def test_no_sheet_has_the_header_names_the_sheets_read(tree, tmp_path):
    path = book(tmp_path / "p.xlsx", [("填表说明", GUIDE[:2]), ("Sheet2", [["江海区2024年签约项目"], ["甲", "乙"]])])
    report = run("projects", path)
    assert not report.ok
    message = report.problems[0].message
    assert message.startswith("已查看工作表：Sheet2、填表说明；均未找到表头行：应包含列 项目名称")


def test_month_only_date_says_the_day_is_missing(tree, tmp_path):
    path = book(tmp_path / "p.xlsx", [("项目", [HEADERS, project("甲项目", CODES[0], 100, "礼乐街道", "2024年3月")])])
    report = run("projects", path)
    assert [str(p) for p in report.problems] == ["第2行 签约日期: 日期“2024年3月”缺少日：请填写到日，如2024-03-15"]


def test_warnings_reach_the_command_line_and_the_error_report(tree, tmp_path):
    rows = [HEADERS, project("甲项目", CODES[0], "近1.5亿", "礼乐街道")]
    path = book(tmp_path / "p.xlsx", [("项目", rows)])
    out = StringIO()
    call_command("import", "projects", str(path), "--dry-run", stdout=out, stderr=StringIO())
    assert "提示：第2行 计划总投资(万元): “近1.5亿”按15000万元读取（原文为约数）" in out.getvalue()

    rows.append(project("乙项目", "不是信用代码", 100, "礼乐街道"))
    report = run("projects", book(tmp_path / "bad.xlsx", [("项目", rows)]))
    assert not report.ok and len(report.warnings) == 1
    buf = io.BytesIO()
    errors_xlsx(report, buf)
    cells = [r for r in openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active.iter_rows(values_only=True)]
    assert (2, "计划总投资(万元)", "提示：“近1.5亿”按15000万元读取（原文为约数）") in cells
    assert any(r[0] == 3 and r[1] == "统一社会信用代码" for r in cells)


def test_warnings_are_shown_in_the_web_preview(tree, tmp_path, client):
    user = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree.district)
    client.force_login(user)
    path = book(tmp_path / "p.xlsx", [("填表说明", GUIDE), ("项目", [HEADERS, project("甲项目", CODES[0], "1.5亿左右",
                                                                                      "江海区礼乐街道")])])
    with open(path, "rb") as fh:
        resp = client.post(reverse("core:import", args=["projects"]), {"file": fh})
    text = resp.content.decode()
    assert resp.status_code == 200 and 'id="import-preview"' in text and 'id="import-warnings"' in text
    assert "“1.5亿左右”按15000万元读取（原文为约数）" in text and "读取工作表“项目”" in text
    assert "预览1行：新增1条，更新0条，未变化0条；另有1条提示" in text


def test_year_written_the_office_way(tree, tmp_path):
    rows = [["年度", "单位", "指标", "目标值"], ["2024年", "江门市江海区礼乐街道", "亿元以上项目数", 2],
            ["２０２４", "外海街道", "亿元以上项目数", 3], ["2024 年", "江海区", "亿元以上项目计划总投资(万元)", "约3亿"]]
    report = run("targets", book(tmp_path / "t.xlsx", [("说明", [["年度请填四位年份"]]), ("年度目标", rows)]))
    assert report.ok, [str(p) for p in report.problems]
    assert set(Target.objects.values_list("year", "unit__name", "value")) == {
        (2024, "礼乐街道", Decimal(2)), (2024, "外海街道", Decimal(3)), (2024, "江海区", Decimal(30000))}
    assert [(w.row, w.column) for w in report.warnings] == [(4, "目标值")]


def test_a_bad_year_is_a_message(tree, tmp_path):
    rows = [["年度", "单位", "指标", "目标值"], ["24年", "礼乐街道", "亿元以上项目数", 2]]
    report = run("targets", book(tmp_path / "t.xlsx", [("年度目标", rows)]))
    assert [str(p) for p in report.problems] == ["第2行 年度: 无法识别的年度“24年”，请填写四位年份，如 2024"]


def test_a_manager_still_cannot_reach_another_unit_by_its_full_name(tree, tmp_path):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree.a)
    rows = [["年度", "单位", "指标", "目标值"], ["2024年", "江门市江海区外海街道", "亿元以上项目数", 5]]
    report = run("targets", book(tmp_path / "t.xlsx", [("年度目标", rows)]), actor=manager)
    assert [(p.row, p.column) for p in report.problems] == [(2, "单位")]
    assert "无权为“外海街道”导入年度目标" in report.problems[0].message
    assert not Target.objects.exists()


# --------------------------------------------------------------------------- the resolver


def test_resolver_code_name_and_full_name(tree):
    r = UnitResolver()
    assert r.find(tree.a.code) == tree.a
    assert r.find(tree.a.code.lower()) == tree.a
    assert r.find("礼乐街道") == tree.a
    for text in ["江海区礼乐街道", "江门市江海区礼乐街道", "广东省江门市江海区礼乐街道", "江海区 礼乐街道", "江海区/礼乐街道",
                 "江门市礼乐街道", "江海区礼乐街道向前村", "礼乐街道向前村", "礼乐街道·向前村", "江门市江海区礼乐街道向前村"]:
        assert r.find(text) in (tree.a, tree.a1), text
    assert r.find("江海区礼乐街道向前村") == tree.a1 and r.find("外海街道向前村") == tree.b1


def test_resolver_ambiguity_asks_for_the_code(tree):
    r = UnitResolver()
    with pytest.raises(RowError, match="单位名称“向前村”不唯一，请填写单位代码"):
        r.find("向前村")
    with pytest.raises(RowError, match="不唯一，请填写单位代码"):
        r.find("江海区向前村")  # both villages are in 江海区


def test_resolver_refuses_a_prefix_naming_another_unit(tree):
    r = UnitResolver()
    for text in ["外海街道礼乐街道", "礼乐街道外海街道", "某某街道礼乐街道", "乙镇礼乐街道", "不存在街道"]:
        with pytest.raises(RowError, match="找不到单位"):
            r.find(text)


def test_resolver_kinds_limit_what_is_found_not_the_ancestors(tree):
    r = UnitResolver(kinds={OrgUnit.Kind.VILLAGE}, not_found="找不到村“{text}”")
    assert r.find("礼乐街道向前村") == tree.a1
    with pytest.raises(RowError, match="找不到村“礼乐街道”"):
        r.find("礼乐街道")


# --------------------------------------------------------------------------- org-unit codes


def test_orgunit_codes_compare_case_insensitively(tmp_path):
    district = OrgUnitFactory(code="JH01", name="江海区", kind=OrgUnit.Kind.DISTRICT)
    rows = [["代码", "名称", "类型", "上级代码"], ["jh01", "江海区", "区", ""], ["jh01-a", "礼乐街道", "街道", "jh01"],
            ["JH01-A-1", "向前村", "村", "JH01-a"]]
    report = run("orgunits", book(tmp_path / "o.xlsx", [("组织单位", rows)]))
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.unchanged) == (2, 1)
    street = OrgUnit.objects.get(name="礼乐街道")
    assert street.parent == district and street.code == "jh01-a"
    assert OrgUnit.objects.get(name="向前村").parent == street
    assert OrgUnit.objects.filter(code__iexact="jh01").count() == 1


# --------------------------------------------------------------------------- forms


@pytest.mark.parametrize("typed, year", [("2024年", 2024), ("２０２４", 2024), ("2024", 2024), (" 2024 年 ", 2024)])
def test_year_fields_of_forms_read_office_years(typed, year):
    from countyworks.households.forms import LineForm

    form = LineForm(data={"year": typed, "amount": "5000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["year"] == year


@pytest.mark.parametrize("typed, message", [("24年", "请填写四位年份"), ("1999", "2000")])
def test_year_fields_of_forms_refuse(typed, message):
    from countyworks.households.forms import LineForm

    form = LineForm(data={"year": typed, "amount": "5000"})
    assert not form.is_valid() and message in form.errors["year"][0]
