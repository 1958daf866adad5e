"""django-tables2 tables of the investment lists (sortable, exported by ?export=xlsx)."""

import django_tables2 as tables
from django.utils.html import format_html

from countyworks.core import clock
from countyworks.core.models import Target

from . import selectors
from .models import Activity, Lead, Project, ReviewMeeting, ServiceRequest

STATUS_BADGE = {
    "new": "secondary", "following": "primary", "evaluating": "info", "in_review": "warning",
    "converted": "success", "shelved": "dark", "lost": "danger",
}


def _wan(value):
    if value is None:
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}


class LeadTable(tables.Table):
    code = tables.Column(linkify=True, attrs=NOWRAP)
    registered_on = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    title = tables.Column(linkify=True)
    enterprise = tables.Column(verbose_name="企业", order_by=("enterprise__name",))
    status = tables.Column()

    class Meta:
        model = Lead
        fields = ["code", "title", "enterprise", "unit", "source", "industry", "intended_investment", "status",
                  "registered_on"]
        order_by = "-registered_on"

    def render_status(self, record, value):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_BADGE.get(record.status, "secondary"), value)

    def render_intended_investment(self, value):
        return _wan(value)

    def value_status(self, record, value):
        return record.get_status_display()

    def value_intended_investment(self, value):
        return value


class ActivityTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    title = tables.Column(linkify=True)
    enterprise_count = tables.Column(verbose_name="对接企业数", orderable=True)
    lead_count = tables.Column(verbose_name="形成线索数", orderable=True)

    class Meta:
        model = Activity
        fields = ["date", "kind", "title", "city", "unit", "leaders_present", "enterprise_count", "lead_count"]
        order_by = "-date"


class MeetingTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    title = tables.Column(linkify=True)
    item_count = tables.Column(verbose_name="议题数")
    held = tables.BooleanColumn(yesno="已召开,未召开")

    class Meta:
        model = ReviewMeeting
        fields = ["date", "title", "place", "unit", "chair", "item_count", "held"]
        order_by = "-date"


class ProjectTable(tables.Table):
    code = tables.Column(linkify=True, attrs=NOWRAP)
    signed_date = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    name = tables.Column(linkify=True)
    enterprise = tables.Column(verbose_name="企业", order_by=("enterprise__name",))
    planned_investment = tables.Column(verbose_name="计划总投资(万元)")
    stage = tables.Column(verbose_name="所处阶段", empty_values=(), orderable=False)
    overdue_count = tables.Column(verbose_name="逾期节点", orderable=True)

    class Meta:
        model = Project
        fields = ["code", "name", "enterprise", "unit", "industry", "kind", "planned_investment", "signed_date",
                  "stage", "overdue_count"]
        order_by = "-signed_date"
        row_attrs = {"class": lambda record: "table-danger" if getattr(record, "overdue_count", 0) else ""}

    def render_planned_investment(self, value):
        return _wan(value)

    def value_planned_investment(self, value):
        return value

    def render_stage(self, record):
        return selectors.project_stage(record)

    def render_overdue_count(self, value):
        if not value:
            return "—"
        return format_html('<span class="badge text-bg-danger">逾期 {} 项</span>', value)

    def value_overdue_count(self, value):
        return value or 0


class ServiceRequestTable(tables.Table):
    project = tables.Column(linkify=True, order_by=("project__name",))
    category = tables.Column(linkify=lambda record: record.get_absolute_url())
    description = tables.Column()
    deadline = tables.Column(attrs=NOWRAP)
    replied_at = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)

    class Meta:
        model = ServiceRequest
        fields = ["project", "category", "description", "bureau", "deadline", "status", "replied_at", "rating"]
        order_by = "deadline"

    def render_description(self, value):
        return value if len(value) <= 40 else value[:40] + "…"

    def value_description(self, value):
        return value

    def render_deadline(self, record, value):
        if record.status == ServiceRequest.Status.OPEN and value < _today():
            return format_html('<span class="text-danger fw-bold">{} 超时</span>', value.strftime("%Y-%m-%d"))
        return value.strftime("%Y-%m-%d")

    def value_deadline(self, value):
        return value

    def render_rating(self, value):
        return "★" * value

    def value_rating(self, value):
        return value


class TargetTable(tables.Table):
    class Meta:
        model = Target
        fields = ["year", "unit", "indicator", "value"]
        order_by = ("-year", "unit")


def _today():

    return clock.today()
