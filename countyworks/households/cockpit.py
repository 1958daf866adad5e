"""The households tile of the leaders' cockpit: counts only (monitored, at risk, in procedure,
overdue), shown where the user's households scope covers the unit."""

from countyworks.core.models import Programme
from countyworks.core.scope import unit_in_scope

from .selectors import household_stats


def cockpit_contribution(*, user, unit, year, through, as_of):
    if not unit_in_scope(user, unit, programme=Programme.HOUSEHOLDS):
        return {}
    s = household_stats(unit=unit, today=as_of)
    return {"tiles": [{
        "key": "households", "title": "防止返贫监测",
        "template": "households/_cockpit_tile.html",
        "context": {k: s[k] for k in ("monitored", "at_risk", "in_procedure", "procedure_overdue",
                                       "eliminated_this_year", "average_income_monitored",
                                       "average_income_monitored_yoy_pct", "income_year")},
    }]}
