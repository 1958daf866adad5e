"""Every write of the investment programme: keyword-only, validated, audited, atomic, and
scope-checked inside the transaction."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from countyworks.core import clock
from countyworks.core.audit import audit_log, diff, snapshot, update_with_audit
from countyworks.core.models import AuditAction, Programme
from countyworks.core.scope import require_unit_in_scope, unit_check

from .models import (
    Activity,
    Evaluation,
    EvaluationScore,
    Lead,
    Milestone,
    Project,
    ReviewItem,
    ReviewMeeting,
    ServiceRequest,
)

P = Programme.INVESTMENT
S = Lead.Status

# The lead status flow is declared in flows.py (LEAD_FLOW). Converting happens only by signing
# (project_sign); entering review only by being put on a meeting's agenda (meeting_add_lead).


def _next_code(model, prefix, year=None):
    year = year or clock.today().year
    last = model.objects.filter(code__startswith=f"{prefix}{year}-").aggregate(m=Max("code"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{year}-{n:05d}"


# --- leads --------------------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor, unit, enterprise, title, source, **fields):
    """Register a lead for a unit in the actor's scope. Duplicate warnings are the view's job
    (selectors.lead_duplicates) — the service does not refuse a lead the user confirmed."""
    require_unit_in_scope(actor, unit, programme=P, action="change")
    on = fields.setdefault("registered_on", fields.get("registered_on") or clock.today())
    lead = Lead(code=_next_code(Lead, "XS", on.year), unit=unit, enterprise=enterprise, title=title, source=source, **fields)
    if lead.officer is None and actor is not None:
        lead.officer = actor
    lead.full_clean()
    lead.save()
    audit_log(action=AuditAction.CREATE, obj=lead, actor=actor, changes=diff({}, snapshot(lead)))
    return lead


@transaction.atomic
def lead_update(*, lead, actor, **fields):
    if "status" in fields:
        raise ValidationError("状态请通过流转操作修改")
    lead, _ = update_with_audit(lead, actor=actor, fields=fields, check=unit_check(actor, programme=P, action="change"))
    return lead


@transaction.atomic
def lead_transition(*, lead, to, actor, reason=""):
    """Move a lead by hand along LEAD_FLOW to state `to`; 搁置 and 流失 need a reason; 评估中 →
    准入评审 happens by agenda, 准入评审 → 已签约 by signing."""
    from .flows import LEAD_FLOW, lead_moves

    require_unit_in_scope(actor, lead.unit, programme=P, action="change")
    lead = Lead.objects.get(pk=lead.pk)
    labels = dict(S.choices)
    t = lead_moves(lead).get(to)
    if t is None:
        hint = ""
        if to == S.IN_REVIEW:
            hint = "（请将线索列入准入评审会议程）"
        elif to == S.CONVERTED:
            hint = "（评审通过后通过“签约”转为项目）"
        raise ValidationError(f"线索不能从“{labels[lead.status]}”变为“{labels.get(to, to)}”{hint}")
    reason = (reason or "").strip()
    if "reason" in t.requires and not reason:
        raise ValidationError({"reason": f"转为“{labels[to]}”必须填写原因"})
    LEAD_FLOW.apply(lead, t.name, actor=actor, reason=reason,
                    updates={"status_reason": reason if "reason" in t.requires else ""},
                    audit_message=f"状态：{labels[lead.status]} → {labels[to]}" + (f"；原因：{reason}" if reason else ""))
    lead.refresh_from_db()
    return lead


def _lead_system_move(lead, name, actor, **kw):
    """A move the platform makes as part of another service (evaluation, agenda, review, signing)."""
    from .flows import LEAD_FLOW

    LEAD_FLOW.apply(lead, name, actor=actor, check=False, **kw)


# --- activities ---------------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, actor, unit, kind, date, title, enterprises=(), leads=(), other_units=(), **fields):
    """Record an investment activity (trip, visit, inspection, promotion, negotiation)."""
    require_unit_in_scope(actor, unit, programme=P, action="change")
    act = Activity(unit=unit, kind=kind, date=date, title=title, created_by=actor, **fields)
    act.full_clean()
    act.save()
    act.enterprises.set(enterprises)
    act.leads.set(leads)
    act.other_units.set(other_units)
    audit_log(action=AuditAction.CREATE, obj=act, actor=actor,
              changes=diff({}, {**snapshot(act), "enterprises": [e.pk for e in enterprises],
                                "leads": [x.pk for x in leads]}))
    return act


@transaction.atomic
def activity_update(*, activity, actor, enterprises=None, other_units=None, **fields):
    """Change an activity recorded by a unit in the actor's scope (also when moving it to
    another unit, which must be in scope too)."""
    act, _ = update_with_audit(
        activity, actor=actor, fields=fields, m2m={"enterprises": enterprises, "other_units": other_units},
        check=lambda a: require_unit_in_scope(actor, a.unit, programme=P, action="change"))
    return act


@transaction.atomic
def activity_add_lead(*, activity, lead, actor):
    require_unit_in_scope(actor, activity.unit, programme=P, action="change")
    activity.leads.add(lead)
    audit_log(action=AuditAction.UPDATE, obj=activity, actor=actor, changes={"leads": [None, lead.pk]},
              message=f"由活动形成线索 {lead.code}")


# --- six-good evaluation -------------------------------------------------------------------------


@transaction.atomic
def evaluation_submit(*, lead, evaluator, scores, vetoes=(), comment="", on=None):
    """Record (or replace) one evaluator's scorecard for a lead. `scores` maps criterion →
    points; every criterion must be scored within 0..max. A lead being scored moves to 评估中."""
    from .models import EvalCriterion

    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    require_unit_in_scope(evaluator, lead.unit, programme=P, action="review")
    if lead.status not in (S.FOLLOWING, S.EVALUATING, S.IN_REVIEW, S.NEW):
        raise ValidationError(f"线索状态为“{lead.get_status_display()}”，不能评价")
    criteria = list(EvalCriterion.objects.select_related("dimension"))
    errors = {}
    missing = [c for c in criteria if c.pk not in {getattr(k, "pk", k) for k in scores}]
    if missing:
        errors["scores"] = [f"未评分：{c}" for c in missing[:5]]
    by_pk = {c.pk: c for c in criteria}
    cleaned = {}
    for crit, points in scores.items():
        c = by_pk.get(getattr(crit, "pk", crit))
        if c is None:
            continue
        if points is None or points < 0 or points > c.max_points:
            errors.setdefault("scores", []).append(f"“{c.text}”得分应在0～{c.max_points}之间")
        cleaned[c] = points
    if errors:
        raise ValidationError(errors)
    ev, created = Evaluation.objects.get_or_create(
        lead=lead, evaluator=evaluator, defaults={"date": on or clock.today(), "comment": comment})
    before = {} if created else {"scores": {str(s.criterion_id): str(s.points) for s in ev.scores.all()},
                                 "vetoes": sorted(ev.vetoes.values_list("code", flat=True))}
    ev.date, ev.comment = on or clock.today(), comment
    ev.save()
    ev.scores.all().delete()
    EvaluationScore.objects.bulk_create(EvaluationScore(evaluation=ev, criterion=c, points=p) for c, p in cleaned.items())
    ev.vetoes.set(vetoes)
    after = {"scores": {str(c.pk): str(p) for c, p in cleaned.items()}, "vetoes": sorted(v.code for v in vetoes)}
    audit_log(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=ev, actor=evaluator,
              changes=diff(before, after), message=f"六好评价：{lead.code}")
    if lead.status in (S.NEW, S.FOLLOWING):
        _lead_system_move(lead, "evaluated", evaluator, audit_message="开始六好评价，线索转为评估中")
    return ev


# --- admission review ---------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor, unit, date, title, participants=(), **fields):
    require_unit_in_scope(actor, unit, programme=P, action="review")
    m = ReviewMeeting(unit=unit, date=date, title=title, **fields)
    m.full_clean()
    m.save()
    m.participants.set(participants)
    audit_log(action=AuditAction.CREATE, obj=m, actor=actor, changes=diff({}, snapshot(m)))
    return m


@transaction.atomic
def meeting_add_lead(*, meeting, lead, actor):
    """Put a lead on the agenda. It must have at least one scorecard; it moves to 准入评审."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    require_unit_in_scope(actor, meeting.unit, programme=P, action="review")
    if lead.status not in (S.EVALUATING, S.IN_REVIEW):
        raise ValidationError(f"线索“{lead.code}”状态为“{lead.get_status_display()}”，只有评估中的线索可以提交评审")
    if not lead.evaluations.exists():
        raise ValidationError(f"线索“{lead.code}”尚无六好评价，不能提交评审")
    if ReviewItem.objects.filter(meeting=meeting, lead=lead).exists():
        raise ValidationError(f"线索“{lead.code}”已在本次会议议程中")
    order = (meeting.items.aggregate(m=Max("order"))["m"] or 0) + 1
    item = ReviewItem.objects.create(meeting=meeting, lead=lead, order=order)
    audit_log(action=AuditAction.UPDATE, obj=meeting, actor=actor, changes={"agenda": [None, lead.code]},
              message=f"列入议程：{lead}")
    if lead.status != S.IN_REVIEW:
        _lead_system_move(lead, "to_review", actor, audit_message=f"列入准入评审会：{meeting}")
    return item


@transaction.atomic
def review_decide(*, item, decision, actor, conditions="", notes=""):
    """Record the meeting's decision on one lead. A vetoed lead cannot be approved; 有条件通过
    needs its conditions; 不通过 marks the lead 流失, 暂缓 returns it to 评估中."""
    from .selectors import lead_scorecard

    item = ReviewItem.objects.select_for_update().select_related("lead", "meeting").get(pk=item.pk)
    require_unit_in_scope(actor, item.meeting.unit, programme=P, action="review")
    D = ReviewItem.Decision
    if decision not in D.values:
        raise ValidationError({"decision": "请选择评审结论"})
    card = lead_scorecard(item.lead)
    if decision in ReviewItem.APPROVING and card.vetoed:
        raise ValidationError({"decision": f"该线索触发一票否决（{'、'.join(card.veto_texts)}），不能通过"})
    if decision == D.CONDITIONAL and not conditions.strip():
        raise ValidationError({"conditions": "有条件通过必须写明附加条件"})
    before = {"decision": item.decision, "conditions": item.conditions}
    item.decision, item.conditions, item.notes = decision, conditions.strip(), notes
    item.save()
    audit_log(action=AuditAction.UPDATE, obj=item.meeting, actor=actor,
              changes=diff(before, {"decision": decision, "conditions": item.conditions}),
              message=f"评审结论：{item.lead.code} {item.get_decision_display()}")
    lead = item.lead
    new_status = {D.REJECT: S.LOST, D.DEFER: S.EVALUATING}.get(decision, S.IN_REVIEW)
    if lead.status != new_status and lead.status != S.CONVERTED:
        name = {S.LOST: "review_rejected", S.EVALUATING: "review_deferred"}.get(new_status, "review_passed")
        _lead_system_move(lead, name, actor, updates={"status_reason": "准入评审不通过" if decision == D.REJECT else ""},
                          audit_message=f"准入评审结论：{item.get_decision_display()}")
    return item


@transaction.atomic
def meeting_update(*, meeting, actor, **fields):
    meeting, _ = update_with_audit(meeting, actor=actor, fields=fields, check=unit_check(actor, programme=P, action="review"))
    return meeting


# --- projects ----------------------------------------------------------------------------------


def lead_is_approved(lead):
    return lead.review_items.filter(decision__in=ReviewItem.APPROVING).exists()


@transaction.atomic
def project_sign(*, lead, actor, name, signed_date, planned_investment, unit=None, kind=Project.Kind.NEW,
                 agreement=Project.Agreement.INVESTMENT, leader=None, officer=None, milestone_plan=None):
    """Sign a project from an approved lead (only 通过/有条件通过 leads can be signed). Creates
    the 签约 milestone with its actual date and the planned dates given in `milestone_plan`."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    unit = unit or lead.unit
    require_unit_in_scope(actor, unit, programme=P, action="change")
    if lead.status == S.CONVERTED:
        raise ValidationError("该线索已签约")
    if not lead_is_approved(lead):
        raise ValidationError("只有准入评审通过（或有条件通过）的线索才能签约")
    project = _project_create(actor=actor, name=name, enterprise=lead.enterprise, lead=lead, kind=kind,
                              industry=lead.industry, planned_investment=planned_investment, unit=unit,
                              signed_date=signed_date, agreement=agreement, leader=leader, officer=officer,
                              milestone_plan=milestone_plan)
    _lead_system_move(lead, "sign", actor, audit_message=f"签约为项目 {project.code}")
    return project


def _project_create(*, actor, milestone_plan=None, **fields):
    signed = fields.get("signed_date")
    project = Project(code=_next_code(Project, "XM", signed.year if signed else None), **fields)
    project.full_clean()
    project.save()
    Milestone.objects.create(project=project, kind=Milestone.Kind.SIGNED, planned_date=project.signed_date,
                             actual_date=project.signed_date)
    for kind, planned in (milestone_plan or {}).items():
        if kind != Milestone.Kind.SIGNED and planned:
            Milestone.objects.create(project=project, kind=kind, planned_date=planned)
    audit_log(action=AuditAction.CREATE, obj=project, actor=actor, changes=diff({}, snapshot(project)))
    return project


@transaction.atomic
def project_update(*, project, actor, **fields):
    project, changes = update_with_audit(project, actor=actor, fields=fields, check=unit_check(actor, programme=P, action="change"))
    if "signed_date" in changes:
        project.milestones.filter(kind=Milestone.Kind.SIGNED).update(actual_date=project.signed_date)
    return project


@transaction.atomic
def milestone_set(*, project, kind, actor, planned_date=None, actual_date=None, note=None):
    """Set a milestone's planned and/or actual date. An actual date may not precede the actual
    date of an earlier milestone, nor lie in the future."""
    require_unit_in_scope(actor, project.unit, programme=P, action="change")
    if kind not in Milestone.Kind.values:
        raise ValidationError({"kind": "未知的项目节点"})
    if actual_date and actual_date > clock.today():
        raise ValidationError({"actual_date": "实际日期不能晚于今天"})
    ms, created = Milestone.objects.select_for_update().get_or_create(project=project, kind=kind)
    before = snapshot(ms, {"planned_date", "actual_date", "note"})
    if planned_date is not None:
        ms.planned_date = planned_date or None
    if actual_date is not None:
        ms.actual_date = actual_date or None
    if note is not None:
        ms.note = note
    if ms.actual_date:
        pos = Milestone.ORDER.index(kind)
        earlier = project.milestones.filter(kind__in=Milestone.ORDER[:pos], actual_date__gt=ms.actual_date)
        for e in earlier:
            raise ValidationError({"actual_date": f"{ms.get_kind_display()}日期不能早于{e.get_kind_display()}日期（{e.actual_date}）"})
    if ms.planned_date and kind != Milestone.Kind.SIGNED:
        if ms.planned_date < project.signed_date:
            raise ValidationError({"planned_date": f"计划{ms.get_kind_display()}日期不能早于签约日期（{project.signed_date}）"})
        pos = Milestone.ORDER.index(kind)
        later_first = project.milestones.filter(kind__in=Milestone.ORDER[1:pos], planned_date__gt=ms.planned_date)
        for e in later_first:
            raise ValidationError({"planned_date": f"计划{ms.get_kind_display()}日期不能早于计划{e.get_kind_display()}日期（{e.planned_date}）"})
    ms.full_clean()
    ms.save()
    if kind == Milestone.Kind.SIGNED and ms.actual_date and ms.actual_date != project.signed_date:
        Project.objects.filter(pk=project.pk).update(signed_date=ms.actual_date)
    changes = diff(before, snapshot(ms, {"planned_date", "actual_date", "note"}))
    if changes:
        audit_log(action=AuditAction.UPDATE, obj=project, actor=actor,
                  changes={f"{kind}.{k}": v for k, v in changes.items()}, message=f"项目节点：{ms.get_kind_display()}")
    return ms


# --- service requests ---------------------------------------------------------------------------


@transaction.atomic
def service_request_create(*, project, actor, category, description, bureau, deadline):
    require_unit_in_scope(actor, project.unit, programme=P, action="change")
    if deadline < clock.today():
        raise ValidationError({"deadline": "办理时限不能早于今天"})
    sr = ServiceRequest(project=project, category=category, description=description, bureau=bureau, deadline=deadline)
    sr.full_clean()
    sr.save()
    audit_log(action=AuditAction.CREATE, obj=sr, actor=actor, changes=diff({}, snapshot(sr)),
              message=f"诉求转{bureau}办理，时限{deadline}")
    _notify_bureau(sr)
    return sr


def _notify_bureau(sr):
    """The people of the bureau a request is routed to (an investment role on the bureau or a unit
    below it — not the district-wide managers, who see every request anyway) get it in their bell."""
    from countyworks.core.models import Role, User, path_q
    from countyworks.core.notifications import notify

    users = User.objects.filter(
        is_active=True, pk__in=Role.objects.filter(programme=P).filter(path_q(sr.bureau.path, "unit__path"))
        .values("user_id"))
    notify(users, f"新的企业服务诉求待办理：{sr.project.name}（{sr.get_category_display()}），"
                  f"办理时限{sr.deadline:%Y-%m-%d}", sr.get_absolute_url())


@transaction.atomic
def service_request_answer(*, request, actor, reply):
    """The responsible bureau answers (only a user in that bureau's scope)."""
    sr = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    require_unit_in_scope(actor, sr.bureau, programme=P, action="change")
    if not reply.strip():
        raise ValidationError({"reply": "请填写答复内容"})
    if sr.status == ServiceRequest.Status.CLOSED:
        raise ValidationError("该诉求已办结")
    from .flows import SERVICE_REQUEST_FLOW

    SERVICE_REQUEST_FLOW.apply(sr, "answer", actor=actor, check=False,
                               updates={"reply": reply.strip(), "replied_at": clock.today()},
                               audit_message=f"答复服务诉求：{reply.strip()[:100]}")
    return sr


@transaction.atomic
def service_request_rate(*, request, actor, rating, comment=""):
    """The enterprise's rating, recorded by the project side; closes the request."""
    sr = ServiceRequest.objects.select_for_update().select_related("project").get(pk=request.pk)
    require_unit_in_scope(actor, sr.project.unit, programme=P, action="change")
    if sr.status != ServiceRequest.Status.ANSWERED:
        raise ValidationError("诉求答复后才能评价")
    if rating not in range(1, 6):
        raise ValidationError({"rating": "评价应为1～5星"})
    from .flows import SERVICE_REQUEST_FLOW

    SERVICE_REQUEST_FLOW.apply(sr, "rate", actor=actor, check=False,
                               updates={"rating": rating, "rating_comment": comment},
                               audit_message=f"评价{rating}星并办结")
    return sr


# --- configuration: six-good criteria, weights, veto items; the industry catalogue ---------------


def _require_district_manager(actor):
    """The scorecard and the catalogue are the whole district's: only a manager of the
    investment programme on a top-level unit may change them."""
    from django.core.exceptions import PermissionDenied

    from countyworks.core.scope import programme_roles

    if actor is not None and not any(r.unit.parent_id is None for r in programme_roles(actor, P, "manage")):
        raise PermissionDenied("只有区级招商引资业务管理员可以修改评价标准和产业目录")


@transaction.atomic
def evaluation_config_save(*, actor, weights=None, criteria=None, vetoes=None, new_veto=""):
    """Change dimension weights ({dimension: weight}), criteria ({criterion: (text, max_points)}),
    veto items ({veto: (text, active)}) and optionally add a veto item. Existing scorecards keep
    their points; totals are recomputed with the new weights."""
    from .models import VetoItem

    _require_district_manager(actor)
    errors = []
    for dim, w in (weights or {}).items():
        if w is None or w <= 0 or w > 100:
            errors.append(f"“{dim.name}”的权重应在0～100之间")
    for text, mx in (criteria or {}).values():
        if not text.strip():
            errors.append("评分标准不能为空")
        if mx is None or not 1 <= mx <= 100:
            errors.append(f"“{text[:20]}”的满分应为1～100的整数")
    if errors:
        raise ValidationError(errors)
    for dim, w in (weights or {}).items():
        if dim.weight != w:
            audit_log(action=AuditAction.UPDATE, obj=dim, actor=actor, changes={"weight": [str(dim.weight), str(w)]})
            dim.weight = w
            dim.save(update_fields=["weight"])
    for crit, (text, mx) in (criteria or {}).items():
        if (crit.text, crit.max_points) != (text.strip(), mx):
            audit_log(action=AuditAction.UPDATE, obj=crit, actor=actor,
                      changes=diff({"text": crit.text, "max_points": crit.max_points}, {"text": text.strip(), "max_points": mx}))
            crit.text, crit.max_points = text.strip(), mx
            crit.save(update_fields=["text", "max_points"])
    for veto, (text, active) in (vetoes or {}).items():
        if (veto.text, veto.active) != (text.strip(), active) and text.strip():
            audit_log(action=AuditAction.UPDATE, obj=veto, actor=actor,
                      changes=diff({"text": veto.text, "active": veto.active}, {"text": text.strip(), "active": active}))
            veto.text, veto.active = text.strip(), active
            veto.save(update_fields=["text", "active"])
    if new_veto.strip():
        n = VetoItem.objects.count() + 1
        code = f"V{n:02d}"
        while VetoItem.objects.filter(code=code).exists():
            n += 1
            code = f"V{n:02d}"
        veto = VetoItem.objects.create(code=code, text=new_veto.strip())
        audit_log(action=AuditAction.CREATE, obj=veto, actor=actor, changes={"text": [None, veto.text]})


@transaction.atomic
def industry_catalogue_save(*, actor, changes=None, new=None):
    """Rename, re-tier or (de)activate industries ({industry: (name, tier, active)}) and add one
    (name, tier). Industries in use are deactivated, never deleted."""
    from countyworks.core.models import Industry

    _require_district_manager(actor)
    names = {i.pk: i.name for i in Industry.objects.all()}
    for ind, (name, _tier, _active) in (changes or {}).items():
        names[ind.pk] = name.strip()
    if new and new[0].strip():
        names[None] = new[0].strip()
    dupes = sorted({n for n in names.values() if list(names.values()).count(n) > 1})
    if dupes or any(not n for n in names.values()):
        raise ValidationError(f"产业名称不能为空或重复：{'、'.join(dupes)}")
    for ind, (name, tier, active) in (changes or {}).items():
        after = {"name": name.strip(), "tier": tier, "active": active}
        before = {"name": ind.name, "tier": ind.tier, "active": ind.active}
        if before != after:
            for k, v in after.items():
                setattr(ind, k, v)
            ind.full_clean()
            ind.save()
            audit_log(action=AuditAction.UPDATE, obj=ind, actor=actor, changes=diff(before, after))
    if new and new[0].strip():
        n = Industry.objects.count() + 1
        ind = Industry(code=f"IND{n:03d}", name=new[0].strip(), tier=new[1] or Industry.Tier.OTHER, sort_order=80 + n)
        ind.full_clean()
        ind.save()
        audit_log(action=AuditAction.CREATE, obj=ind, actor=actor, changes=diff({}, snapshot(ind)))
