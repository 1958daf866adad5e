"""The leaders' cockpit (领导驾驶舱, DESIGN §6 and journey 9): one page per unit of a leader's
scope with headline figures, trends, rankings and what is overdue.

Nothing here counts anything on its own, and nothing here knows a programme: each registered
programme's `cockpit` callable returns its figures (from the selectors that own its rules) and the
blocks that show them — {"region": one of BLOCK_REGIONS, "order", "template", "context"} — plus
chart data and the static scripts that draw it. This module picks the span and the unit, merges the
contributions and orders the blocks. The one rule that is the cockpit's own is the run-rate
projection (`run_rate_pct`)."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from countyworks.core import clock
from countyworks.core import programmes as registry
from countyworks.core.models import OrgUnit, RoleKind, path_q
from countyworks.core.periods import default_through
from countyworks.core.scope import programme_roles

COCKPIT_ROLE_KINDS = {RoleKind.LEADER, RoleKind.MANAGER}
OVERDUE_TOP = 10

RUN_RATE_RULE = (
    "按当前进度预计全年完成率 = 实际完成 ÷（本年已过天数 ÷ 全年天数）÷ 年度目标 × 100%，"
    "已过天数含统计截止日当天（如闰年3月31日为第91天，全年366天），保留一位小数；无年度目标时不计算。"
)


# --- who, which unit, which span ------------------------------------------------------------------


def cockpit_roles(user):
    """The user's programme roles that open the cockpit: leader (领导) or programme manager
    (业务管理员), of any programme."""
    return [r for r in programme_roles(user) if r.kind in COCKPIT_ROLE_KINDS]


def cockpit_units(user):
    """The units the user may open the cockpit for: the subtrees of every unit on which they hold
    any programme role (the core scope rule, `OrgUnit.objects.visible_to`)."""
    return OrgUnit.objects.visible_to(user)


def default_unit(user):
    """The top unit of the user's leader/manager roles (least depth, then sort order and code)."""
    roles = sorted(cockpit_roles(user), key=lambda r: (r.unit.depth, r.unit.sort_order, r.unit.code))
    return roles[0].unit if roles else None


def resolve_span(*, year=None, through=None, today=None):
    """(year, through): `through` defaults to today; `year` to the year of `through`. Given a year
    alone, `through` is today in the current year and 31 December of a past one (a future year
    starts from 1 January). A `through` outside the given year is replaced by that default."""
    today = today or clock.today()
    if year is None:
        through = through or today
        return through.year, through
    if through is None or through.year != year:
        through = default_through(year, today)
    return year, through


# --- the projection rule ------------------------------------------------------------------------


def year_fraction(through):
    """(elapsed days, days in year): elapsed counts 1 January through `through`, both included."""
    days = 366 if calendar.isleap(through.year) else 365
    return (through - date(through.year, 1, 1)).days + 1, days


def run_rate_pct(actual, target, through):
    """The run-rate projection of an annual target (按当前进度，预计全年完成目标的 X%):
    X = actual ÷ (elapsed days of the year ÷ days in the year) ÷ target × 100, where the elapsed
    days run from 1 January to `through` inclusive; one decimal, half up. None without a target
    (or a zero target) or without an actual figure. Example: 3 projects at 2024-03-31 (day 91 of
    366) against a target of 10 → 3 ÷ (91/366) ÷ 10 × 100 = 120.7."""
    if actual is None or not target:
        return None
    elapsed, days = year_fraction(through)
    x = Decimal(str(actual)) * Decimal(days) / Decimal(elapsed) / Decimal(str(target)) * 100
    return float(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- sections -------------------------------------------------------------------------------------


def _subtree(unit):
    return OrgUnit.objects.filter(path_q(unit.path))


def breadcrumbs(user, unit):
    """The unit's ancestors the user may open the cockpit for, top first, the unit last."""
    allowed = set(
        cockpit_units(user).filter(pk__in=unit.ancestors().values("pk")).values_list("pk", flat=True)
    )
    return [u for u in unit.ancestors() if u.pk in allowed]


# Where a programme's cockpit block goes on the page: the headline cards, the trend charts, full-width
# panels (rankings), the overdue cards and the notes on the rules under the page.
BLOCK_REGIONS = ("headline", "charts", "main", "overdue", "rules")


def cockpit_data(*, user, unit, year, through, today=None):
    """Everything the cockpit shows for `unit` (already checked to be in the user's scope) in the
    year to date through `through`: each registered programme's contribution (its `cockpit`
    callable decides, from the user's scope for that programme over the unit, what to show), merged
    into one page: its own data keys, its tiles, its overdue items and its charts."""
    today = today or clock.today()
    as_of = min(through, today)
    data = {
        "unit": unit,
        "year": year,
        "through": through,
        "as_of": as_of,
        "elapsed_days": year_fraction(through)[0],
        "days_in_year": year_fraction(through)[1],
        "run_rate_rule": RUN_RATE_RULE,
        "tiles": [],
        "overdue": {"as_of": as_of},
        "charts": {},
        "scripts": [],
        "notices": [],
        "blocks": {region: [] for region in BLOCK_REGIONS},
    }
    for spec in registry.programmes():
        if not spec.cockpit:
            continue
        part = spec.cockpit(user=user, unit=unit, year=year, through=through, as_of=as_of) or {}
        data.update(part.get("data", {}))
        data["tiles"].extend(part.get("tiles", []))
        data["overdue"].update(part.get("overdue", {}))
        data["charts"].update(part.get("charts", {}))
        data["notices"].extend(part.get("notices", []))
        data["scripts"].extend(s for s in part.get("scripts", []) if s not in data["scripts"])
        for i, blk in enumerate(part.get("blocks", [])):
            if blk.get("region") not in BLOCK_REGIONS:
                raise ValueError(f"{spec.code}: cockpit block region {blk.get('region')!r} not one of {BLOCK_REGIONS}")
            data["blocks"][blk["region"]].append((blk.get("order", 100), spec.order, i, blk))
    data["blocks"] = {r: [b for *_, b in sorted(v, key=lambda x: x[:3])] for r, v in data["blocks"].items()}
    return data
