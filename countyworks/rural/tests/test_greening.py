"""The greening figures with their true aggregation, coverage, events counted once, survival,
the rule flag, and the aggregation type that cannot change under existing data."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from countyworks.rural import selectors, services
from countyworks.rural.models import GreeningPlan

from .conftest import report, week

pytestmark = pytest.mark.django_db


def stats(rw, unit="district", through=date(2024, 4, 14), **kw):
    return selectors.greening_stats(unit=rw[unit], through=through, **kw)


def test_latest_value_is_not_summed_over_weeks(rw):
    # 一村 reports 乡贤 5, 8, 8 over three weeks: 8 to date, not 21; trees are the week's own: summed
    for w, sages, trees in ((10, 5, 10), (11, 8, 20), (12, 8, 5)):
        report(rw, "v1", w, sages_visited=sages, trees_planted=trees, seedlings_secured=40, party_members=3)
    report(rw, "v3", 11, sages_visited=4, trees_planted=7, seedlings_secured=7, party_members=2)
    s = stats(rw)
    assert s["sages_visited"] == 12  # 8 (一村's latest) + 4 (三村's latest)
    assert s["party_members"] == 5
    assert s["trees_planted"] == 42 and s["seedlings_secured"] == 127
    assert s["planted_pct_of_secured"] == 33.1
    assert s["aggregation"]["sages_visited"] == "latest" and s["aggregation"]["trees_planted"] == "sum"
    by = {r["unit"]: r for r in s["by_unit"]}
    assert by["甲街道"]["sages_visited"] == 8 and by["乙街道"]["sages_visited"] == 4
    assert [r["unit"] for r in s["by_unit"]] == ["甲街道", "乙街道"]  # ranked by trees planted; 区妇联 not listed
    assert by["甲街道"]["rank"] == 1 and by["乙街道"]["rank"] == 2


def test_through_counts_weeks_that_ended_and_only_submitted_or_approved(rw):
    report(rw, "v1", 10, trees_planted=10, seedlings_secured=10)  # 4–10 March
    report(rw, "v1", 11, trees_planted=20, seedlings_secured=20, sages_visited=9)  # 11–17 March
    report(rw, "v2", 10, status="draft", trees_planted=500, seedlings_secured=500)
    report(rw, "v3", 10, status="returned", trees_planted=300, seedlings_secured=300)
    assert stats(rw, through=date(2024, 3, 10))["trees_planted"] == 10
    assert stats(rw, through=date(2024, 3, 16))["trees_planted"] == 10  # week 11 has not ended
    s = stats(rw, through=date(2024, 3, 17))
    assert s["trees_planted"] == 30 and s["sages_visited"] == 9


def test_latest_value_of_a_village_that_skipped_the_figure(rw):
    report(rw, "v1", 10, sages_visited=6)
    sub = report(rw, "v1", 11, trees_planted=3)
    sub.figures.pop("sages_visited")
    sub.save()
    assert stats(rw)["sages_visited"] == 6  # the latest week that reports it


def _plan(rw, unit, status=GreeningPlan.Status.APPROVED, year=2024):
    return GreeningPlan.objects.create(unit=rw[unit], year=year, seedlings_planned=100, trees_planned=80,
                                       status=status)


def test_coverage_names_the_missing_villages(rw):
    _plan(rw, "v1")
    _plan(rw, "v2", status=GreeningPlan.Status.SUBMITTED)  # not approved yet: not covered
    _plan(rw, "v3", year=2023)  # last year's plan does not cover this year
    services.grid_create(actor=None, unit=rw["v1"], name="一组", party_member="张三", trees_in_care=10)
    services.grid_create(actor=None, unit=rw["v3"], name="一组", party_member="李四", trees_in_care=10)
    s = stats(rw)
    assert (s["villages_total"], s["villages_with_plan"], s["plan_coverage_pct"]) == (3, 1, 33.3)
    assert (s["villages_with_grid"], s["grid_coverage_pct"]) == (2, 66.7)
    assert s["villages_without_plan"] == ["二村", "三村"] and s["villages_without_grid"] == ["二村"]
    a = stats(rw, "a")
    assert [r["unit"] for r in a["by_unit"]] == ["一村", "二村"]
    assert a["plan_coverage_pct"] == 50.0


def test_an_event_is_counted_once(rw):
    sub = report(rw, "v1", 10, trees_planted=40, seedlings_secured=40)
    linked = services.event_create(actor=None, title="妇联植树日", organiser=rw["bureau"], unit=rw["v1"],
                                   place="茶花园", date=date(2024, 3, 8), volunteers=60,
                                   species=[("铁冬青", 40)], report=sub)
    assert stats(rw)["trees_planted"] == 40  # already inside the week's report
    services.event_create(actor=None, title="团委植树", organiser=rw["bureau"], unit=rw["v3"], place="村口",
                          date=date(2024, 3, 12), volunteers=20, species=[("樟树", 15), ("榕树", 5)])
    s = stats(rw, with_ids=True)
    assert s["trees_planted"] == 60 and len(s["ids"]["events"]) == 1
    services.event_link(actor=None, event=linked, report=None)  # now counted on its own
    assert stats(rw)["trees_planted"] == 100
    with pytest.raises(ValidationError, match="不是活动当周"):
        services.event_link(actor=None, event=linked, report=report(rw, "v1", 12, trees_planted=1))
    with pytest.raises(ValidationError, match="不是活动所在村"):
        services.event_link(actor=None, event=linked, report=report(rw, "v2", 10))


def test_survival_rate(rw):
    report(rw, "v1", 10, trees_planted=100, seedlings_secured=100)
    g = services.grid_create(actor=None, unit=rw["v1"], name="一组", party_member="张三", trees_in_care=100)
    services.check_create(actor=None, grid=g, date=date(2024, 3, 20), watered=100, lost=10)
    services.check_create(actor=None, grid=g, date=date(2024, 3, 27), replanted=4)
    assert stats(rw)["survival_pct"] == 94.0  # (100 − 10 + 4) ÷ 100
    assert stats(rw, through=date(2024, 3, 24))["survival_pct"] == 90.0
    with pytest.raises(ValidationError, match="超过该网格管护树木"):
        services.check_create(actor=None, grid=g, date=date(2024, 3, 27), lost=101)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.check_create(actor=None, grid=g, date=date(2024, 5, 1), watered=1)


def test_aggregation_type_cannot_change_under_existing_data(rw):
    form = rw["form"]
    services.figure_aggregation_set(form=form, code="meetings", aggregation="latest", actor=rw["manager"])
    form.refresh_from_db()
    assert selectors.aggregation(next(f for f in form.fields if f["code"] == "meetings")) == "latest"
    report(rw, "v1", 10, trees_planted=1, seedlings_secured=1)
    with pytest.raises(ValidationError, match="已有填报数据，不能更改汇总方式"):
        services.figure_aggregation_set(form=form, code="sages_visited", aggregation="sum", actor=rw["manager"])
    with pytest.raises(ValidationError, match="汇总方式应为"):
        services.figure_aggregation_set(form=form, code="training", aggregation="max", actor=rw["manager"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.figure_aggregation_set(form=form, code="training", aggregation="latest", actor=rw["op1"])


def test_rule_check_flags_and_asks_for_an_explanation(rw):
    form = rw["form"]
    figs = {"seedlings_secured": Decimal(10), "trees_planted": Decimal(30), "training": Decimal(0),
            "sages_visited": Decimal(1), "party_members": Decimal(1), "meetings": Decimal(0)}
    with pytest.raises(ValidationError) as exc:
        services.greening_report_save(form=form, unit=rw["v1"], week_start=week(10), figures=figs, actor=rw["op1"])
    assert "累计已植树（30）超过累计已落实苗木（10）" in str(exc.value) and "说明" in str(exc.value)
    sub, action = services.greening_report_save(form=form, unit=rw["v1"], week_start=week(10), figures=figs,
                                                actor=rw["op1"], explanation="上年结转苗木20株")
    assert action == "created" and "上年结转苗木20株" in sub.flags[0]
    assert stats(rw)["trees_planted"] == 30  # flagged, not blocked
    again, action = services.greening_report_save(form=form, unit=rw["v1"], week_start=week(10), figures=figs,
                                                  actor=rw["op1"], explanation="上年结转苗木20株")
    assert action == "unchanged" and again.pk == sub.pk


def test_report_writer_checks_scope_values_and_weeks(rw):
    from django.core.exceptions import PermissionDenied

    form = rw["form"]
    figs = {c: Decimal(1) for c in ("seedlings_secured", "trees_planted", "training", "sages_visited",
                                    "party_members", "meetings")}
    with pytest.raises(PermissionDenied):
        services.greening_report_save(form=form, unit=rw["v3"], week_start=week(10), figures=figs, actor=rw["op1"])
    with pytest.raises(ValidationError, match="不能为负数"):
        services.greening_report_save(form=form, unit=rw["v1"], week_start=week(10),
                                      figures={**figs, "training": Decimal(-1)}, actor=rw["op1"])
    with pytest.raises(ValidationError, match="数值过大"):
        services.greening_report_save(form=form, unit=rw["v1"], week_start=week(10),
                                      figures={**figs, "training": Decimal(10**9)}, actor=rw["op1"])
    with pytest.raises(ValidationError, match="未来周次"):
        services.greening_report_save(form=form, unit=rw["v1"], week_start=week(20), figures=figs, actor=rw["op1"])
    with pytest.raises(ValidationError, match="周一"):
        services.greening_report_save(form=form, unit=rw["v1"], week_start=date(2024, 3, 5), figures=figs,
                                      actor=rw["op1"])
    with pytest.raises(ValidationError, match="村或社区"):
        services.greening_report_save(form=form, unit=rw["a"], week_start=week(10), figures=figs, actor=rw["manager"])


def test_default_form_created_for_a_fresh_installation(rw):
    rw["form"].delete()
    form = services.ensure_greening_form(actor=rw["manager"])
    assert form.owner == rw["district"] and form.programme == "rural"
    assert {f["code"]: f["aggregation"] for f in form.fields}["party_members"] == "latest"
    assert services.ensure_greening_form(actor=None).pk == form.pk


def test_dispatch_form_editor_keeps_the_aggregation_types(rw, client):
    """A caller that does not name the aggregation types (an older client, a script) keeps them;
    a change under existing data is refused by the dispatch form service."""
    from countyworks.dispatch import services as dsvc
    from countyworks.dispatch.models import ReportForm

    form = rw["form"]
    stripped = [{k: v for k, v in f.items() if k != "aggregation"} for f in form.fields]
    dsvc.report_form_save(actor=None, form=form, units=list(form.units.all()), fields=stripped, rules=form.rules,
                          name="乡村绿化周报（修订）")
    form = ReportForm.objects.get(pk=form.pk)
    assert form.name == "乡村绿化周报（修订）"
    assert {f["code"]: selectors.aggregation(f) for f in form.fields}["sages_visited"] == "latest"
    report(rw, "v1", 10, sages_visited=3)
    fields = [dict(f) for f in form.fields]
    next(f for f in fields if f["code"] == "sages_visited")["aggregation"] = "sum"
    with pytest.raises(ValidationError, match="不能更改汇总方式"):
        dsvc.report_form_save(actor=None, form=form, units=list(form.units.all()), fields=fields, rules=form.rules)
    assert {f["code"]: selectors.aggregation(f) for f in ReportForm.objects.get(pk=form.pk).fields}[
        "sages_visited"] == "latest"


def test_praise_and_criticism_name_only_what_the_figures_show():
    """One village planted, sixteen did not: only it is praised; the others are "尚未植树", not an
    arbitrary three of them; all equal: nobody is praised or named."""
    from countyworks.rural.bulletin import _rank

    rows = [{"unit": "甲村", "code": "001", "trees_planted": 48}] + [
        {"unit": f"村{i:02d}", "code": f"1{i:02d}", "trees_planted": 0} for i in range(16)]
    praised, named, not_started = selectors.praise_and_named(_rank(rows))
    assert [r["unit"] for r in praised] == ["甲村"]
    assert len(named) == 16 and len(not_started) == 16
    rows = [{"unit": f"村{i}", "code": f"{i}", "trees_planted": v} for i, v in enumerate([90, 80, 80, 70, 20, 10, 10, 5])]
    praised, named, not_started = selectors.praise_and_named(_rank(rows))
    assert [r["trees_planted"] for r in praised] == [90, 80, 80]
    assert [r["trees_planted"] for r in named] == [10, 10, 5] and not not_started
    same = [{"unit": f"村{i}", "code": f"{i}", "trees_planted": 7} for i in range(8)]
    assert selectors.praise_and_named(_rank(same)) == ([], [], [])
