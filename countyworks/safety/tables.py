"""django-tables2 tables of the safety lists (sortable, exported by ?export=xlsx)."""

import django_tables2 as tables
from django.utils.html import format_html

from countyworks.core import clock

from . import selectors
from .models import Campaign, Hazard, InspectedObject, Inspection

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
STATUS_BADGE = {"found": "secondary", "notified": "info", "rectifying": "warning", "submitted": "primary",
                "passed": "success", "closed": "success"}


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True)
    start = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    end = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    teams = tables.Column(verbose_name="检查组", accessor="pk", orderable=False)

    class Meta:
        model = Campaign
        fields = ["name", "lead_bureau", "start", "end", "teams"]
        order_by = "-start"

    def render_teams(self, record):
        return record.teams.count() if not record.routine else "—"

    value_teams = render_teams


class ObjectTable(tables.Table):
    name = tables.Column(linkify=True)
    enterprise = tables.Column(verbose_name="责任企业", order_by=("enterprise__name",))

    class Meta:
        model = InspectedObject
        fields = ["name", "category", "unit", "address", "enterprise", "contact_name"]
        order_by = "name"


class InspectionTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", linkify=True, attrs=NOWRAP)
    object = tables.Column(verbose_name="检查对象", order_by=("object__name",))
    failed = tables.Column(verbose_name="不符合项", orderable=False, accessor="pk")

    class Meta:
        model = Inspection
        fields = ["date", "object", "team", "campaign", "inspectors", "failed"]
        order_by = "-date"

    def render_failed(self, record):
        return getattr(record, "failed_count", None) if hasattr(record, "failed_count") else record.results.filter(
            result="fail").count()

    value_failed = render_failed


class HazardTable(tables.Table):
    code = tables.Column(linkify=True, attrs=NOWRAP)
    object = tables.Column(verbose_name="检查对象", order_by=("object__name",))
    deadline = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    found_on = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    status = tables.Column(attrs=NOWRAP)
    level = tables.Column(attrs=NOWRAP)

    class Meta:
        model = Hazard
        fields = ["code", "object", "unit", "team", "level", "description", "responsible", "found_on", "deadline",
                  "status"]
        order_by = "-found_on"

    def render_description(self, value):
        return value if len(value) <= 40 else value[:40] + "…"

    def render_status(self, record, value):
        today = clock.today()
        extra = ""
        if selectors.is_overdue(record, today):
            extra = format_html(' <span class="badge text-bg-danger">逾期{}天</span>', selectors.overdue_days(record, today))
        if record.supervised and record.status != Hazard.Status.CLOSED:
            extra = format_html('{} <span class="badge text-bg-dark">挂牌督办</span>', extra)
        return format_html('<span class="badge text-bg-{}">{}</span>{}', STATUS_BADGE.get(record.status, "secondary"),
                           value, extra)

    def value_status(self, record, value):
        return value + ("（逾期）" if selectors.is_overdue(record) else "")

    def render_level(self, record, value):
        return format_html('<span class="text-danger fw-bold">{}</span>', value) if record.level == "major" else value

    def value_level(self, value):
        return value
