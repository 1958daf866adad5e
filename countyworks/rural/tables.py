"""django-tables2 tables of the rural lists (sortable, exported by ?export=xlsx)."""

import django_tables2 as tables
from django.utils.html import format_html

from .models import CampaignEvent, GreeningPlan, MaintenanceGrid, Villager

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
BADGE = {"draft": "secondary", "submitted": "warning", "approved": "success", "returned": "danger"}


class PlanTable(tables.Table):
    unit = tables.Column(verbose_name="村（社区）", linkify=lambda record: record.get_absolute_url(),
                         order_by=("unit__path",))
    season = tables.Column(verbose_name="植树期", accessor="season_label", orderable=False)
    status = tables.Column()

    class Meta:
        model = GreeningPlan
        fields = ["unit", "year", "seedlings_planned", "trees_planned", "season", "species", "meeting_date", "status"]
        order_by = ("-year", "unit")

    def render_status(self, record, value):
        return format_html('<span class="badge text-bg-{}">{}</span>', BADGE.get(record.status, "secondary"), value)

    def value_status(self, record, value):
        return record.get_status_display()


class GridTable(tables.Table):
    unit = tables.Column(verbose_name="村（社区）", order_by=("unit__path",))
    name = tables.Column(linkify=True)
    check_count = tables.Column(verbose_name="巡查次数")
    last_check = tables.DateColumn(verbose_name="最近巡查", format="Y-m-d", attrs=NOWRAP)

    class Meta:
        model = MaintenanceGrid
        fields = ["unit", "name", "party_member", "trees_in_care", "area", "check_count", "last_check", "active"]
        order_by = ("unit", "name")


class EventTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", attrs=NOWRAP)
    title = tables.Column(linkify=True)
    trees_total = tables.Column(verbose_name="植树(株)")
    counted = tables.Column(verbose_name="计入方式", accessor="report_id", orderable=False)

    class Meta:
        model = CampaignEvent
        fields = ["date", "title", "organiser", "unit", "place", "volunteers", "trees_total", "counted"]
        order_by = "-date"

    def render_counted(self, value):
        return "已计入村周报" if value else "单独计入"

    def value_counted(self, value):
        return self.render_counted(value)


class VillagerTable(tables.Table):
    name = tables.Column(linkify=True)
    unit = tables.Column(verbose_name="村（社区）", order_by=("unit__path",))
    balance = tables.Column(verbose_name="积分余额")

    class Meta:
        model = Villager
        fields = ["unit", "name", "phone_masked", "balance", "active"]
        order_by = ("-balance",)
