"""Every write of the safety programme: keyword-only, atomic, scope-checked, audited. Status
changes of a hazard go through workflows.HAZARD_FLOW only."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length

from countyworks.core import clock
from countyworks.core.audit import audit_log, diff, snapshot, update_with_audit
from countyworks.core.models import AuditAction, OrgUnit, path_q
from countyworks.core.scope import programme_roles, require_unit_in_scope, scope_paths, unit_in_scope
from countyworks.core.services import attachment_add

from .models import (
    Campaign,
    CampaignTeam,
    Checklist,
    ChecklistItem,
    Hazard,
    HazardExtension,
    InspectedObject,
    Inspection,
    InspectionResult,
    ObjectCategory,
    P,
)
from .workflows import HAZARD_FLOW, NEED_AFTER_PHOTO, after_photo_caption

S = Hazard.Status
R = InspectionResult.Result
MAX_DEADLINE_DAYS = 366
MAX_PHOTOS = 9
DEFAULT_DEADLINE_DAYS = 7


def _require_office(actor):
    """Reference data (categories, checklists) and campaigns are the programme office's."""
    if actor is not None and not programme_roles(actor, P, "manage"):
        raise PermissionDenied("仅安全生产检查业务管理员可以执行此操作")


def _req(value, label, limit=None):
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{label}不能为空")
    if limit and len(text) > limit:
        raise ValidationError(f"{label}不能超过{limit}字")
    return text


# --- categories and checklists ---------------------------------------------------------------------------


@transaction.atomic
def category_create(*, actor, name, sort_order=200):
    """A custom object category (the built-in ones come with the installation)."""
    _require_office(actor)
    name = _req(name, "类别名称", 50)
    if ObjectCategory.objects.filter(name=name).exists():
        raise ValidationError({"name": f"类别“{name}”已存在"})
    n = ObjectCategory.objects.filter(builtin=False).count() + 1
    code = f"custom-{n}"
    while ObjectCategory.objects.filter(code=code).exists():
        n += 1
        code = f"custom-{n}"
    cat = ObjectCategory.objects.create(code=code, name=name, sort_order=sort_order)
    audit_log(action=AuditAction.CREATE, obj=cat, actor=actor, changes=diff({}, snapshot(cat)))
    return cat


@transaction.atomic
def checklist_publish(*, category, items, actor, note=""):
    """Publish a new version of a category's checklist. `items` are (text, basis) pairs in order.
    Earlier versions stay as they are: inspections made with them keep them."""
    _require_office(actor)
    cleaned = []
    for i, (text, basis) in enumerate(items, 1):
        text, basis = (text or "").strip(), (basis or "").strip()
        if not text:
            continue
        if len(text) > 200:
            raise ValidationError(f"第{i}项检查内容不能超过200字")
        if len(basis) > 300:
            raise ValidationError(f"第{i}项依据不能超过300字")
        cleaned.append((text, basis))
    if not cleaned:
        raise ValidationError("检查表至少要有一项检查内容")
    if len({t for t, _ in cleaned}) != len(cleaned):
        raise ValidationError("检查内容有重复项")
    if len(cleaned) > 100:
        raise ValidationError("检查表最多100项")
    ObjectCategory.objects.select_for_update().get(pk=category.pk)
    last = Checklist.objects.filter(category=category).order_by("-version").first()
    if last and [(i.text, i.basis) for i in last.items.all()] == cleaned:
        raise ValidationError("检查内容与当前版本相同，无需发布新版本")
    cl = Checklist.objects.create(category=category, version=(last.version + 1) if last else 1,
                                  note=(note or "").strip()[:200], created_by=actor)
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(checklist=cl, seq=i, text=t, basis=b) for i, (t, b) in enumerate(cleaned, 1)])
    audit_log(action=AuditAction.CREATE, obj=cl, actor=actor,
              message=f"发布{category.name}检查表第{cl.version}版（{len(cleaned)}项）",
              changes={"items": [t for t, _ in cleaned]})
    return cl


# --- campaigns ------------------------------------------------------------------------------------------


def _check_campaign(fields):
    start, end = fields.get("start"), fields.get("end")
    if not start or not end:
        raise ValidationError({"start": "请填写检查行动的起止日期"})
    if end < start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    if (end - start).days > 366:
        raise ValidationError({"end": "检查行动期限不能超过一年"})
    bureau = fields.get("lead_bureau")
    if bureau is None or bureau.kind != OrgUnit.Kind.BUREAU:
        raise ValidationError({"lead_bureau": "牵头部门须为区直部门"})


@transaction.atomic
def campaign_create(*, actor, name, lead_bureau, start, end, categories=(), description=""):
    """A campaign (专项检查行动) led by a bureau; created by a manager whose scope covers it."""
    fields = {"name": _req(name, "检查行动名称", 100), "lead_bureau": lead_bureau, "start": start, "end": end,
              "description": (description or "").strip()}
    _check_campaign(fields)
    _require_office(actor)
    require_unit_in_scope(actor, lead_bureau, programme=P, action="manage")
    if Campaign.objects.filter(name=fields["name"]).exists():
        raise ValidationError({"name": "已有同名的检查行动"})
    c = Campaign.objects.create(**fields)
    c.categories.set(categories)
    audit_log(action=AuditAction.CREATE, obj=c, actor=actor,
              changes={**diff({}, snapshot(c)), "categories": [x.name for x in categories]})
    return c


@transaction.atomic
def campaign_update(*, campaign, actor, **fields):
    categories = fields.pop("categories", None)
    _require_office(actor)

    def check(c):
        if c.routine:
            raise ValidationError("日常检查不能修改")
        _check_campaign({"start": c.start, "end": c.end, "lead_bureau": c.lead_bureau})
        require_unit_in_scope(actor, c.lead_bureau, programme=P, action="manage")

    fields = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    campaign, _ = update_with_audit(campaign, actor=actor, fields=fields, check=check, m2m={"categories": categories})
    return campaign


def routine_campaign():
    """日常检查: the campaign of inspections and hazards outside any special campaign (created by
    the migration; recreated here if someone removed it)."""
    c = Campaign.objects.filter(routine=True).first()
    if c is None:
        c = Campaign.objects.create(name="日常检查", routine=True, description="专项检查行动以外的日常安全检查")
    return c


@transaction.atomic
def campaign_team_set(*, campaign, team, actor, leader=None, members=(), areas=(), objects=()):
    """Put a team into a campaign (or change its members and coverage)."""
    if campaign.routine:
        raise ValidationError("日常检查不分组")
    _require_office(actor)
    require_unit_in_scope(actor, campaign.lead_bureau, programme=P, action="manage")
    if team.kind != OrgUnit.Kind.TEAM:
        raise ValidationError({"team": "检查组须为“工作组”类型的单位"})
    for a in areas:
        if not a.is_administrative:
            raise ValidationError({"areas": f"“{a.name}”不是街道/村/社区，不能作为负责区域"})
    assignment, created = CampaignTeam.objects.get_or_create(campaign=campaign, team=team)
    before = {"leader": assignment.leader_id, "members": sorted(assignment.members.values_list("pk", flat=True)),
              "areas": sorted(assignment.areas.values_list("pk", flat=True)),
              "objects": sorted(assignment.assigned_objects.values_list("pk", flat=True))}
    assignment.leader = leader
    assignment.save()
    members = list(members)
    if leader is not None and leader not in members:
        members.append(leader)
    assignment.members.set(members)
    assignment.areas.set(areas)
    assignment.assigned_objects.set(objects)
    after = {"leader": leader.pk if leader else None, "members": sorted(m.pk for m in members),
             "areas": sorted(a.pk for a in areas), "objects": sorted(o.pk for o in objects)}
    audit_log(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=assignment, actor=actor,
              changes=diff(before if not created else {}, after))
    return assignment


# --- inspected objects -----------------------------------------------------------------------------------


def _check_object_unit(actor, unit):
    """Objects are registered by the area's own users, or by a team in the areas its campaigns
    assign to it."""
    if unit is None or not unit.is_administrative:
        raise ValidationError({"unit": "所属街道/村须为街道、镇、村或社区"})
    if actor is None or unit_in_scope(actor, unit, programme=P, action="change"):
        return
    q = Q()
    for p in scope_paths(actor, programme=P, action="change"):
        q |= path_q(p)
    ancestors = [int(x) for x in unit.path.strip("/").split("/") if x]
    covered = bool(q) and CampaignTeam.objects.filter(
        team__in=OrgUnit.objects.filter(q, kind=OrgUnit.Kind.TEAM), areas__in=ancestors).exists()
    if not covered:
        raise PermissionDenied("无权在该街道/村登记检查对象")


OBJECT_FIELDS = ("name", "category", "unit", "address", "enterprise", "contact_name", "contact_phone", "active")


def _clean_object(obj):
    obj.name = _req(obj.name, "对象名称", 200)
    for f, label, n in (("address", "地址", 200), ("contact_name", "联系人", 50), ("contact_phone", "联系电话", 30)):
        v = (getattr(obj, f) or "").strip()
        if len(v) > n:
            raise ValidationError({f: f"{label}不能超过{n}字"})
        setattr(obj, f, v)
    if obj.category_id and not obj.category.active and obj._state.adding:
        raise ValidationError({"category": "该类别已停用"})
    try:
        obj.validate_constraints()
    except ValidationError:
        raise ValidationError({"name": f"{obj.unit}已有名为“{obj.name}”的检查对象"})


@transaction.atomic
def object_create(*, actor, **fields):
    obj = InspectedObject(**{k: v for k, v in fields.items() if k in OBJECT_FIELDS})
    _check_object_unit(actor, obj.unit)
    _clean_object(obj)
    obj.save()
    audit_log(action=AuditAction.CREATE, obj=obj, actor=actor, changes=diff({}, snapshot(obj)))
    return obj


@transaction.atomic
def object_update(*, obj, actor, **fields):
    obj, _ = update_with_audit(obj, actor=actor, fields={k: v for k, v in fields.items() if k in OBJECT_FIELDS},
                               check=lambda o: _check_object_unit(actor, o.unit), prepare=_clean_object, clean=False)
    return obj


# --- inspections -----------------------------------------------------------------------------------------


def _require_team(actor, team):
    if team is None or team.kind != OrgUnit.Kind.TEAM:
        raise ValidationError({"team": "请选择检查组"})
    if actor is not None:
        require_unit_in_scope(actor, team, programme=P, action="change")


def _check_campaign_for(campaign, team, obj, day):
    if campaign.routine:
        return
    if not CampaignTeam.objects.filter(campaign=campaign, team=team).exists():
        raise ValidationError({"campaign": f"{team.name}未参加“{campaign.name}”"})
    if campaign.start and not (campaign.start <= day <= campaign.end):
        raise ValidationError({"date": f"检查日期不在“{campaign.name}”的期间（{campaign.start:%Y-%m-%d} 至 "
                                       f"{campaign.end:%Y-%m-%d}）内"})
    cats = set(campaign.categories.values_list("pk", flat=True))
    if cats and obj.category_id not in cats:
        raise ValidationError({"object": f"“{obj.category.name}”不在“{campaign.name}”的检查范围内"})


def _check_day(day, label="检查日期", field="date"):
    today = clock.today()
    if day is None:
        raise ValidationError({field: f"请填写{label}"})
    if day > today:
        raise ValidationError({field: f"{label}不能晚于今天（{today:%Y-%m-%d}）"})
    if day < today - timedelta(days=3660):
        raise ValidationError({field: f"{label}早于十年前，请核对"})


def _check_photos(photos):
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(f"每项最多上传{MAX_PHOTOS}张照片")


def _existing_for_key(client_key, actor):
    existing = Inspection.objects.filter(client_key=client_key).first()
    if existing is not None and actor is not None and existing.created_by_id != actor.pk:
        raise ValidationError("该提交标识已被使用")
    return existing


def inspection_record(*, actor, campaign, team, object, date, results, inspectors="", note="",
                      client_key=None, open_hazards=True, deadline=None):
    """Record one inspection with every item of the object category's current checklist: pass /
    fail / na, a note and photos per item. A failed item must say what is wrong; with
    `open_hazards` each failed item opens a hazard pre-filled from it (整改期限 `deadline`,
    default a week). `client_key` (the phone's idempotency key) makes a resubmission return the
    inspection already recorded instead of a second one. Returns (inspection, created)."""
    if client_key:
        client_key = str(client_key).strip()[:64] or None
    try:
        return _inspection_record(actor=actor, campaign=campaign, team=team, object=object, date=date,
                                  results=results, inspectors=inspectors, note=note, client_key=client_key,
                                  open_hazards=open_hazards, deadline=deadline)
    except IntegrityError:
        # the same key arrived twice at once and the other request committed first: the whole
        # transaction above was rolled back (no nested savepoint), so nothing of it is left
        existing = _existing_for_key(client_key, actor) if client_key else None
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def _inspection_record(*, actor, campaign, team, object, date, results, inspectors, note,
                       client_key, open_hazards, deadline):
    if client_key:
        existing = _existing_for_key(client_key, actor)
        if existing is not None:
            return existing, False
    _require_team(actor, team)
    if actor is not None and not InspectedObject.objects.visible_to(actor, "change").filter(pk=object.pk).exists():
        raise PermissionDenied("无权检查该对象")
    _check_day(date)
    _check_campaign_for(campaign, team, object, date)
    checklist = Checklist.objects.filter(category=object.category_id).order_by("-version").first()
    if checklist is None:
        raise ValidationError(f"“{object.category.name}”还没有检查表，请联系业务管理员")
    items = list(checklist.items.all())
    by_item = {r["item"]: r for r in results}
    problems = {}
    for it in items:
        r = by_item.get(it.pk)
        if r is None or r.get("result") not in R.values:
            problems[f"item_{it.pk}"] = f"第{it.seq}项“{it.text}”未填写检查结果"
        elif r["result"] == R.FAIL and not (r.get("note") or "").strip():
            problems[f"item_{it.pk}"] = f"第{it.seq}项“{it.text}”不符合，请描述存在的问题"
        elif len(r.get("note") or "") > 500:
            problems[f"item_{it.pk}"] = f"第{it.seq}项问题描述不能超过500字"
        else:
            _check_photos(r.get("photos") or [])
    unknown = set(by_item) - {it.pk for it in items}
    if unknown:
        raise ValidationError("检查结果含有不属于当前检查表的项目，请刷新页面后重新填写")
    if problems:
        raise ValidationError(problems)
    if deadline is not None:
        _check_deadline(date, deadline)
    fields = dict(campaign=campaign, team=team, object=object, checklist=checklist, date=date,
                  inspectors=(inspectors or "").strip()[:200], note=(note or "").strip()[:5000],
                  client_key=client_key or None, created_by=actor)
    insp = Inspection.objects.create(**fields)
    failed = 0
    for it in items:
        r = by_item[it.pk]
        res = InspectionResult.objects.create(inspection=insp, item=it, result=r["result"],
                                              note=(r.get("note") or "").strip())
        for f in r.get("photos") or []:
            attachment_add(target=res, upload=f, actor=actor, caption="检查照片")
        if res.result == R.FAIL:
            failed += 1
    audit_log(action=AuditAction.CREATE, obj=insp, actor=actor,
              message=f"{team.name}检查{object.name}（{checklist}），{failed}项不符合",
              changes={"campaign": campaign.name, "team": team.name, "object": object.name, "date": date,
                       "checklist": checklist.version, "failed": failed})
    if open_hazards:
        for res in insp.results.filter(result=R.FAIL).select_related("item"):
            hazard_from_result(result=res, actor=actor, deadline=deadline)
    return insp, True


def hazard_defaults(result, deadline=None):
    """What a hazard opened from a failed item is pre-filled with."""
    insp = result.inspection
    obj = insp.object
    return {
        "campaign": insp.campaign, "team": insp.team, "object": obj, "inspection": insp, "result": result,
        "level": Hazard.Level.GENERAL,
        "description": f"{result.item.text}：{result.note}".strip("：") if result.note else result.item.text,
        "requirement": f"按照“{result.item.text}”的要求整改到位" + (f"（依据：{result.item.basis}）" if result.item.basis else ""),
        "responsible": (obj.enterprise.name if obj.enterprise_id else "") or obj.contact_name or obj.name,
        "found_on": insp.date,
        "deadline": deadline or (insp.date + timedelta(days=DEFAULT_DEADLINE_DAYS)),
    }


@transaction.atomic
def hazard_from_result(*, result, actor, deadline=None, **overrides):
    if Hazard.objects.filter(result=result).exists():
        raise ValidationError("该不符合项已登记隐患")
    if result.result != R.FAIL:
        raise ValidationError("只有不符合项才能登记为隐患")
    data = {**hazard_defaults(result, deadline), **{k: v for k, v in overrides.items() if v not in (None, "")}}
    return hazard_create(actor=actor, **data)


# --- hazards ---------------------------------------------------------------------------------------------


def next_hazard_code(year):
    prefix = f"YH{year}"
    last = (Hazard.objects.filter(code__startswith=prefix).order_by(Length("code").desc(), "-code")
            .values_list("code", flat=True).first())
    n = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _check_deadline(found_on, deadline, field="deadline"):
    if deadline is None:
        raise ValidationError({field: "请填写整改期限"})
    if deadline < found_on:
        raise ValidationError({field: "整改期限不能早于发现日期"})
    if (deadline - found_on).days > MAX_DEADLINE_DAYS:
        raise ValidationError({field: f"整改期限不能超过发现日期后{MAX_DEADLINE_DAYS}天"})


HAZARD_TEXT = (("description", "隐患描述", 2000), ("responsible", "责任单位/责任人", 200), ("requirement", "整改要求", 2000))


@transaction.atomic
def hazard_create(*, actor, campaign, team, object, level, description, responsible, found_on, deadline,
                  requirement="", inspection=None, result=None, photos=(), status=S.FOUND, closed_on=None):
    """Register a hazard found by a team at an object. Its area is the object's. `status` other
    than 发现 and `closed_on` are for imports of hazards already followed up elsewhere."""
    _require_team(actor, team)
    if actor is not None and not InspectedObject.objects.visible_to(actor, "change").filter(pk=object.pk).exists():
        raise PermissionDenied("无权为该对象登记隐患")
    if level not in Hazard.Level.values:
        raise ValidationError({"level": "隐患等级应为一般隐患或重大隐患"})
    values = {}
    for f, label, n in HAZARD_TEXT:
        v = {"description": description, "responsible": responsible, "requirement": requirement}[f]
        v = (v or "").strip()
        if f != "requirement" and not v:
            raise ValidationError({f: f"请填写{label}"})
        if len(v) > n:
            raise ValidationError({f: f"{label}不能超过{n}字"})
        values[f] = v
    _check_day(found_on, "发现日期", "found_on")
    _check_deadline(found_on, deadline)
    if not campaign.routine and not CampaignTeam.objects.filter(campaign=campaign, team=team).exists():
        raise ValidationError({"campaign": f"{team.name}未参加“{campaign.name}”"})
    _check_photos(list(photos))
    h = Hazard.objects.create(
        code=next_hazard_code(found_on.year), campaign=campaign, team=team, object=object, unit=object.unit,
        inspection=inspection, result=result, level=level, found_on=found_on, deadline=deadline,
        status=status, closed_on=closed_on if status == S.CLOSED else None, created_by=actor, **values)
    for f in photos:
        attachment_add(target=h, upload=f, actor=actor, caption="隐患照片")
    audit_log(action=AuditAction.CREATE, obj=h, actor=actor, changes=diff({}, snapshot(h)))
    return h


EDITABLE = ("level", "description", "responsible", "requirement", "deadline")


@transaction.atomic
def hazard_update(*, hazard, actor, **fields):
    """Correct a hazard before its notice is issued (afterwards the notice is what the party got:
    the deadline moves only by an approved extension)."""
    def check(h):
        if actor is not None:
            require_unit_in_scope(actor, h.team, programme=P, action="change")
        if h.status != S.FOUND:
            raise ValidationError("整改通知书已下发，隐患内容不能再修改（整改期限可申请延期）")

    def validate(h):
        if h.level not in Hazard.Level.values:
            raise ValidationError({"level": "隐患等级应为一般隐患或重大隐患"})
        for f, label, n in HAZARD_TEXT:
            v = getattr(h, f)
            if f != "requirement" and not v:
                raise ValidationError({f: f"请填写{label}"})
            if len(v) > n:
                raise ValidationError({f: f"{label}不能超过{n}字"})
        _check_deadline(h.found_on, h.deadline)

    hazard, _ = update_with_audit(
        hazard, actor=actor, check=check, prepare=validate, clean=False,
        fields={k: v.strip() if isinstance(v, str) else v for k, v in fields.items() if k in EDITABLE})
    return hazard


@transaction.atomic
def hazard_add_photos(*, hazard, actor, photos, caption="隐患照片"):
    if actor is not None:
        require_unit_in_scope(actor, hazard.team, programme=P, action="change")
    _check_photos(list(photos))
    return [attachment_add(target=hazard, upload=f, actor=actor, caption=caption) for f in photos]


@transaction.atomic
def hazard_submit_rectification(*, hazard, actor, note, photos):
    """The responsible party reports the rectification done, with after-photos (required)."""
    photos = list(photos)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请说明整改情况"})
    if len(note) > 2000:
        raise ValidationError({"note": "整改情况不能超过2000字"})
    if not photos:
        raise ValidationError({"photos": "请上传整改后照片"})
    _check_photos(photos)
    why = HAZARD_FLOW.refusal(hazard, "submit", actor)
    if why and why != NEED_AFTER_PHOTO:
        if why.startswith("您没有"):
            raise PermissionDenied(why)
        raise ValidationError(why)
    caption = after_photo_caption(hazard)
    for f in photos:
        attachment_add(target=hazard, upload=f, actor=actor, caption=caption)
    HAZARD_FLOW.apply(hazard, "submit", actor=actor, reason=note, updates={"rectification_note": note})
    return hazard


# --- extensions ------------------------------------------------------------------------------------------


EXTENDABLE = (S.FOUND, S.NOTIFIED, S.RECTIFYING)


def can_request_extension(hazard, user):
    return hazard.status in EXTENDABLE and any(
        unit_in_scope(user, u, programme=P, action="change") for u in (hazard.team, hazard.unit))


def can_decide_extension(hazard, user):
    return unit_in_scope(user, hazard.team, programme=P, action="review")


@transaction.atomic
def extension_request(*, hazard, actor, new_deadline, reason):
    """Ask for a later deadline, with the reason. One request open at a time."""
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if actor is not None and not can_request_extension(hazard, actor):
        if hazard.status not in EXTENDABLE:
            raise ValidationError(f"隐患当前为“{hazard.get_status_display()}”，不能申请延期")
        raise PermissionDenied("无权为该隐患申请延期")
    reason = _req(reason, "延期理由", 2000)
    if new_deadline is None:
        raise ValidationError({"new_deadline": "请填写申请延至的日期"})
    if new_deadline <= hazard.deadline:
        raise ValidationError({"new_deadline": f"申请延至的日期须晚于当前整改期限（{hazard.deadline:%Y-%m-%d}）"})
    _check_deadline(hazard.found_on, new_deadline, "new_deadline")
    if hazard.extensions.filter(status=HazardExtension.Status.PENDING).exists():
        raise ValidationError("已有待审批的延期申请")
    ext = HazardExtension.objects.create(hazard=hazard, old_deadline=hazard.deadline, new_deadline=new_deadline,
                                         reason=reason, requested_by=actor, requested_on=clock.today())
    audit_log(action=AuditAction.CREATE, obj=ext, actor=actor,
              message=f"申请将{hazard.code}整改期限由{hazard.deadline:%Y-%m-%d}延至{new_deadline:%Y-%m-%d}：{reason}")
    from countyworks.core.models import Role
    from countyworks.core.notifications import notify

    reviewers = {r.user for r in Role.objects.filter(programme=P, kind__in=["reviewer", "manager"])
                 .select_related("user", "unit") if hazard.team.path.startswith(r.unit.path)}
    reviewers.discard(actor)
    if reviewers:
        notify(list(reviewers), f"隐患{hazard.code}申请延期至{new_deadline:%Y-%m-%d}", hazard.get_absolute_url())
    return ext


@transaction.atomic
def extension_decide(*, extension, actor, approve, note=""):
    """Approve (the hazard's deadline becomes the requested one; the old one stays in the
    history) or refuse. Not by the person who asked."""
    ext = HazardExtension.objects.select_for_update().select_related("hazard").get(pk=extension.pk)
    if ext.status != HazardExtension.Status.PENDING:
        raise ValidationError(f"该申请已{ext.get_status_display()}")
    hazard = Hazard.objects.select_for_update().get(pk=ext.hazard_id)
    if actor is not None:
        if not can_decide_extension(hazard, actor):
            raise PermissionDenied("无权审批延期申请")
        if ext.requested_by_id == actor.pk:
            raise ValidationError("延期申请不能由申请人本人审批")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予批准须说明理由"})
    if len(note) > 500:
        raise ValidationError({"note": "审批意见不能超过500字"})
    if approve and hazard.status not in EXTENDABLE:
        raise ValidationError(f"隐患当前为“{hazard.get_status_display()}”，无需延期")
    ext.status = HazardExtension.Status.APPROVED if approve else HazardExtension.Status.REJECTED
    ext.decided_by, ext.decided_on, ext.decision_note = actor, clock.today(), note
    ext.save()
    if approve:
        old = hazard.deadline
        hazard.deadline = ext.new_deadline
        hazard.save(update_fields=["deadline"])
        audit_log(action=AuditAction.UPDATE, obj=hazard, actor=actor,
                  message=f"批准延期：整改期限由{old:%Y-%m-%d}延至{ext.new_deadline:%Y-%m-%d}",
                  changes={"deadline": [old, ext.new_deadline]})
    audit_log(action=AuditAction.UPDATE, obj=ext, actor=actor,
              message=f"{ext.get_status_display()}{hazard.code}的延期申请" + (f"（{note}）" if note else ""))
    if ext.requested_by and ext.requested_by != actor:
        from countyworks.core.notifications import notify

        notify([ext.requested_by], f"隐患{hazard.code}的延期申请{ext.get_status_display()}", hazard.get_absolute_url())
    return ext


# --- 挂牌督办 -----------------------------------------------------------------------------------------------


def can_supervise(hazard, user, day=None):
    from .selectors import is_overdue

    return (hazard.level == Hazard.Level.MAJOR and not hazard.supervised and is_overdue(hazard, day)
            and unit_in_scope(user, hazard.team, programme=P, action="review"))


@transaction.atomic
def hazard_supervise(*, hazard, actor, supervising_unit):
    """Escalate a major hazard past its deadline to 挂牌督办 under a supervising unit; it stays on
    the cockpit until closed."""
    from .selectors import is_overdue

    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if hazard.level != Hazard.Level.MAJOR:
        raise ValidationError("只有重大隐患才能挂牌督办")
    if hazard.supervised:
        raise ValidationError("该隐患已挂牌督办")
    if not is_overdue(hazard):
        raise ValidationError("该隐患未逾期，暂不需挂牌督办")
    if actor is not None and not unit_in_scope(actor, hazard.team, programme=P, action="review"):
        raise PermissionDenied("无权挂牌督办")
    if supervising_unit is None:
        raise ValidationError({"supervising_unit": "请选择督办单位"})
    hazard.supervised, hazard.supervising_unit, hazard.supervised_on = True, supervising_unit, clock.today()
    hazard.save(update_fields=["supervised", "supervising_unit", "supervised_on"])
    audit_log(action=AuditAction.UPDATE, obj=hazard, actor=actor,
              message=f"{hazard.code}逾期未整改，挂牌督办（督办单位：{supervising_unit.name}）",
              changes={"supervised": [False, True], "supervising_unit": [None, supervising_unit.pk]})
    return hazard


def supervising_unit_for(hazard):
    """Who supervises an escalated hazard: the campaign's lead bureau, else the bureau the team
    belongs to, else the top of the tree."""
    if hazard.campaign.lead_bureau_id:
        return hazard.campaign.lead_bureau
    parent = hazard.team.parent
    if parent is not None and parent.kind == OrgUnit.Kind.BUREAU:
        return parent
    return OrgUnit.objects.filter(pk=int(hazard.team.path.strip("/").split("/")[0])).first()


def escalate_overdue_major(*, actor=None, dry_run=False):
    """Every 重大 hazard past its deadline and not yet under 挂牌督办 is escalated (the daily job:
    `countyworks safety_escalate`). Returns the hazards escalated (or that would be)."""
    from .selectors import overdue_hazards

    due = list(overdue_hazards(Hazard.objects.filter(level=Hazard.Level.MAJOR, supervised=False))
               .select_related("campaign__lead_bureau", "team__parent"))
    if not dry_run:
        for h in due:
            hazard_supervise(hazard=h, actor=actor, supervising_unit=supervising_unit_for(h))
    return due
