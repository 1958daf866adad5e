"""The safety section of the monthly bulletin (contributed through the programme registry):
the month's inspections and hazards in computed sentences, the teams ranked, the campaigns that
ran in the month, and the overdue major hazards named with their responsible party."""

from countyworks.reporting.content import area, cell, names, paragraph, run, table

from . import selectors
from .models import Campaign

M_HAZARD, M_INSPECTION = "safety.hazard", "safety.inspection"


def _pct(p):
    return "—" if p is None else f"{p:.1f}%"


def safety_section(b):
    start, through, unit = b.period.start, b.through, b.unit
    s = selectors.safety_stats(unit=unit, since=start, through=through)
    ids = selectors.figure_ids(unit=unit, since=start, through=through)
    month = f"{b.period.start.month}月"
    b.section("安全生产检查总体情况")
    if not s["inspections"] and not s["hazards_found"]:
        b.blocks.append(paragraph(f"{month}，{area(unit)}未录入安全检查记录。"))
    else:
        r_ins = b.ref("safety.inspections", f"{month}检查次数", s["inspections"], M_INSPECTION, ids["inspections"])
        r_found = b.ref("safety.hazards_found", f"{month}发现隐患", s["hazards_found"], M_HAZARD, ids["hazards_found"])
        runs = [f"{month}（截至{b.through_label}），{area(unit)}各检查组开展安全检查", run(s["inspections"], r_ins),
                f"次，检查各类对象{s['objects_inspected']}个，发现安全隐患", run(s["hazards_found"], r_found), "处"]
        if s["hazards_found"]:
            r_major = b.ref("safety.hazards_major", f"{month}发现重大隐患", s["hazards_major"], M_HAZARD,
                            ids["hazards_major"])
            r_closed = b.ref("safety.hazards_closed", f"{month}发现隐患中已销号", s["hazards_closed"], M_HAZARD,
                             ids["hazards_closed"])
            runs += ["，其中重大隐患" if s["hazards_major"] else "", run(s["hazards_major"], r_major) if s["hazards_major"]
                     else "", "处" if s["hazards_major"] else "", "；已整改销号", run(s["hazards_closed"], r_closed),
                     f"处，整改率{_pct(s['rectification_pct'])}"]
            if s["median_days_to_close"] is not None:
                runs.append(f"，从发现到销号用时中位数为{s['median_days_to_close']:g}天")
        runs.append("。")
        b.blocks.append(paragraph(*[r for r in runs if r != ""]))
    # everything still open past its deadline, whenever it was found
    all_open = selectors.safety_stats(unit=unit, through=through)
    over_ids = selectors.figure_ids(unit=unit, through=through)["hazards_overdue"]
    if all_open["hazards_overdue"]:
        r_over = b.ref("safety.hazards_overdue", f"截至{b.through_label}逾期未整改隐患", all_open["hazards_overdue"],
                       M_HAZARD, over_ids)
        b.blocks.append(paragraph(f"截至{b.through_label}，逾期未整改的隐患共", run(all_open["hazards_overdue"], r_over),
                                  f"处（其中重大隐患{all_open['hazards_major_overdue']}处）。"))
    elif all_open["hazards_found"]:
        b.blocks.append(paragraph(f"截至{b.through_label}，无逾期未整改的隐患。"))

    campaigns = [c for c in Campaign.objects.filter(routine=False, start__lte=through, end__gte=start)
                 .select_related("lead_bureau").order_by("start")]
    for c in campaigns:
        cs = selectors.safety_stats(campaign=c, unit=unit, through=through)
        n_teams = c.teams.count()
        b.blocks.append(paragraph(
            f"{c.name}（{c.lead_bureau.name}牵头，{c.start.month}月{c.start.day}日至{c.end.month}月{c.end.day}日）："
            f"{n_teams}个专项督导检查组累计检查对象{cs['objects_inspected']}个，发现隐患{cs['hazards_found']}处，"
            f"已销号{cs['hazards_closed']}处，整改率{_pct(cs['rectification_pct'])}。"))

    # the overdue column counts every open hazard of the team past its deadline, whenever found
    overdue_by_team = {r["id"]: r["hazards_overdue"] for r in all_open["by_team"]}
    teams = [r for r in s["by_team"] if r["inspections"] or r["hazards_found"]]
    teams += [{**r, **{k: 0 for k in ("inspections", "objects_inspected", "hazards_found", "hazards_major",
                                      "hazards_closed")}, "rectification_pct": None}
              for r in all_open["by_team"] if r["hazards_overdue"] and r["id"] not in {t["id"] for t in teams}]
    if teams:
        b.section("各检查组排查整治情况")
        # ranked by rectification rate (teams with nothing found after those with a rate), then found
        ranked = sorted(teams, key=lambda r: (r["rectification_pct"] is None, -(r["rectification_pct"] or 0),
                                              -r["hazards_found"], r["name"]))
        rows, rank, prev = [], 0, object()
        for i, r in enumerate(ranked, 1):
            key = (r["rectification_pct"], r["hazards_found"])
            if key != prev:
                rank, prev = i, key
            rows.append([cell(rank, rank), cell(r["name"]), cell(r["objects_inspected"], r["objects_inspected"]),
                         cell(r["inspections"], r["inspections"]), cell(r["hazards_found"], r["hazards_found"]),
                         cell(r["hazards_major"], r["hazards_major"]), cell(r["hazards_closed"], r["hazards_closed"]),
                         cell(_pct(r["rectification_pct"]), r["rectification_pct"]),
                         cell(overdue_by_team.get(r["id"], 0), overdue_by_team.get(r["id"], 0))])
        b.blocks.append(table(f"表{b.table_no()} {month}各检查组安全隐患排查整治情况",
                              ["排名", "检查组", "检查对象", "检查次数", "发现隐患", "重大隐患", "已销号", "整改率",
                               "逾期未整改(累计)"], rows, key="safety.by_team"))
        lagging = [r["name"] for r in teams if overdue_by_team.get(r["id"])]
        if lagging:
            b.blocks.append(paragraph(f"有逾期未整改隐患的检查组：{names(lagging)}，请督促责任单位限期整改。"))

    major = list(selectors.overdue_major(unit=unit, through=through))
    if major:
        b.section("逾期未整改的重大隐患")
        for h in major:
            days = (through - h.deadline).days
            r = b.ref(f"safety.major.{h.pk}", f"重大隐患{h.code}", 1, M_HAZARD, [h.pk])
            b.blocks.append(paragraph(
                run(h.code, r), f"：{h.object.name}（{h.unit.name}）{h.description}；责任单位：{h.responsible}；"
                f"整改期限{h.deadline:%Y-%m-%d}，已逾期{days}天"
                + (f"，已由{h.supervising_unit.name}挂牌督办" if h.supervised and h.supervising_unit_id else "，尚未挂牌督办")
                + "。"))
