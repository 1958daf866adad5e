"""Reporting periods: ISO weeks, months, quarters, years, and "same period last year".

A period is a closed date range with a kind and a canonical label: `2024-W10`, `2024-03`,
`2024-Q1`, `2024`. Year-to-date spans and YoY comparisons are built from these, so every report
computes "the same span of the previous year" the same way."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .parsing import InvalidValue

KINDS = ("week", "month", "quarter", "year")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: str

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def week(cls, year, week):
        try:
            start = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise InvalidValue(f"{year}年没有第{week}周")
        return cls(start, start + timedelta(days=6), "week")

    @classmethod
    def month(cls, year, month):
        if not 1 <= month <= 12:
            raise InvalidValue(f"月份“{month}”无效")
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")

    @classmethod
    def quarter(cls, year, quarter):
        if not 1 <= quarter <= 4:
            raise InvalidValue(f"季度“{quarter}”无效")
        first = 3 * (quarter - 1) + 1
        return cls(date(year, first, 1), cls.month(year, first + 2).end, "quarter")

    @classmethod
    def year(cls, year):
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def containing(cls, day, kind):
        if kind == "week":
            y, w, _ = day.isocalendar()
            return cls.week(y, w)
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(day.year)
        raise InvalidValue(f"未知的周期类型“{kind}”")

    @classmethod
    def parse(cls, text):
        """`2024-W10` / `2024W10`, `2024-03`, `2024-Q1`, `2024`, and the Chinese forms
        `2024年第10周`, `2024年3月`, `2024年第一季度`/`2024年1季度`, `2024年`."""
        s = str(text).strip().upper().replace(" ", "")
        cn_q = {"一": 1, "二": 2, "三": 3, "四": 4}
        if m := re.fullmatch(r"(\d{4})-?W(\d{1,2})", s) or re.fullmatch(r"(\d{4})年第(\d{1,2})周", s):
            return cls.week(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", s):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})年第?([1-4一二三四])季度", s):
            q = m[2]
            return cls.quarter(int(m[1]), cn_q.get(q) or int(q))
        if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})", s) or re.fullmatch(r"(\d{4})年(\d{1,2})月", s):
            return cls.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})年?", s):
            return cls.year(int(m[1]))
        raise InvalidValue(f"无法识别的周期“{text}”，应如 2024-W10、2024-03、2024-Q1 或 2024")

    # --- presentation ----------------------------------------------------------------------------
    @property
    def label(self):
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            return f"{y}-W{w:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label_zh(self):
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            return f"{y}年第{w}周"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def __str__(self):
        return self.label

    # --- arithmetic ------------------------------------------------------------------------------
    def contains(self, day):
        return self.start <= day <= self.end

    def next(self):
        return Period.containing(self.end + timedelta(days=1), self.kind)

    def previous(self):
        return Period.containing(self.start - timedelta(days=1), self.kind)

    def same_period_last_year(self):
        """The same kind of period one year earlier: 2024-03 → 2023-03, 2024-Q1 → 2023-Q1, and for
        ISO weeks the same week number (week 53 falls back to week 52 when last year has none)."""
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            last_weeks = date(y - 1, 12, 28).isocalendar()[1]
            return Period.week(y - 1, min(w, last_weeks))
        return Period.containing(shift_year(self.start, -1), self.kind)

    def year_to_date(self):
        """1 January of the period's year through the period's end."""
        return Period(date(self.end.year, 1, 1), self.end, "span")


def last_ended_week_start(through):
    """THE "weekly figures through a date" rule: a week counts through `through` when it has
    ended (its Sunday is on or before `through`). Returns that last ended week's Monday, so
    `week_start <= last_ended_week_start(through)` selects the counted weeks. On a Sunday the week
    ending that day counts; on a Friday the current week (still being reported) does not."""
    sunday = through - timedelta(days=(through.isoweekday() % 7))
    return sunday - timedelta(days=6)


def shift_year(day, years):
    """The same month-day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def ytd_span(through):
    """(start, end) of the year to date through `through`."""
    return date(through.year, 1, 1), through


def ytd_last_year_span(through):
    """The same span one year earlier: 1 January to the same month-day of the previous year."""
    end = shift_year(through, -1)
    return date(end.year, 1, 1), end


def yoy_pct(this, last):
    """(this − last) / last × 100, rounded to one decimal; None when last is 0 or missing."""
    from decimal import ROUND_HALF_UP, Decimal

    if not last:
        return None
    return float((Decimal(this - last) / Decimal(last) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def completion_pct(actual, target):
    """actual / target × 100, one decimal; None without a target."""
    from decimal import ROUND_HALF_UP, Decimal

    if not target:
        return None
    return float((Decimal(actual) / Decimal(target) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def default_through(year, today=None):
    """The default last day counted for a year's figures (the one rule every statistic, the
    cockpit and the commands use): today in the current year, 31 December of a past year, and
    1 January of a year not yet begun (so nothing after today is ever counted)."""
    from . import clock

    today = today or clock.today()
    if year == today.year:
        return today
    return date(year, 12, 31) if year < today.year else date(year, 1, 1)
