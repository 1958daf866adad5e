"""django-tables2 tables of the dispatch lists (sortable, exported by ?export=xlsx)."""

import django_tables2 as tables
from django.utils.html import format_html

from .models import Submission, Task
from .selectors import week_label

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
SUBMISSION_BADGE = {
    "draft": "secondary",
    "submitted": "primary",
    "returned": "warning",
    "approved": "success",
}


def _num(value):
    if value is None:
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


class SubmissionTable(tables.Table):
    week_start = tables.Column(verbose_name="周次", linkify=True, attrs=NOWRAP)
    form = tables.Column(order_by=("form__name",))
    unit = tables.Column(order_by=("unit__path",))
    status = tables.Column(attrs=NOWRAP)
    timeliness = tables.Column(verbose_name="报送情况", empty_values=(), orderable=False, attrs=NOWRAP)
    submitted_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    submitted_by = tables.Column()
    reviewed_by = tables.Column()

    class Meta:
        model = Submission
        fields = [
            "week_start",
            "form",
            "unit",
            "status",
            "timeliness",
            "submitted_at",
            "submitted_by",
            "reviewed_by",
        ]
        order_by = ("-week_start",)

    def render_week_start(self, value):
        return f"{week_label(value)}（{value:%m-%d}起）"

    def value_week_start(self, value):
        return week_label(value)

    def render_status(self, record, value):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            SUBMISSION_BADGE.get(record.status, "secondary"),
            value,
        )

    def value_status(self, record, value):
        return record.get_status_display()

    def _timeliness(self, record):
        if record.first_submitted_at is None:
            return "未提交"
        return "按时" if record.on_time else "逾期"

    def render_timeliness(self, record):
        text = self._timeliness(record)
        css = {"按时": "text-success", "逾期": "text-danger fw-bold"}.get(text, "text-muted")
        return format_html('<span class="{}">{}</span>', css, text)

    def value_timeliness(self, record):
        return self._timeliness(record)

    def render_submitted_by(self, value):
        return value.display_name

    def render_reviewed_by(self, value):
        return value.display_name


class TaskTable(tables.Table):
    title = tables.Column(linkify=True)
    unit = tables.Column(order_by=("unit__path",))
    deadline = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    done_date = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    status = tables.Column(attrs=NOWRAP)

    class Meta:
        model = Task
        fields = [
            "title",
            "programme",
            "unit",
            "leader",
            "indicator",
            "target",
            "progress",
            "deadline",
            "status",
            "done_date",
        ]
        order_by = ("deadline",)

    def render_status(self, record, value):
        if record.is_overdue():
            return format_html(
                '<span class="badge text-bg-danger">逾期</span> <span class="badge text-bg-secondary">{}</span>',
                value,
            )
        css = "success" if record.status == Task.Status.DONE else "primary"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)

    def value_status(self, record, value):
        late = record.is_overdue()
        return record.get_status_display() + ("（逾期）" if late else "")

    def render_leader(self, value):
        return str(value)

    def render_target(self, value):
        return _num(value)

    def render_progress(self, value):
        return _num(value)

    def value_target(self, value):
        return value

    def value_progress(self, value):
        return value
