"""Lists of the households programme. Protected values appear only masked, on screen and in the
exported file alike."""

import django_tables2 as tables
from django.utils.html import format_html

from .flows import procedure_clock
from .masking import mask
from .models import Elimination, Household, Identification

STATUS_BADGE = {"registered": "secondary", "identifying": "warning", "monitored": "danger",
                "eliminating": "info", "eliminated": "success"}
CLOCK_BADGE = {"green": "success", "amber": "warning", "red": "danger"}


class HouseholdTable(tables.Table):
    code = tables.Column(linkify=True, attrs={"td": {"class": "text-nowrap"}})
    head_name = tables.Column()
    unit = tables.Column(verbose_name="村（社区）", order_by=("unit__path",))
    phone = tables.Column(verbose_name="联系电话", orderable=False)
    at_risk = tables.Column(verbose_name="风险", order_by=("-at_risk",))

    class Meta:
        model = Household
        fields = ["code", "head_name", "unit", "category", "status", "at_risk", "phone"]
        order_by = "code"

    def render_status(self, record, value):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_BADGE.get(record.status, "secondary"),
                           value)

    def render_phone(self, value):
        return mask("phone", value)

    def value_phone(self, value):
        return mask("phone", value)

    def render_at_risk(self, record, value):
        if not value:
            return "—"
        return format_html('<span class="badge text-bg-danger">有风险</span> <small>{}</small>', record.risk_reasons)

    def value_at_risk(self, record, value):
        return record.risk_reasons if value else ""

    def value_status(self, record, value):
        return record.get_status_display()


class _CaseTable(tables.Table):
    household = tables.Column(verbose_name="户编号", order_by=("household__code",),
                              accessor="household__code")
    head = tables.Column(verbose_name="户主", accessor="household__head_name", orderable=False)
    village = tables.Column(verbose_name="村（社区）", accessor="household__unit__name", orderable=False)
    started_on = tables.DateColumn(format="Y-m-d", linkify=True)
    clock = tables.Column(verbose_name="办理时限", empty_values=(), orderable=False)

    def render_status(self, record, value):
        return value

    def render_clock(self, record):
        c = procedure_clock(record)
        return format_html('<span class="badge text-bg-{}" data-clock="{}">{}</span>', CLOCK_BADGE[c["level"]],
                           c["level"], c["label"])

    def value_clock(self, record):
        return procedure_clock(record)["label"]


class IdentificationTable(_CaseTable):
    class Meta:
        model = Identification
        fields = ["started_on", "household", "head", "village", "proposed_category", "status", "notice_from",
                  "clock"]
        order_by = "-started_on"


class EliminationTable(_CaseTable):
    class Meta:
        model = Elimination
        fields = ["started_on", "household", "head", "village", "status", "notice_from", "clock"]
        order_by = "-started_on"
