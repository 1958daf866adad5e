"""Every read with a rule in it and every figure of the safety programme. Figures that a bulletin
links to return the ids of the records they count."""

from statistics import median

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from countyworks.core import clock
from countyworks.core.models import OrgUnit, path_q

from .models import Campaign, CampaignTeam, Checklist, Hazard, InspectedObject, Inspection

S = Hazard.Status
L = Hazard.Level


# --- the one overdue rule -------------------------------------------------------------------------------


def overdue_q(day=None, prefix=""):
    """A hazard is overdue when it is not 销号 and its 整改期限 is before `day` (default: today)."""
    day = day or clock.today()
    return ~Q(**{f"{prefix}status": S.CLOSED}) & Q(**{f"{prefix}deadline__lt": day})


def is_overdue(hazard, day=None):
    day = day or clock.today()
    return hazard.status != S.CLOSED and hazard.deadline < day


def overdue_days(hazard, day=None):
    day = day or clock.today()
    return (day - hazard.deadline).days if is_overdue(hazard, day) else 0


def closed_by(day):
    """Closed on or before `day` (a hazard closed later is still open as of `day`)."""
    return Q(status=S.CLOSED, closed_on__lte=day)


def overdue_as_of(day):
    """Overdue as of a past day too: not closed by then and its deadline before it."""
    return Q(deadline__lt=day) & ~closed_by(day)


# --- checklists -----------------------------------------------------------------------------------------


def current_checklist(category):
    return Checklist.objects.filter(category=category).order_by("-version").prefetch_related("items").first()


# --- scope helpers ---------------------------------------------------------------------------------------


def teams_for(user, action="change"):
    """The teams (工作组) the user may act for."""
    from countyworks.core.scope import units_in_scope

    return units_in_scope(user, programme="safety", action=action).filter(kind=OrgUnit.Kind.TEAM)


def campaigns_for_team(team, day=None):
    """Campaigns a team may record inspections for: those it takes part in, plus 日常检查."""
    return Campaign.objects.filter(Q(routine=True) | Q(teams__team=team)).distinct()


def rectification_pct(found, closed):
    return round(100 * closed / found, 1) if found else None


# --- statistics --------------------------------------------------------------------------------------------


def _hazard_scope(*, campaign=None, unit=None, through=None, since=None):
    qs = Hazard.objects.all()
    if since is not None:
        qs = qs.filter(found_on__gte=since)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None and unit.parent_id is not None:  # a root's subtree is everything
        qs = qs.filter(path_q(unit.path, "unit__path") | path_q(unit.path, "team__path"))
    if through is not None:
        qs = qs.filter(found_on__lte=through)
    return qs


def _inspection_scope(*, campaign=None, unit=None, through=None, since=None):
    qs = Inspection.objects.all()
    if since is not None:
        qs = qs.filter(date__gte=since)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None and unit.parent_id is not None:
        qs = qs.filter(path_q(unit.path, "object__unit__path") | path_q(unit.path, "team__path"))
    if through is not None:
        qs = qs.filter(date__lte=through)
    return qs


def _counts(qs, day):
    """found / major / closed / overdue of a hazard queryset, in one query."""
    return qs.aggregate(
        found=Count("pk"),
        major=Count("pk", filter=Q(level=L.MAJOR)),
        closed=Count("pk", filter=closed_by(day)),
        overdue=Count("pk", filter=overdue_as_of(day)),
        major_overdue=Count("pk", filter=overdue_as_of(day) & Q(level=L.MAJOR)),
    )


def _median_days(qs, day):
    """The median of (销号日期 − 发现日期) in days, in the database: the middle one or two spans by
    order, never the whole column in memory."""
    closed = qs.filter(closed_by(day))
    n = closed.count()
    if not n:
        return None
    span = ExpressionWrapper(F("closed_on") - F("found_on"), output_field=DurationField())
    middle = list(closed.annotate(span=span).order_by("span").values_list("span", flat=True)[(n - 1) // 2: n // 2 + 1])
    days = [m.days if hasattr(m, "days") else int(m) for m in middle]
    return median(days)


def _grouped(hazards, inspections, key, label_of, day):
    rows = {}
    for k, found, major, closed, overdue in (
        hazards.values_list(key).annotate(
            found=Count("pk"), major=Count("pk", filter=Q(level=L.MAJOR)), closed=Count("pk", filter=closed_by(day)),
            overdue=Count("pk", filter=overdue_as_of(day)))
        .values_list(key, "found", "major", "closed", "overdue")
    ):
        rows[k] = {"hazards_found": found, "hazards_major": major, "hazards_closed": closed,
                   "hazards_overdue": overdue, "inspections": 0, "objects_inspected": 0}
    ikey = {"unit": "object__unit", "category": "object__category"}.get(key, key)
    for k, n, objs in (inspections.values_list(ikey).annotate(n=Count("pk"), objs=Count("object", distinct=True))
                       .values_list(ikey, "n", "objs")):
        row = rows.setdefault(k, {"hazards_found": 0, "hazards_major": 0, "hazards_closed": 0, "hazards_overdue": 0})
        row["inspections"], row["objects_inspected"] = n, objs
    labels = label_of(list(rows))
    out = []
    for k, row in rows.items():
        row["rectification_pct"] = rectification_pct(row["hazards_found"], row["hazards_closed"])
        out.append({"id": k, "name": labels.get(k, str(k)), **row})
    return sorted(out, key=lambda r: (-r["hazards_found"], -r["inspections"], r["name"]))


def _unit_names(ids):
    return dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))


def _category_names(ids):
    from .models import ObjectCategory

    return dict(ObjectCategory.objects.filter(pk__in=ids).values_list("pk", "name"))


def safety_stats(*, campaign=None, unit=None, through=None, since=None):
    """The programme's figures as of `through` (default today): objects inspected, inspections,
    hazards found / major / closed (销号 by then) / overdue (the one rule, as of then), the
    rectification rate (closed / found), the median days from 发现 to 销号, and the same by team,
    object category and area (街道/村). `since` counts only what was found / inspected from then."""
    day = through or clock.today()
    hazards = _hazard_scope(campaign=campaign, unit=unit, through=day, since=since)
    inspections = _inspection_scope(campaign=campaign, unit=unit, through=day, since=since)
    c = _counts(hazards, day)
    return {
        "through": day.isoformat(),
        "campaign": campaign.name if campaign else None,
        "unit": unit.name if unit else None,
        "objects_inspected": inspections.values("object").distinct().count(),
        "inspections": inspections.count(),
        "hazards_found": c["found"],
        "hazards_major": c["major"],
        "hazards_closed": c["closed"],
        "rectification_pct": rectification_pct(c["found"], c["closed"]),
        "hazards_overdue": c["overdue"],
        "hazards_major_overdue": c["major_overdue"],
        "median_days_to_close": _median_days(hazards, day),
        "by_team": _grouped(hazards, inspections, "team", _unit_names, day),
        "by_category": _grouped(hazards, inspections, "object__category", _category_names, day),
        "by_unit": _roll_up(_grouped(hazards, inspections, "unit", _unit_names, day), unit),
    }


SUMMED = ("hazards_found", "hazards_major", "hazards_closed", "hazards_overdue", "inspections", "objects_inspected")


def _roll_up(rows, root):
    """Area rows (村/社区/街道) added up to the children of `root` (default: the top unit), so
    the district's figures read by 街道. An object lies in one area, so the distinct objects of
    the areas add up exactly."""
    if root is None:
        tops = list(OrgUnit.objects.filter(parent__isnull=True)[:2])
        if len(tops) != 1:
            return rows
        root = tops[0]
    paths = dict(OrgUnit.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "path"))
    out = {}
    for r in rows:
        rest = paths.get(r["id"], "")[len(root.path):]
        child = int(rest.split("/")[0]) if rest else root.pk
        agg = out.setdefault(child, {"id": child, **{k: 0 for k in SUMMED}})
        for k in SUMMED:
            agg[k] += r[k]
    names = _unit_names(list(out))
    result = []
    for k, row in out.items():
        row["name"] = names.get(k, str(k))
        row["rectification_pct"] = rectification_pct(row["hazards_found"], row["hazards_closed"])
        result.append(row)
    return sorted(result, key=lambda r: (-r["hazards_found"], -r["inspections"], r["name"]))


def campaign_progress(campaign, *, through=None, teams=None):
    """Per team of a campaign: objects planned (named for it, or lying in its areas and of the
    campaign's categories) and inspected, hazards found / closed / overdue, by level."""
    day = through or clock.today()
    assignments = CampaignTeam.objects.filter(campaign=campaign).select_related("team").prefetch_related("areas")
    if teams is not None:
        assignments = assignments.filter(team__in=teams)
    categories = list(campaign.categories.values_list("pk", flat=True))
    rows = []
    for a in assignments:
        planned = planned_objects(a, categories)
        inspected = set(Inspection.objects.filter(campaign=campaign, team=a.team, date__lte=day)
                        .values_list("object", flat=True).distinct())
        hz = Hazard.objects.filter(campaign=campaign, team=a.team, found_on__lte=day)
        c = _counts(hz, day)
        by_level = {lv: _counts(hz.filter(level=lv), day) for lv in L.values}
        planned_ids = set(planned.values_list("pk", flat=True))
        rows.append({
            "assignment": a, "team": a.team, "objects_planned": len(planned_ids),
            "objects_inspected": len(inspected), "objects_inspected_planned": len(inspected & planned_ids),
            "hazards_found": c["found"], "hazards_closed": c["closed"], "hazards_overdue": c["overdue"],
            "rectification_pct": rectification_pct(c["found"], c["closed"]),
            "progress_pct": round(100 * len(inspected & planned_ids) / len(planned_ids), 1) if planned_ids else None,
            "by_level": by_level,
        })
    return rows


def planned_objects(assignment, categories=None):
    """The objects a team is to inspect in its campaign."""
    if categories is None:
        categories = list(assignment.campaign.categories.values_list("pk", flat=True))
    q = Q(pk__in=assignment.assigned_objects.values("pk"))
    area_q = Q()
    for area in assignment.areas.all():
        area_q |= path_q(area.path, "unit__path")
    if area_q:
        q |= area_q & (Q(category__in=categories) if categories else Q())
    return InspectedObject.objects.filter(q, active=True)


def objects_for_inspection(user, team=None):
    """Objects the user may inspect: visible to them (their areas and their teams' coverage)."""
    return InspectedObject.objects.visible_to(user, "change").filter(active=True).select_related("category", "unit")


def overdue_hazards(qs=None, day=None):
    qs = Hazard.objects.all() if qs is None else qs
    return qs.filter(overdue_q(day))


def supervised_open(qs=None):
    """Major hazards under 挂牌督办 and not yet closed (they stay on the cockpit until closed)."""
    qs = Hazard.objects.all() if qs is None else qs
    return qs.filter(supervised=True).exclude(status=S.CLOSED)


def deadline_history(hazard):
    """The hazard's deadlines in order: the first one set, then each approved extension."""
    from .models import HazardExtension

    approved = list(hazard.extensions.filter(status=HazardExtension.Status.APPROVED).order_by("id"))
    first = approved[0].old_deadline if approved else hazard.deadline
    out = [{"deadline": first, "why": "初始整改期限", "by": None, "on": hazard.found_on}]
    for e in approved:
        out.append({"deadline": e.new_deadline, "why": e.reason, "by": e.decided_by, "on": e.decided_on})
    return out


def figure_ids(*, unit=None, since=None, through=None, campaign=None):
    """The ids behind the headline figures (for a bulletin's figure → records links)."""
    day = through or clock.today()
    hz = _hazard_scope(campaign=campaign, unit=unit, through=day, since=since)
    ins = _inspection_scope(campaign=campaign, unit=unit, through=day, since=since)
    ids = lambda qs: list(qs.values_list("pk", flat=True))  # noqa: E731
    return {
        "inspections": ids(ins),
        "hazards_found": ids(hz),
        "hazards_major": ids(hz.filter(level=L.MAJOR)),
        "hazards_closed": ids(hz.filter(closed_by(day))),
        "hazards_overdue": ids(hz.filter(overdue_as_of(day))),
    }


def overdue_major(*, unit=None, through=None):
    """Major hazards overdue as of `through`, longest overdue first (named in the bulletin and on
    the cockpit)."""
    day = through or clock.today()
    qs = _hazard_scope(unit=unit, through=day).filter(overdue_as_of(day), level=L.MAJOR)
    return qs.select_related("object", "team", "unit", "supervising_unit").order_by("deadline", "pk")
