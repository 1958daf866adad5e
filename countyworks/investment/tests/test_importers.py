"""Import of projects and targets: the fixed headers, messy values, all-or-nothing, re-import."""

import json
import random
from datetime import date
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from countyworks.core.identifiers import random_credit_code
from countyworks.core.importing import run_import
from countyworks.core.models import AuditEntry, Target
from countyworks.investment.models import Milestone, Project

HEADERS = ["项目名称", "企业名称", "统一社会信用代码", "产业类别", "计划总投资(万元)", "签约日期", "责任单位", "项目类型",
           "开工日期", "建成日期", "投产日期", "备注"]
CODES = [random_credit_code(random.Random(i)) for i in range(5)]


def sheet(tmp_path, rows, title="江海区2023年签约项目表", name="p.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    ws.append(["合计", None, None, None, 1])
    ws.append(["填报单位：区投资促进中心  填报人：张三  联系电话：0750-3501234"])
    path = tmp_path / name
    wb.save(path)
    return path


def good_rows(tree):
    return [
        ["甲项目", "甲公司", CODES[0], "智能家电", "1.2亿", "2023/3/7", "甲街道", "新建", "2023年6月1日", None, None, "x"],
        ["乙项目", "乙公司", CODES[1].lower(), "前沿新材料", "12,000万元", "２０２３.４.８", tree["va"].code, "", None, None, None],
        ["丙扩产", "丙公司", CODES[2], "其他", 8000, "2023-05-09", "乙街道", "增资扩产", None, None, None],
    ]


@pytest.mark.django_db
def test_import_then_reimport_changes_nothing(tree, tmp_path):
    path = sheet(tmp_path, good_rows(tree))
    with open(path, "rb") as fh:
        report = run_import("projects", fh, path.name, actor=None)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated) == (3, 0)
    assert report.header_row == 2 and any("合计" in why for _, why in report.skipped)
    p = Project.objects.get(name="乙项目")
    assert p.planned_investment == Decimal(12000) and p.unit == tree["va"] and p.signed_date == date(2023, 4, 8)
    assert Project.objects.get(name="丙扩产").kind == Project.Kind.EXPANSION
    assert Project.objects.get(name="甲项目").milestones.get(kind=Milestone.Kind.STARTED).actual_date == date(2023, 6, 1)
    entries = AuditEntry.objects.count()
    with open(path, "rb") as fh:
        again = run_import("projects", fh, path.name, actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Project.objects.count() == 3
    assert AuditEntry.objects.count() == entries + 1  # only the import event itself


@pytest.mark.django_db
def test_errors_reported_per_row_and_column_nothing_written(tree, tmp_path):
    rows = good_rows(tree)
    rows[0][2] = CODES[0][:-1] + ("0" if CODES[0][-1] != "0" else "1")
    rows[1][4] = "很多"
    rows[2][6] = "不存在街道"
    rows[2][8] = "2023-01-01"  # 开工 before 签约
    path = sheet(tmp_path, rows)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import", "projects", str(path), stdout=out, stderr=err)
    assert exc.value.code == 1
    lines = err.getvalue().splitlines()
    assert any(ln.startswith("第3行 统一社会信用代码:") for ln in lines)
    assert any(ln.startswith("第4行 计划总投资(万元):") for ln in lines)
    assert any(ln.startswith("第5行 责任单位:") and "找不到单位" in ln for ln in lines)
    assert any(ln.startswith("第5行 开工日期:") for ln in lines)
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_operator_cannot_import_for_another_unit(tree, tmp_path):
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import Programme, RoleKind

    op = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["a"])
    path = sheet(tmp_path, good_rows(tree)[2:])
    with open(path, "rb") as fh:
        report = run_import("projects", fh, path.name, actor=op)
    assert not report.ok and "无权为“乙街道”导入项目" in report.problems[0].message
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_targets_import_and_stats_command(tree, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年度", "单位", "指标", "目标值"])
    ws.append([2023, "测试区", "亿元以上项目数", 2])
    ws.append(["2023", tree["district"].code, "亿元以上项目计划总投资(万元)", "3亿"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    call_command("import", "targets", str(path), stdout=StringIO())
    assert Target.objects.count() == 2
    call_command("import", "projects", str(sheet(tmp_path, good_rows(tree))), stdout=StringIO())
    out = StringIO()
    call_command("stats", "investment", "--year", "2023", "--unit", tree["district"].code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["projects_100m"] == 2 and data["target_projects_100m_pct"] == 100.0
    assert data["investment_100m_yi"] == 2.4 and data["target_investment_pct"] == 80.0
    assert {r["unit"] for r in data["by_unit"]} == {"甲街道"}


@pytest.mark.django_db
def test_operator_cannot_rewrite_another_units_project_by_import(tree, tmp_path):
    """The row names an existing project of 乙街道 but gives the operator's own unit and a new
    amount: refused as that row's error, and the project keeps its unit and amount."""
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import Programme, RoleKind

    path = sheet(tmp_path, good_rows(tree)[2:], name="setup.xlsx")
    with open(path, "rb") as fh:
        assert run_import("projects", fh, path.name, actor=None).ok
    theirs = Project.objects.get(name="丙扩产")
    unit_before, amount_before = theirs.unit_id, theirs.planned_investment
    op = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["a"])
    row = list(good_rows(tree)[2])
    row[6], row[4] = "甲街道", 99999
    attack = sheet(tmp_path, [good_rows(tree)[0], row], name="attack.xlsx")
    entries = AuditEntry.objects.count()
    with open(attack, "rb") as fh:
        report = run_import("projects", fh, attack.name, actor=op)
    assert not report.ok
    assert any(p.column == "项目名称" and "该项目属于其他单位" in p.message and "无权修改" in p.message
               for p in report.problems)
    theirs.refresh_from_db()
    assert (theirs.unit_id, theirs.planned_investment) == (unit_before, amount_before)
    assert not Project.objects.filter(name="甲项目").exists()  # all or nothing
    assert AuditEntry.objects.filter(action__in=["create", "update"]).count() <= entries


@pytest.mark.django_db
def test_a_manager_cannot_set_another_units_target_by_import(tree, tmp_path):
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import Programme, RoleKind

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年度", "单位", "指标", "目标值"])
    ws.append([2023, "甲街道", "亿元以上项目数", 2])
    ws.append([2023, "乙街道", "亿元以上项目数", 5])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["a"])
    with open(path, "rb") as fh:
        report = run_import("targets", fh, path.name, actor=manager)
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(3, "单位")]
    assert "无权为“乙街道”导入年度目标" in report.problems[0].message
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_a_project_moved_to_another_unit_during_the_import_is_not_overwritten(tree, tmp_path, monkeypatch):
    """The scope is checked again inside the writing transaction."""
    from countyworks.core import importing
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import Programme, RoleKind

    path = sheet(tmp_path, good_rows(tree)[:1], name="setup.xlsx")
    with open(path, "rb") as fh:
        assert run_import("projects", fh, path.name, actor=None).ok
    ours = Project.objects.get(name="甲项目")
    op = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["a"])
    original = importing.Importer.scope_problems
    calls = []

    def moved_meanwhile(self, cleaned):
        calls.append(1)
        if len(calls) == 2:  # between the check and the write, someone moves the project to 乙街道
            Project.objects.filter(pk=ours.pk).update(unit=tree["b"])
        return original(self, cleaned)

    monkeypatch.setattr(importing.Importer, "scope_problems", moved_meanwhile)
    row = list(good_rows(tree)[0])
    row[4] = 77777
    with open(sheet(tmp_path, [row], name="edit.xlsx"), "rb") as fh:
        report = run_import("projects", fh, "edit.xlsx", actor=op)
    assert not report.ok and "该项目属于其他单位（乙街道）" in report.problems[0].message
    ours.refresh_from_db()
    assert ours.planned_investment != Decimal(77777)
