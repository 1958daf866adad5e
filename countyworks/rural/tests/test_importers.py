"""Excel imports of the rural registers: the issue's headers, per-row scope, all or nothing,
re-import changes nothing, the latest-value columns, the rule flag and its explanation."""

from datetime import date

import openpyxl
import pytest

from countyworks.core.importing import run_import
from countyworks.core.models import AuditEntry
from countyworks.dispatch.models import Submission
from countyworks.rural import selectors, services
from countyworks.rural.models import Designation, GreeningPlan, PointEntry, Villager

pytestmark = pytest.mark.django_db

GREENING = ["周次", "村(社区)", "已落实苗木(株)", "已植树(株)", "培训人次", "走访乡贤(人)", "参与五带头党员(人)", "座谈会(次)"]


def sheet(tmp_path, headers, rows, name="g.xlsx", title="乡村绿化周报汇总表"):
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def run(kind, path, actor, commit=True):
    with open(path, "rb") as fh:
        return run_import(kind, fh, path.name, actor=actor, commit=commit)


def problems(report):
    return [str(p) for p in report.problems]


def test_greening_reports_import_latest_values_and_reimport(rw, tmp_path):
    rows = [["2024-W10", "一村", 40, 10, 12, 5, 20, 1], ["2024-W11", "一村", 30, 20, 8, 8, 22, 0],
            ["2024W12", rw["v1"].code, 10, 5, 6, 8, 22, 0], ["2024-W11", "二村", 50, 30, 9, 3, 10, 1]]
    path = sheet(tmp_path, GREENING, rows)
    r = run("greening-reports", path, rw["town_a"])
    assert r.ok, problems(r)
    assert (r.created, r.updated, r.unchanged) == (4, 0, 0)
    s = selectors.greening_stats(unit=rw["district"], through=date(2024, 3, 31))
    assert s["sages_visited"] == 11 and s["party_members"] == 32  # 8 + 3, 22 + 10: latest, not summed
    assert s["trees_planted"] == 65 and s["training_attendances"] == 35 and s["meetings"] == 2
    entries = AuditEntry.objects.count()
    r = run("greening-reports", path, rw["town_a"])
    assert r.ok and (r.created, r.updated, r.unchanged) == (0, 0, 4)
    assert AuditEntry.objects.count() == entries + 1  # only the import's own entry
    rows[0][3] = 11
    r = run("greening-reports", sheet(tmp_path, GREENING, rows, name="g2.xlsx"), rw["town_a"])
    assert (r.created, r.updated, r.unchanged) == (0, 1, 3)


def test_greening_rows_outside_scope_or_bad_are_row_errors_and_nothing_is_written(rw, tmp_path):
    rows = [["2024-W10", "一村", 40, 10, 12, 5, 20, 1],
            ["2024-W10", "三村", 40, 10, 12, 5, 20, 1],  # 乙街道's village
            ["2024-W54", "二村", 1, 1, 1, 1, 1, 1],
            ["2024-W11", "甲街道", 1, 1, 1, 1, 1, 1],
            ["2024-W11", "二村", -3, "十", 1, 1, 1, 1],
            ["2024-W30", "二村", 1, 1, 1, 1, 1, 1],
            ["2024-W10", "一村", 40, 10, 12, 5, 20, 1]]
    r = run("greening-reports", sheet(tmp_path, GREENING, rows), rw["town_a"])
    msgs = problems(r)
    assert "第4行 村(社区): 无权为“三村”导入数据" in msgs
    assert any(m.startswith("第5行 周次") and "没有第54周" in m for m in msgs)
    assert "第6行 村(社区): “甲街道”不是村或社区" in msgs
    assert any(m.startswith("第7行 已落实苗木(株)") for m in msgs) and any(m.startswith("第7行 已植树(株)") for m in msgs)
    assert "第8行 周次: 不能填报未来周次" in msgs
    assert "第9行 周次: 与第3行重复" in msgs
    assert not Submission.objects.exists()


def test_rule_flag_needs_an_explanation_and_villages_become_reporting_units(rw, tmp_path):
    v4 = rw["v3"].__class__.objects.create(code="T-new", name="四村", kind="village", parent=rw["b"])
    from countyworks.core.services import _set_path

    _set_path(v4)
    v4.save()
    headers = [*GREENING, "说明"]
    rows = [["2024-W10", "四村", 10, 30, 1, 1, 1, 1, ""]]
    r = run("greening-reports", sheet(tmp_path, headers, rows), rw["manager"])
    assert not r.ok and "累计已植树（30）超过累计已落实苗木（10）" in problems(r)[0] and "第3行" in problems(r)[0]
    rows[0][-1] = "上年结转苗木"
    r = run("greening-reports", sheet(tmp_path, headers, rows, name="b.xlsx"), rw["manager"])
    assert r.ok, problems(r)
    assert rw["form"].units.filter(pk=v4.pk).exists()
    assert "上年结转苗木" in Submission.objects.get(unit=v4).flags[0]


def test_first_greening_import_creates_the_default_form(rw, tmp_path):
    rw["form"].delete()
    r = run("greening-reports", sheet(tmp_path, GREENING, [["2024-W10", "三村", 5, 5, 5, 5, 5, 0]]), rw["op3"])
    assert r.ok, problems(r)
    form = selectors.greening_form()
    assert list(form.units.all()) == [rw["v3"]] and form.owner == rw["v3"]


def test_approved_week_cannot_be_changed_by_import(rw, tmp_path):
    from .conftest import report

    report(rw, "v1", 10, status="approved", seedlings_secured=40, trees_planted=10, training=12, sages_visited=5,
           party_members=20, meetings=1)
    same = [["2024-W10", "一村", 40, 10, 12, 5, 20, 1]]
    r = run("greening-reports", sheet(tmp_path, GREENING, same), rw["op1"])
    assert r.ok and r.unchanged == 1
    changed = [["2024-W10", "一村", 41, 10, 12, 5, 20, 1]]
    r = run("greening-reports", sheet(tmp_path, GREENING, changed, name="c.xlsx"), rw["op1"])
    assert "第3行 周次: 该周周报已审核锁定，不能修改（如需更正请由审核人重新打开）" in problems(r)


def test_typical_villages_import(rw, tmp_path):
    headers = ["村(镇)", "级别批次", "认定年度", "认定日期", "说明"]
    rows = [["一村", "市级典型村", 2023, "2023-05-01", ""], ["一村", "省级首批典型村", 2024, "", ""],
            ["甲街道", "市级典型镇", 2024, "", ""]]
    path = sheet(tmp_path, headers, rows, title=None)
    r = run("typical-villages", path, rw["manager"])
    assert r.ok, problems(r) and r.created == 3
    assert Designation.objects.filter(unit=rw["v1"]).count() == 2
    assert run("typical-villages", path, rw["manager"]).unchanged == 3
    bad = [["甲街道", "市级典型村", 2024, "", ""], ["一村", "国家级典型村", 2024, "", ""],
           ["二村", "市级典型村", 2024, "2023-01-01", ""]]
    msgs = problems(run("typical-villages", sheet(tmp_path, headers, bad, name="b.xlsx", title=None), rw["manager"]))
    assert any("对象应为村（社区）" in m for m in msgs) and any(m.startswith("第3行 级别批次") for m in msgs)
    assert "第4行 认定日期: 认定日期应在认定年度内" in msgs
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="无权导入典型村镇"):  # designation is the programme office's
        run("typical-villages", path, rw["town_a"])


def test_greening_plans_import(rw, tmp_path):
    headers = ["村(社区)", "年度", "计划落实苗木(株)", "计划植树(株)", "植树期起(月)", "植树期止(月)", "主要树种", "村民会议日期"]
    rows = [["一村", 2024, 600, 450, "", "", "铁冬青、樟树", "2024-02-26"], ["二村", 2024, 300, 200, 3, 4, "", ""]]
    path = sheet(tmp_path, headers, rows, title=None)
    r = run("greening-plans", path, rw["town_a"])
    assert r.ok, problems(r)
    p = GreeningPlan.objects.get(unit=rw["v1"])
    assert (p.season_start, p.season_end, p.meeting_date) == (2, 5, date(2024, 2, 26))
    assert run("greening-plans", path, rw["town_a"]).unchanged == 2
    GreeningPlan.objects.filter(pk=p.pk).update(status=GreeningPlan.Status.APPROVED)
    rows[0][3] = 500
    msgs = problems(run("greening-plans", sheet(tmp_path, headers, rows, name="c.xlsx", title=None), rw["town_a"]))
    assert "第2行 村(社区): 该村2024年工作计划已审批，不能通过导入修改" in msgs
    bad = [["三村", 2024, 10, 5, "", "", "", ""], ["二村", 2025, 10, 20, 13, 2, "", ""]]
    msgs = problems(run("greening-plans", sheet(tmp_path, headers, bad, name="d.xlsx", title=None), rw["town_a"]))
    assert "第2行 村(社区): 无权为“三村”导入数据" in msgs
    assert "第3行 计划植树(株): 计划植树不能超过计划落实苗木" in msgs
    assert "第3行 植树期起(月): 月份应在1—12之间" in msgs


def test_points_import(rw, tmp_path):
    services.rule_create(actor=None, unit=rw["v1"], name="植树每株", activity="planting", points=2)
    headers = ["村(社区)", "姓名", "联系电话", "日期", "积分项目", "数量", "兑换积分", "事由"]
    rows = [["一村", "王大妈", "13812345678", "2024-03-09", "植树每株", 10, "", ""],
            ["一村", "王大妈", "13812345678", "2024-03-20", "", "", 15, "兑换大米一袋"]]
    path = sheet(tmp_path, headers, rows, title=None)
    r = run("points", path, rw["op1"])
    assert r.ok, problems(r)
    v = Villager.objects.get()
    assert v.phone_masked == "138****5678"
    assert selectors.balances(Villager.objects.all()).get().balance == 5
    assert run("points", path, rw["op1"]).unchanged == 2 and PointEntry.objects.count() == 2
    bad = [["一村", "李四", "", "2024-03-09", "不存在的规则", 1, "", ""], ["一村", "李四", "", "2024-03-09", "", "", 5, ""],
           ["三村", "赵六", "", "2024-03-09", "", "", 5, "兑换"], ["一村", "李四", "", "2024-03-09", "", "", 500, "兑换电视"]]
    msgs = problems(run("points", sheet(tmp_path, headers, bad, name="b.xlsx", title=None), rw["op1"]))
    assert "第2行 积分项目: “不存在的规则”不是一村启用的积分规则" in msgs
    assert "第3行 事由: 兑换积分须填写事由" in msgs
    assert "第4行 村(社区): 无权为“三村”导入数据" in msgs
    ok_then_over = [["一村", "李四", "", "2024-03-09", "", "", 500, "兑换电视"]]
    r = run("points", sheet(tmp_path, headers, ok_then_over, name="c.xlsx", title=None), rw["op1"])
    assert not r.ok and "积分余额不足" in problems(r)[0] and "第2行" in problems(r)[0]
    assert not Villager.objects.filter(name="李四").exists()  # all or nothing
