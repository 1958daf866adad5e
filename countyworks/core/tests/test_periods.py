from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyworks.core.parsing import InvalidValue
from countyworks.core.periods import Period, completion_pct, shift_year, yoy_pct, ytd_last_year_span


def test_parse_each_kind():
    assert Period.parse("2024-W10") == Period(date(2024, 3, 4), date(2024, 3, 10), "week")
    assert Period.parse("2024年第10周").label == "2024-W10"
    assert Period.parse("2024-03") == Period(date(2024, 3, 1), date(2024, 3, 31), "month")
    assert Period.parse("2024年2月").end == date(2024, 2, 29)
    assert Period.parse("2024-Q1").end == date(2024, 3, 31)
    assert Period.parse("2024年第一季度") == Period.parse("2024-Q1")
    assert Period.parse("2023") == Period(date(2023, 1, 1), date(2023, 12, 31), "year")


def test_bad_period_has_chinese_message():
    with pytest.raises(InvalidValue, match="无法识别的周期"):
        Period.parse("march")
    with pytest.raises(InvalidValue, match="没有第53周"):
        Period.parse("2023-W53")


def test_same_period_last_year():
    assert Period.parse("2024-03").same_period_last_year().label == "2023-03"
    assert Period.parse("2024-Q1").same_period_last_year().label == "2023-Q1"
    assert Period.parse("2021-W10").same_period_last_year().label == "2020-W10"
    assert Period.parse("2026-W53").same_period_last_year().label == "2025-W52"
    assert Period.parse("2020-W53").same_period_last_year().label == "2019-W52"


def test_ytd_last_year_and_leap_day():
    assert ytd_last_year_span(date(2024, 2, 29)) == (date(2023, 1, 1), date(2023, 2, 28))
    assert shift_year(date(2024, 3, 31), -1) == date(2023, 3, 31)


def test_yoy_and_completion_rounding():
    assert yoy_pct(51, 43) == 18.6
    assert yoy_pct(9, 8) == 12.5
    assert yoy_pct(5, 0) is None
    assert completion_pct(51, 50) == 102.0
    assert completion_pct(1, 0) is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from(["week", "month", "quarter", "year"]))
def test_period_contains_its_day_and_chains(day, kind):
    p = Period.containing(day, kind)
    assert p.contains(day)
    assert Period.parse(p.label) == p
    assert (p.next().start - p.end).days == 1
    assert p.next().previous() == p


def test_default_through_never_counts_past_today():
    from countyworks.core.periods import default_through

    today = date(2024, 3, 20)
    assert default_through(2024, today) == today
    assert default_through(2023, today) == date(2023, 12, 31)
    assert default_through(2026, today) == date(2026, 1, 1)  # a year not yet begun counts nothing


def test_the_cockpit_and_the_statistics_agree_on_the_default_span():
    from countyworks.investment.selectors import default_through as stats_default
    from countyworks.reporting.cockpit import resolve_span

    today = date(2024, 3, 20)
    for year in (2022, 2024, 2027):
        assert resolve_span(year=year, today=today)[1] == stats_default(year, today)


def test_weekly_figures_through_a_date_count_the_weeks_that_have_ended():
    from countyworks.core.periods import last_ended_week_start

    # Friday 29 March 2024: week 13 (25–31 March) is still being reported, week 12 is the last counted
    assert last_ended_week_start(date(2024, 3, 29)) == date(2024, 3, 18)
    # on its Sunday the week counts; the Monday after changes nothing until that week ends
    assert last_ended_week_start(date(2024, 3, 31)) == date(2024, 3, 25)
    assert last_ended_week_start(date(2024, 4, 1)) == date(2024, 3, 25)
    # across a year end
    assert last_ended_week_start(date(2025, 1, 3)) == date(2024, 12, 23)
