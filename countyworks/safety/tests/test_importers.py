"""Imports of inspected objects and hazards: headers, messy values, per-row scope checks,
all-or-nothing, re-import changes nothing; `countyworks stats safety`."""

import json
from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from countyworks.core.identifiers import random_credit_code
from countyworks.core.importing import run_import
from countyworks.core.models import Enterprise
from countyworks.safety.models import Hazard, InspectedObject

from .conftest import inspect

pytestmark = pytest.mark.django_db

OBJ_HEADERS = ["对象名称", "对象类别", "所属街道", "地址", "责任企业", "统一社会信用代码", "联系人", "联系电话"]
HZ_HEADERS = ["检查日期", "检查组", "检查对象", "对象类别", "所属街道", "隐患描述", "隐患等级", "整改期限", "整改状态", "销号日期"]


def sheet(tmp_path, headers, rows, name="f.xlsx", title="江海区节后复工复产安全大检查隐患台账"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for r in rows:
        ws.append(r)
    ws.append(["填报单位：区住建局(交通局)  填报人：张三"])
    path = tmp_path / name
    wb.save(path)
    return path


def imp(kind, path, actor):
    with open(path, "rb") as fh:
        return run_import(kind, fh, path.name, actor=actor)


def test_objects_import_and_reimport(tmp_path, town):
    code = random_credit_code(__import__("random").Random(7))
    rows = [["外海花园小区", "物业小区", "外海街道", "外海大道1号", "江门市外海物业管理有限公司", code, "陈先生", "13800138000"],
            ["金溪三期停放点", "电动自行车集中停放点", "金溪社区", "", "", "", "", ""]]
    path = sheet(tmp_path, OBJ_HEADERS, rows)
    r = imp("inspected-objects", path, town.office)
    assert r.ok, [str(p) for p in r.problems]
    assert (r.created, r.updated, r.unchanged) == (2, 0, 0)
    o = InspectedObject.objects.get(name="外海花园小区")
    assert o.enterprise.credit_code == code and Enterprise.objects.filter(credit_code=code).count() == 1
    again = imp("inspected-objects", path, town.office)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_objects_import_refuses_other_area_row_and_writes_nothing(tmp_path, town):
    rows = [["金溪三期停放点", "电动自行车集中停放点", "金溪社区", "", "", "", "", ""],
            ["礼乐某小区", "物业小区", "礼乐街道", "", "", "", "", ""],
            ["某对象", "加油站", "外海街道", "", "", "", "", ""],
            ["某对象2", "物业小区", "外海街道", "", "某公司", "", "", "12"]]
    r = imp("inspected-objects", sheet(tmp_path, OBJ_HEADERS, rows), town.inspector3)
    msgs = [str(p) for p in r.problems]
    assert any(m.startswith("第4行 所属街道") and "无权" in m for m in msgs), msgs
    assert any(m.startswith("第5行 对象类别") and "加油站" in m for m in msgs), msgs
    assert any(m.startswith("第6行 统一社会信用代码") for m in msgs), msgs
    assert any(m.startswith("第6行 联系电话") for m in msgs), msgs
    assert not InspectedObject.objects.filter(name="金溪三期停放点").exists()


def test_hazards_import_routine_and_states(tmp_path, town):
    rows = [["2024/2/26", "专项督导检查组第3组", "金溪花园电动自行车集中停放点", "电动自行车集中停放点", "金溪社区",
             "停放点灭火器过期", "一般", "2024年3月5日", "已销号", "2024.3.4"],
            ["2024-03-01", "专项督导检查组第3组", "金溪花园电动自行车集中停放点", "电动自行车集中停放点", "金溪社区",
             "充电线路私拉乱接", "重大", "2024-03-10", "整改中", ""]]
    path = sheet(tmp_path, HZ_HEADERS, rows)
    r = imp("hazards", path, town.inspector3)
    assert r.ok, [str(p) for p in r.problems]
    assert r.created == 2
    closed = Hazard.objects.get(description="停放点灭火器过期")
    assert closed.status == "closed" and closed.closed_on == date(2024, 3, 4) and closed.campaign.routine
    open_ = Hazard.objects.get(description="充电线路私拉乱接")
    assert open_.status == "rectifying" and open_.level == "major" and open_.responsible == "江门市金溪物业服务有限公司"
    again = imp("hazards", path, town.inspector3)
    assert (again.created, again.unchanged) == (0, 2) and Hazard.objects.count() == 2


def test_hazards_import_row_errors(tmp_path, town):
    base = ["2024-03-01", "专项督导检查组第3组", "金溪花园电动自行车集中停放点", "电动自行车集中停放点", "金溪社区",
            "隐患", "一般", "2024-03-10", "整改中", ""]
    rows = [
        base[:1] + ["专项督导检查组第5组"] + base[2:],  # another team
        base[:2] + ["礼乐新村电动自行车停放点", "电动自行车集中停放点", "礼乐街道"] + base[5:],  # not covered by team 3
        base[:6] + ["特别大"] + base[7:],
        base[:7] + ["2024-02-01"] + base[8:],
        base[:8] + ["已销号", ""],
        base[:8] + ["整改中", "2024-03-05"],
        ["2099-01-01"] + base[1:],
        base[:2] + ["不存在的对象"] + base[3:],
        base[:3] + ["物业小区"] + base[4:],
    ]
    r = imp("hazards", sheet(tmp_path, HZ_HEADERS, rows), town.inspector3)
    msgs = [str(p) for p in r.problems]
    expect = [("第3行 检查组", "无权"), ("第4行 检查对象", "无权"), ("第5行 隐患等级", "特别大"),
              ("第6行 整改期限", "早于"), ("第7行 销号日期", "须填写"), ("第8行 销号日期", "不应"),
              ("第9行 检查日期", "晚于今天"), ("第10行 检查对象", "请先导入"), ("第11行 对象类别", "电动自行车")]
    for where, what in expect:
        assert any(m.startswith(where) and what in m for m in msgs), (where, msgs)
    assert not Hazard.objects.exists()


def test_hazards_import_refuses_changing_an_existing_hazard(tmp_path, town):
    row = ["2024-03-01", "专项督导检查组第3组", "金溪花园电动自行车集中停放点", "电动自行车集中停放点", "金溪社区",
           "充电线路私拉乱接", "一般", "2024-03-10", "整改中", ""]
    assert imp("hazards", sheet(tmp_path, HZ_HEADERS, [row]), town.inspector3).ok
    changed = row[:8] + ["已销号", "2024-03-09"]
    r = imp("hazards", sheet(tmp_path, HZ_HEADERS, [changed], name="g.xlsx"), town.inspector3)
    assert any("请在隐患页面办理" in str(p) for p in r.problems)
    assert Hazard.objects.get().status == "rectifying"


def test_stats_command(town, settings):
    inspect(town, failed=(1, 4))
    settings.COUNTYWORKS_TODAY = "2024-03-30"
    out = StringIO()
    call_command("stats", "safety", "--campaign", "节后复工复产安全大检查", "--through", "2024-03-30", "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    for key in ("objects_inspected", "inspections", "hazards_found", "hazards_major", "hazards_closed",
                "rectification_pct", "hazards_overdue", "median_days_to_close", "by_team", "by_category", "by_unit"):
        assert key in data
    assert (data["inspections"], data["hazards_found"], data["hazards_overdue"]) == (1, 2, 2)
    assert data["by_team"][0]["name"] == "专项督导检查组第3组"
    out = StringIO()
    call_command("stats", "safety", "--unit", town.lile.code, stdout=out)
    assert json.loads(out.getvalue())["hazards_found"] == 0
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到检查行动"):
        call_command("stats", "safety", "--campaign", "没有的行动", stdout=StringIO())


def test_import_command_checks_the_users_scope(tmp_path, town):
    rows = [["礼乐某小区", "物业小区", "礼乐街道", "", "", "", "", ""]]
    path = sheet(tmp_path, OBJ_HEADERS, rows)
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "inspected-objects", str(path), "--user", "team3", stdout=StringIO(), stderr=err)
    assert "第3行 所属街道: 无权为“礼乐街道”导入检查对象" in err.getvalue()
    assert not InspectedObject.objects.filter(name="礼乐某小区").exists()
    call_command("import", "inspected-objects", str(path), "--user", "lile_aj", stdout=StringIO())
    assert InspectedObject.objects.filter(name="礼乐某小区", unit=town.lile).exists()
