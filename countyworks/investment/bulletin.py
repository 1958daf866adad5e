"""The investment section of the monthly bulletin (contributed through the programme registry):
the year-to-date sentence, the table per child unit with targets, YoY and ranks, the units
praised and named, and the overdue project milestones."""



from countyworks.core.models import path_q
from countyworks.reporting.content import area, cell, num, paragraph, pct_phrase, run, span_label, table

from .selectors import investment_stats, overdue_milestones, praise_and_criticism, time_progress_pct


def investment_section(b):

    year, through = b.period.start.year, b.through
    s = investment_stats(year=year, unit=b.unit, through=through, with_ids=True)
    ids_100m, ids_1b = s["ids"]["projects_100m"], s["ids"]["projects_1b"]
    label = span_label(b.period)
    m = "investment.project"
    r_n = b.ref("inv.projects_100m", f"{label}亿元以上项目数", s["projects_100m"], m, ids_100m)
    r_amt = b.ref(
        "inv.investment_100m",
        f"{label}亿元以上项目计划总投资（亿元）",
        s["investment_100m_yi"],
        m,
        ids_100m,
    )
    r_1b = b.ref("inv.projects_1b", f"{label}10亿元以上项目数", s["projects_1b"], m, ids_1b)
    b.section("招商引资总体情况")
    b.blocks.append(
        paragraph(
            f"{label}，{area(b.unit)}引进亿元以上产业项目",
            run(s["projects_100m"], r_n),
            "个，",
            pct_phrase(s["projects_100m_yoy_pct"]),
            "；计划总投资",
            run(num(s["investment_100m_yi"]), r_amt),
            "亿元，",
            pct_phrase(s["investment_100m_yoy_pct"]),
            "；其中10亿元以上项目",
            run(s["projects_1b"], r_1b),
            "个，",
            pct_phrase(s["projects_1b_yoy_pct"]),
            "。",
        )
    )
    if s["target_projects_100m_pct"] is not None or s["target_investment_pct"] is not None:
        runs = ["亿元以上项目数完成年度目标"]
        if s["target_projects_100m"] is not None:
            runs += [
                f"（{num(s['target_projects_100m'])}个）的",
                f"{s['target_projects_100m_pct']:.1f}%",
            ]
        if s["target_investment_pct"] is not None:
            runs += [
                f"，计划总投资完成年度目标（{num(s['target_investment_yi'])}亿元）的",
                f"{s['target_investment_pct']:.1f}%",
            ]
        runs.append("。")
        b.blocks.append(paragraph(*runs))

    rows = s["by_unit"]
    time_progress = time_progress_pct(b.period.start.month)
    if rows:
        b.section("各单位招商引资完成情况")
        table_rows = []
        by_child = s["ids"]["by_unit"]
        for r in rows:
            uid = r["unit_id"]
            ids = by_child.get(uid, [])
            key = b.ref(
                f"inv.unit.{uid}.projects_100m", f"{r['unit']}亿元以上项目数", r["projects_100m"], m, ids
            )
            table_rows.append(
                [
                    cell(r["rank"], r["rank"]),
                    cell(r["unit"]),
                    cell(
                        num(r["target_projects_100m"]) if r["target_projects_100m"] is not None else "—",
                        r["target_projects_100m"],
                    ),
                    cell(r["projects_100m"], r["projects_100m"], key),
                    cell(
                        f"{r['target_projects_100m_pct']:.1f}%"
                        if r["target_projects_100m_pct"] is not None
                        else "—",
                        r["target_projects_100m_pct"],
                    ),
                    cell(
                        pct_phrase(r["projects_100m_yoy_pct"])
                        .replace("同比", "")
                        .replace("上年同期无可比数据", "—"),
                        r["projects_100m_yoy_pct"],
                    ),
                    cell(num(r["investment_100m_yi"]), r["investment_100m_yi"]),
                    cell(
                        f"{r['target_investment_pct']:.1f}%"
                        if r["target_investment_pct"] is not None
                        else "—",
                        r["target_investment_pct"],
                    ),
                ]
            )
        b.blocks.append(
            table(
                f"表{b.table_no()} {label}各单位亿元以上项目完成情况",
                [
                    "排名",
                    "单位",
                    "年度目标(个)",
                    "完成(个)",
                    "完成率",
                    "同比",
                    "计划总投资(亿元)",
                    "投资目标完成率",
                ],
                table_rows,
                key="inv.by_unit",
            )
        )
        praised, named, all_on_track, last = praise_and_criticism(rows, b.period.start.month)
        if praised or named or last:
            b.section("通报表扬和通报批评")
        if praised:
            b.blocks.append(
                paragraph(
                    "通报表扬：",
                    "、".join(r["unit"] for r in praised),
                    f"招商引资工作成效突出，{'、'.join(r['unit'] for r in praised[:1])}以{praised[0]['projects_100m']}个亿元以上项目排名第一。",
                )
            )
        if named:
            b.blocks.append(
                paragraph(
                    "通报批评：",
                    "、".join(r["unit"] for r in named),
                    f"亿元以上项目目标完成率低于时序进度（{time_progress:.1f}%），请加大工作力度，确保完成全年目标任务。",
                )
            )
        elif last:
            b.blocks.append(
                paragraph(
                    f"各单位亿元以上项目目标完成率均达到时序进度（{time_progress:.1f}%）；",
                    "、".join(r["unit"] for r in last),
                    f"亿元以上项目数排名末位（{last[0]['projects_100m']}个），请加快工作进度。",
                )
            )

    from countyworks.investment.models import Project

    projects = Project.objects.filter(path_q(b.unit.path, "unit__path"))
    overdue = [ms for ms in overdue_milestones(projects, today=through)][:30]
    if overdue:
        b.section("项目推进逾期事项")
        key = b.ref(
            "inv.overdue",
            "逾期未完成的项目节点",
            len(overdue),
            "investment.project",
            {ms.project_id for ms in overdue},
        )
        b.blocks.append(
            paragraph(
                "截至",
                f"{through.month}月{through.day}日",
                "，共有",
                run(len(overdue), key),
                "个项目节点超过计划日期尚未完成，请责任单位抓紧推进：",
            )
        )
        b.blocks.append(
            table(
                f"表{b.table_no()} 逾期项目节点",
                ["项目", "责任单位", "节点", "计划日期", "逾期天数"],
                [
                    [
                        cell(ms.project.name),
                        cell(ms.project.unit.name),
                        cell(ms.get_kind_display()),
                        cell(ms.planned_date.isoformat()),
                        cell((through - ms.planned_date).days, (through - ms.planned_date).days),
                    ]
                    for ms in overdue
                ],
                key="inv.overdue",
            )
        )

