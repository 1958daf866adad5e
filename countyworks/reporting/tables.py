import django_tables2 as tables
from django.utils.html import format_html

from .models import Bulletin

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}


class BulletinTable(tables.Table):
    period = tables.Column(attrs=NOWRAP)
    title = tables.Column(linkify=True)
    unit = tables.Column(order_by=("unit__path",))
    status = tables.Column(attrs=NOWRAP)
    built_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    published_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)

    class Meta:
        model = Bulletin
        fields = ["period", "title", "unit", "status", "built_at", "published_at"]
        order_by = ("-period",)

    def render_status(self, record, value):
        css = "success" if record.status == Bulletin.Status.PUBLISHED else "secondary"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)

    def value_status(self, record, value):
        return record.get_status_display()
