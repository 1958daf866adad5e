"""The safety programme's tile on the leaders' cockpit: the year's hazards found / closed /
overdue and the major hazards under 挂牌督办 (shown until closed) or overdue."""

from datetime import date

from countyworks.core.models import Programme
from countyworks.core.scope import unit_in_scope

from . import selectors
from .models import Hazard


def cockpit_contribution(*, user, unit, year, through, as_of):
    """Shown only where the user's safety scope covers the unit."""
    if not unit_in_scope(user, unit, programme=Programme.SAFETY):
        return {}
    s = selectors.safety_stats(unit=unit, since=date(year, 1, 1), through=as_of)
    visible = Hazard.objects.visible_to(user)
    supervised = list(selectors.supervised_open(visible.filter(pk__in=selectors._hazard_scope(unit=unit).values("pk")))
                      .select_related("object", "supervising_unit").order_by("deadline"))
    major_overdue = [h for h in selectors.overdue_major(unit=unit, through=as_of).filter(pk__in=visible.values("pk"))
                     if not h.supervised]
    return {"tiles": [{
        "key": "safety",
        "title": f"安全生产检查（{year}年截至{as_of.month}月{as_of.day}日）",
        "template": "safety/_cockpit_tile.html",
        "context": {"s": s, "as_of": as_of,
                    "supervised": [{"h": h, "days": selectors.overdue_days(h, as_of)} for h in supervised],
                    "major_overdue": [{"h": h, "days": selectors.overdue_days(h, as_of)} for h in major_overdue[:10]]},
    }]}
