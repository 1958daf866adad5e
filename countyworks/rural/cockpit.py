"""The rural programme's part of the leaders' cockpit: greening progress against the villages'
work plans, coverage of plans and grids, survival, and the typical villages by level — figures
from rural.selectors (which own the rules). Shown when the user's rural (or dispatch) scope
covers the unit."""



from django.db.models import Sum

from countyworks.core.models import OrgUnit, Programme, path_q
from countyworks.core.scope import unit_in_scope

from . import selectors
from .models import GreeningPlan


def greening_progress(*, unit, through):
    """The headline greening figures (the shape the cockpit page's greening card and chart read):
    totals to date by aggregation type and, per week that ended by `through`, the cumulative
    seedlings secured and trees planted and the week's trees. None without the form or weeks."""
    form = selectors.greening_form()
    if form is None:
        return None
    units = OrgUnit.objects.filter(path_q(unit.path))
    if not form.units.filter(pk__in=units.values("pk")).exists():
        return None
    from countyworks.dispatch.selectors import form_weeks, week_label

    last = selectors.last_counted_monday(through)
    weeks = [w for w in form_weeks(form, until=through) if w <= last]
    if not weeks:
        return None
    s = selectors.greening_stats(unit=unit, through=through, children=False, with_ids=True)
    labels = form.field_labels()
    series = {"weeks": [], "week_labels": [], "seedlings_secured": [], "trees_planted": [], "trees_planted_week": []}
    # cumulative sums per week: one grouped query over the counted weeks (sum figures only)
    from countyworks.dispatch.models import Submission

    per_week = {r["week_start"]: r for r in Submission.objects.filter(
        form=form, status__in=selectors.COUNTED, week_start__in=weeks, unit__in=units.values("pk"))
        .order_by().values("week_start").annotate(s=Sum(selectors._value("seedlings_secured")),
                                                   t=Sum(selectors._value("trees_planted")))}
    seed = trees = 0.0
    for w in weeks:
        r = per_week.get(w, {})
        seed += float(r.get("s") or 0)
        week_trees = float(r.get("t") or 0)
        trees += week_trees
        series["weeks"].append(w.isoformat())
        series["week_labels"].append(week_label(w).split("年")[1])
        series["seedlings_secured"].append(seed)
        series["trees_planted"].append(trees)
        series["trees_planted_week"].append(week_trees)
    figures = [{"code": f["code"], "label": f["label"], "unit": f.get("unit", ""),
                "aggregation": selectors.aggregation_label(f),
                "value": float(s.get(next((k for k, c in selectors.FIGURES.items() if c == f["code"]), ""), 0) or 0)}
               for f in form.fields]
    return {
        "form": form,
        "labels": {"seedlings_secured": labels.get("seedlings_secured", "已落实苗木"),
                   "trees_planted": labels.get("trees_planted", "已植树")},
        "seedlings_secured": float(s["seedlings_secured"]),
        "trees_planted": float(s["trees_planted"]),
        "figures": figures,
        "submissions": len(s["ids"]["submissions"]),
        "series": series,
        "stats": s,
    }


def plan_progress(*, unit, through):
    """Trees planted to date against the trees planned in the year's approved work plans."""
    planned = (GreeningPlan.objects.filter(path_q(unit.path, "unit__path"), year=through.year,
                                           status=GreeningPlan.Status.APPROVED)
               .aggregate(t=Sum("trees_planned"), s=Sum("seedlings_planned")))
    return {"trees_planned": planned["t"] or 0, "seedlings_planned": planned["s"] or 0}


def cockpit_contribution(*, user, unit, year, through, as_of):
    if not (unit_in_scope(user, unit, programme=Programme.RURAL)
            or unit_in_scope(user, unit, programme=Programme.DISPATCH)):
        return {}
    out = {"data": {}, "charts": {}, "tiles": [], "blocks": [], "scripts": []}
    greening = greening_progress(unit=unit, through=through)
    s = greening["stats"] if greening else selectors.greening_stats(unit=unit, through=through, children=False)
    if greening:
        out["data"]["greening"] = greening
        out["charts"]["greening"] = {"labels": greening["labels"], **greening["series"]}
        out["scripts"].append("rural/cockpit_charts.js")
        out["blocks"] += [
            {"region": "headline", "order": 60, "template": "rural/cockpit/_headline.html", "context": greening},
            {"region": "charts", "order": 60, "template": "rural/cockpit/_charts.html", "context": greening},
        ]
    plan = plan_progress(unit=unit, through=through)
    typical = selectors.typical_counts(unit=unit, year=year)
    if not (greening or s["villages_total"] or typical):
        return {}
    out["tiles"].append({
        "key": "rural-greening", "title": "乡村绿化进度（对照工作计划）", "template": "rural/_cockpit_tile.html",
        "context": {
            "stats": s, "plan": plan, "through": through, "unit": unit,
            "trees_pct": selectors._pct(s["trees_planted"], plan["trees_planned"]),
            "seedlings_pct": selectors._pct(s["seedlings_secured"], plan["seedlings_planned"]),
        },
    })
    if typical:
        out["tiles"].append({
            "key": "rural-typical", "title": "典型村镇", "template": "rural/_cockpit_typical.html",
            "context": {"counts": [(k, len(v)) for k, v in typical.items()], "total": sum(len(v) for v in typical.values())},
        })
    return out


