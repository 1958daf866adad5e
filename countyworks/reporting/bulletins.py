"""Building a monthly bulletin from the data (月通报): the programme's sections, contributed
through the programme registry (core.programmes), in the newspaper's own style, then the
reporting section every bulletin carries. The result is the content structure of content.py;
every number carries a ref to the records it counts. This module imports no programme app."""

import calendar
from datetime import date

from countyworks.core import clock
from countyworks.core import programmes as registry
from countyworks.core.periods import Period

from .content import level1


class Builder:
    """What a section builder (a programme's `Section.build(b)`) works with:

    - `b.unit`, `b.period` (a month Period), `b.through` (the last day counted: the month's end,
      or today while the month runs), `b.through_label` ("3月底" / "3月20日");
    - `b.section(text)` starts a numbered heading (一、二、…), `b.blocks.append(block)` adds a
      paragraph or table built with content.py, `b.table_no()` numbers tables;
    - `b.ref(key, label, value, model_label, ids)` records a figure and the ids of the records it
      counts, and returns the key for `run(text, key)` / `cell(text, num, key)`;
    - `b.reporting_programmes`: whose weekly forms and tasks the reporting section counts."""

    def __init__(self, *, programme, period, unit, issue_date=None, doc_number=""):
        self.programme = programme
        self.period = Period.parse(period)
        if self.period.kind != "month":
            raise ValueError("月通报的期间应为 YYYY-MM")
        self.unit = unit
        today = clock.today()
        if self.period.start > today:
            # a month that has not begun has no records: refuse rather than print zeros
            raise ValueError(
                f"{self.period.label_zh}尚未开始（今天是{today.year}年{today.month}月{today.day}日），不能生成该月通报"
            )
        self.through = min(self.period.end, today)
        self.blocks, self.figures, self.n = [], {}, 0
        self.issue_date = issue_date or min(
            today,
            date(
                self.period.end.year,
                self.period.end.month,
                calendar.monthrange(*self.period.end.timetuple()[:2])[1],
            ),
        )
        self.doc_number = doc_number

    @property
    def through_label(self):
        """"3月底" for a finished month, "3月20日" while the month is still running."""
        t = self.through
        return f"{t.month}月底" if t == self.period.end else f"{t.month}月{t.day}日"

    def ref(self, key, label, value, model, ids):
        self.figures[key] = {"label": label, "value": value, "model": model, "ids": sorted(ids)}
        return key

    def section(self, text):
        self.n += 1
        self.blocks.append(level1(self.n, text))

    def table_no(self):
        self._tables = getattr(self, "_tables", 0) + 1
        return self._tables

    def specs(self):
        if self.programme == "all":
            return [s for s in registry.programmes() if s.in_bulletin]
        return [registry.get(self.programme)]

    def build(self):
        p = self.programme
        specs = self.specs()
        if p == "all":
            self.reporting_programmes = registry.codes()
        else:
            self.reporting_programmes = list(specs[0].reporting_programmes)
        for spec in specs:
            for s in spec.sections:
                if not s.every:
                    s.build(self)
        for spec in registry.programmes():
            for s in spec.sections:
                if s.every:
                    s.build(self)
        from .models import masthead_for, next_sequence

        head = masthead_for(self.unit, p, year=self.period.start.year,
                            sequence=next_sequence(self.unit, p, self.period.start.year))
        self.masthead = head
        title = f"{self.unit.name}{specs[0].bulletin_title if p != 'all' else '重点工作'}月通报"
        return {
            "title": title,
            "subtitle": f"（{self.period.label_zh}）",
            "issuer": head["issuer"],
            "masthead": head["masthead"],
            "recipients": head["recipients"],
            "copy_to": head["copy_to"],
            "doc_number": self.doc_number or head["doc_number"],
            "date": self.issue_date.isoformat(),
            "period": self.period.label,
            "period_label": self.period.label_zh,
            "through": self.through.isoformat(),
            "unit": self.unit.name,
            "unit_id": self.unit.pk,
            "programme": p,
            "blocks": self.blocks,
            "figures": self.figures,
        }


def bulletin_build(*, programme, period, unit, issue_date=None, doc_number=""):
    """The bulletin content for `programme` (a registered programme with bulletin sections, or
    "all") and month `period` (YYYY-MM): year to date through the month's last day (or today),
    for `unit`'s subtree."""
    choices = [c for c, _ in registry.bulletin_choices()]
    if programme not in choices:
        raise ValueError(f"未知的业务“{programme}”，可选：{'、'.join(choices)}")
    return Builder(
        programme=programme, period=period, unit=unit, issue_date=issue_date, doc_number=doc_number
    ).build()
