"""The leaders' cockpit page (领导驾驶舱): thin — parse unit, year and cut-off date, check the
unit is in the user's scope (else 404), call `cockpit.cockpit_data`, render."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.views.generic import TemplateView

from countyworks.core import clock
from countyworks.core.parsing import InvalidValue, parse_date
from countyworks.core.viewmixins import ScopedMixin

from . import cockpit


class CockpitView(ScopedMixin, TemplateView):
    """Open to users holding a leader or manager role of any programme (else 403); the unit must
    lie in the user's scope (else 404)."""

    template_name = "reporting/cockpit.html"

    def has_permission(self):
        return bool(cockpit.cockpit_roles(self.request.user))

    def get_unit(self):
        user, raw = self.request.user, self.request.GET.get("unit", "").strip()
        if not raw:
            unit = cockpit.default_unit(user)
            if unit is None:
                raise Http404
            return unit
        try:
            pk = int(raw)
        except ValueError:
            raise Http404
        unit = cockpit.cockpit_units(user).filter(pk=pk).first()
        if unit is None:
            raise Http404("单位不存在")
        return unit

    def get_span(self):
        get, today = self.request.GET, clock.today()
        year = through = None
        if get.get("year", "").strip():
            try:
                year = int(get["year"])
                if not 2000 <= year <= 2100:
                    raise ValueError
            except ValueError:
                messages.warning(self.request, f"年度“{get['year']}”无效，已按当前年度统计")
                year = None
        if get.get("through", "").strip():
            try:
                through = parse_date(get["through"])
            except InvalidValue:
                messages.warning(self.request, f"截止日期“{get['through']}”无效，已按默认日期统计")
        return cockpit.resolve_span(year=year, through=through, today=today)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        unit = self.get_unit()
        year, through = self.get_span()
        data = cockpit.cockpit_data(user=user, unit=unit, year=year, through=through)
        units = list(cockpit.cockpit_units(user).order_by("path"))
        top = min((u.depth for u in units), default=0)
        units = [(u, "\u3000" * (u.depth - top)) for u in units]
        today = clock.today()
        quick = quick_spans(today)
        ctx.update(
            title="领导驾驶舱",
            cockpit=data,
            units=units,
            crumbs=cockpit.breadcrumbs(user, unit),
            quick_links=[(label, "?" + _qs(unit=unit.pk, **q)) for label, q in quick],
            span_qs=_qs(year=year, through=through.isoformat()),
            years=sorted({year, today.year, *range(today.year - 5, today.year + 1)}, reverse=True),
            start=date(year, 1, 1),
        )
        return ctx


def quick_spans(today):
    """The cockpit's quick links, from today: this year to date, the last finished quarter (year
    to its end), last year to the same day, and last year in full."""
    q_end_month = (today.month - 1) // 3 * 3
    links = [(f"{today.year}年至今", {"year": today.year})]
    if q_end_month:
        import calendar

        end = date(today.year, q_end_month, calendar.monthrange(today.year, q_end_month)[1])
        links.append((f"{today.year}年1—{q_end_month}月", {"year": today.year, "through": end.isoformat()}))
    last = today.year - 1
    same_day = date(last, today.month, min(today.day, 28 if today.month == 2 else today.day))
    links.append((f"{last}年同期", {"year": last, "through": same_day.isoformat()}))
    links.append((f"{last}年全年", {"year": last}))
    return links


def _qs(**params):
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
