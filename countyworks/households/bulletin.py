"""The households section of the monthly bulletin: numbers only. No name, ID, phone or village
small enough to identify a family: a village's row shows its figures only when it has at least
SUPPRESS_BELOW registered households (otherwise "—", with a note saying why)."""

from countyworks.reporting.content import area, cell, num, paragraph, run, table

from .selectors import SUPPRESS_BELOW, household_stats

M = "households.household"


def suppressed(n, total):
    return total < SUPPRESS_BELOW


def households_section(b):
    s = household_stats(unit=b.unit, today=b.through)
    b.section("防止返贫监测帮扶情况")
    r_m = b.ref("hh.monitored", "监测对象户数", s["monitored"], M, s["monitored_ids"])
    r_r = b.ref("hh.at_risk", "存在风险户数", s["at_risk"], M, s["at_risk_ids"])
    r_p = b.ref("hh.in_procedure", "识别程序中户数", s["in_procedure"], M, s["in_procedure_ids"])
    r_o = b.ref("hh.overdue", "识别程序超期户数", s["procedure_overdue"], M, s["procedure_overdue_ids"])
    r_e = b.ref("hh.eliminated", "本年风险消除户数", s["eliminated_this_year"], M, s["eliminated_ids"])
    runs = [f"截至{b.through_label}，{area(b.unit)}共有防止返贫监测对象", run(s["monitored"], r_m), "户，其中",
            "、".join(f"{k}{v}户" for k, v in s["by_category"].items() if v and k in ("脱贫不稳定户", "边缘易致贫户",
                                                                                 "突发严重困难户")) or "无分类数据",
            "；存在返贫致贫风险", run(s["at_risk"], r_r), "户；正在履行识别程序", run(s["in_procedure"], r_p),
            "户，其中超过15天未办结", run(s["procedure_overdue"], r_o), "户；本年已消除风险", run(s["eliminated_this_year"], r_e),
            "户。"]
    b.blocks.append(paragraph(*runs))
    if s["average_income_monitored"] is not None:
        yoy = s["average_income_monitored_yoy_pct"]
        text = f"{s['income_year']}年监测对象家庭人均纯收入{num(s['average_income_monitored'])}元"
        text += f"，同比{'增长' if yoy >= 0 else '下降'}{abs(yoy):.1f}%" if yoy is not None else "，上年无可比数据"
        if s["monitoring_line"]:
            text += f"（当年监测线{num(s['monitoring_line'])}元）"
        b.blocks.append(paragraph(text + "。"))
    rows, hidden = [], 0
    for r in s["by_unit"]:
        if suppressed(r["monitored"], r["total"]):
            hidden += 1
            rows.append([cell(r["unit"]), cell("—"), cell("—"), cell("—"), cell("—")])
        else:
            rows.append([cell(r["unit"]), cell(r["total"], r["total"]), cell(r["monitored"], r["monitored"]),
                         cell(r["at_risk"], r["at_risk"]), cell(r["overdue"], r["overdue"])])
    if rows:
        b.blocks.append(table(f"表{b.table_no()} 各单位防止返贫监测情况（户）",
                              ["单位", "登记户数", "监测对象", "存在风险", "识别超期"], rows, key="hh.by_unit"))
        if hidden:
            b.blocks.append(paragraph(f"注：登记户数少于{SUPPRESS_BELOW}户的单位不公布分项数据（“—”），以免识别到具体家庭。"))
