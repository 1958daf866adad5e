"""Every write of the rural programme: keyword-only, atomic, scope-checked, audited."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from countyworks.core import clock
from countyworks.core.audit import audit_log, diff, snapshot, update_with_audit
from countyworks.core.models import AuditAction, OrgUnit, Programme
from countyworks.core.scope import require_unit_in_scope, scope_paths
from countyworks.core.services import attachment_add

from . import selectors
from .models import (
    TOWN_KINDS,
    VILLAGE_KINDS,
    CampaignEvent,
    CultivationTask,
    Designation,
    DesignationLevel,
    EventSpecies,
    GreeningPlan,
    MaintenanceGrid,
    PointEntry,
    PointRule,
    UpkeepCheck,
    Villager,
    mask_phone,
)

P = Programme.RURAL
MAX_COUNT = 10_000_000  # no village plants ten million trees: a typo, refused


def _scope(actor, unit, action="change"):
    require_unit_in_scope(actor, unit, programme=P, action=action)


def _village(unit, what="村（社区）"):
    if unit is None or unit.kind not in VILLAGE_KINDS:
        raise ValidationError({"unit": f"{what}应为村或社区"})


def _count(value, label, field, *, allow_zero=True):
    if value is None:
        raise ValidationError({field: f"请填写{label}"})
    if value < 0:
        raise ValidationError({field: f"{label}不能为负数"})
    if value > MAX_COUNT:
        raise ValidationError({field: f"{label}数值过大（{value}），请核实"})
    if not allow_zero and value == 0:
        raise ValidationError({field: f"{label}应大于0"})


def _not_future(day, field, label="日期"):
    if day is None:
        raise ValidationError({field: f"请填写{label}"})
    if day > clock.today():
        raise ValidationError({field: f"{label}不能晚于今天"})


# --- the greening weekly form ------------------------------------------------------------------------


@transaction.atomic
def ensure_greening_form(*, actor, owner=None):
    """The weekly greening form (dispatch ReportForm, code "greening") with the programme's
    default figures and aggregation types; created when missing (owner: the given unit, else the
    top unit of the actor's rural scope, else the root of the org tree)."""
    from countyworks.dispatch.models import ReportForm

    form = ReportForm.objects.filter(code=selectors.GREENING_FORM).first()
    if form is not None:
        return form
    if owner is None and actor is not None:
        paths = scope_paths(actor, programme=P, action="change")
        if paths:
            owner = OrgUnit.objects.filter(path__in=paths).order_by("depth", "path").first()
    owner = owner or OrgUnit.objects.filter(parent__isnull=True).order_by("sort_order", "code").first()
    if owner is None:
        raise ValidationError("尚未建立组织机构，不能创建乡村绿化周报")
    form = ReportForm.objects.create(
        code=selectors.GREENING_FORM, name="乡村绿化周报", programme=P, owner=owner,
        fields=[dict(f) for f in selectors.DEFAULT_FIELDS], rules=[dict(r) for r in selectors.DEFAULT_RULES],
        start_date=clock.today().replace(month=1, day=1),
    )
    audit_log(action=AuditAction.CREATE, obj=form, actor=actor, message="按百千万工程默认设置创建乡村绿化周报")
    return form


@transaction.atomic
def figure_aggregation_set(*, form, code, aggregation, actor):
    """Declare how a figure of a weekly form adds up to date ("sum" / "latest"). Refused once the
    figure has reported data: the totals already published would change meaning."""
    from countyworks.dispatch.models import ReportForm, Submission

    if actor is not None:
        require_unit_in_scope(actor, form.owner, programme=form.programme, action="manage")
    if aggregation not in selectors.AGGREGATIONS:
        raise ValidationError({"aggregation": f"汇总方式应为：{'、'.join(selectors.AGGREGATIONS.values())}"})
    form = ReportForm.objects.select_for_update().get(pk=form.pk)
    fields = [dict(f) for f in form.fields]
    target = next((f for f in fields if f["code"] == code), None)
    if target is None:
        raise ValidationError({"code": f"报表中没有指标“{code}”"})
    old = selectors.aggregation(target)
    if old == aggregation:
        return form
    if Submission.objects.filter(form=form, figures__has_key=code).exists():
        raise ValidationError({"aggregation": f"指标“{target['label']}”已有填报数据，不能更改汇总方式"})
    target["aggregation"] = aggregation
    form.fields = fields
    form.save(update_fields=["fields"])
    audit_log(action=AuditAction.UPDATE, obj=form, actor=actor,
              changes={f"fields.{code}.aggregation": [old, aggregation]},
              message=f"指标“{target['label']}”汇总方式改为{selectors.AGGREGATIONS[aggregation]}")
    return form


def cumulative_flags(form, unit, week_start, figures):
    """The rule checks of the greening figures, as flags, not refusals (an import row carries a
    说明 rather than being refused): dispatch's one rule check, each violated rule's message."""
    from countyworks.dispatch.selectors import rule_violations

    return [msg for _, msg in rule_violations(form, unit, week_start, figures, as_flags=True)]


def _n(d):
    return f"{d.normalize():f}" if d == d.to_integral() else str(d)


@transaction.atomic
def greening_report_save(*, form, unit, week_start, figures, actor, explanation="", text=""):
    """Write one village's week of the greening form as submitted (the import path). The unit
    becomes a reporting unit of the form. The rule checks flag the week (an explanation is then
    required) rather than refuse it. An approved week is locked. Returns (submission, action)
    with action "created" / "updated" / "unchanged"."""
    from countyworks.dispatch.models import Submission
    from countyworks.dispatch.selectors import monday, week_label

    _village(unit)
    _scope(actor, unit)
    if week_start != monday(week_start):
        raise ValidationError({"week_start": "周次应从周一开始"})
    if week_start > monday(clock.today()):
        raise ValidationError({"week_start": "不能填报未来周次"})
    for f in form.fields:
        v = figures.get(f["code"])
        if v is None:
            if f.get("required", True):
                raise ValidationError({f["code"]: f"请填写“{f['label']}”"})
            continue
        _count(v, f"“{f['label']}”", f["code"])
    flags = cumulative_flags(form, unit, week_start, figures)
    explanation = (explanation or "").strip()
    if flags and not explanation:
        raise ValidationError({"explanation": "；".join(flags) + "，请在“说明”中写明原因"})
    stored = {k: (int(v) if v == v.to_integral() else float(v)) for k, v in
              ((k, Decimal(str(v))) for k, v in figures.items() if v is not None)}
    flag_text = [f"{m}（说明：{explanation}）" for m in flags]
    sub = Submission.objects.select_for_update().filter(form=form, unit=unit, week_start=week_start).first()
    if sub is not None and sub.figures == stored and sub.flags == flag_text and sub.status in selectors.COUNTED:
        return sub, "unchanged"
    if sub is not None and sub.locked:
        raise ValidationError({"week_start": f"{week_label(week_start)}已审核锁定，如需更正请由审核人重新打开"})
    if not form.units.filter(pk=unit.pk).exists():
        form.units.add(unit)
    before = snapshot(sub, {"figures", "text", "status"}) if sub else {}
    action = "updated" if sub else "created"
    if sub is None:
        sub = Submission(form=form, unit=unit, week_start=week_start)
    from django.utils import timezone

    now = timezone.now()
    sub.figures, sub.flags = stored, flag_text
    sub.text = text or sub.text or explanation
    sub.status = Submission.Status.SUBMITTED
    sub.submitted_at, sub.submitted_by = now, actor
    sub.first_submitted_at = sub.first_submitted_at or now
    sub.save()
    audit_log(action=AuditAction.UPDATE if before else AuditAction.CREATE, obj=sub, actor=actor,
              changes=diff(before, snapshot(sub, {"figures", "text", "status"})),
              message="导入乡村绿化周报" + ("（规则提示已说明）" if flags else ""))
    return sub, action


# --- typical villages and towns ----------------------------------------------------------------------

DEFAULT_LEVELS = [  # (name, tier, target, rank): the defaults of migration 0002, editable afterwards
    ("省级首批典型村", "province", "village", 10),
    ("省级典型镇", "province", "town", 15),
    ("市级典型镇", "city", "town", 20),
    ("市级典型村", "city", "village", 30),
    ("区级典型村", "district", "village", 40),
]


def ensure_default_levels():
    """The default designation levels, where missing (a database whose migration rows were
    flushed, e.g. by a transactional test, or removed by hand)."""
    for name, tier, target, rank in DEFAULT_LEVELS:
        DesignationLevel.objects.get_or_create(name=name, defaults={"tier": tier, "target": target, "rank": rank})


@transaction.atomic
def level_save(*, actor, level=None, name, tier, target, rank, active=True):
    """Add or change a designation level (级别批次) — the programme office's (manage at the top of
    its scope). A level in use keeps its object kind (村/镇)."""
    if actor is not None and not scope_paths(actor, programme=P, action="manage"):
        raise PermissionDenied("无权设置典型村镇级别")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写级别批次名称"})
    if DesignationLevel.objects.filter(name=name).exclude(pk=getattr(level, "pk", None)).exists():
        raise ValidationError({"name": f"已有级别批次“{name}”"})
    if level is not None and level.target != target and level.designations.exists():
        raise ValidationError({"target": "该级别已有认定记录，不能更改对象类型"})
    before = snapshot(level, {"name", "tier", "target", "rank", "active"}) if level else {}
    obj = level or DesignationLevel()
    obj.name, obj.tier, obj.target, obj.rank, obj.active = name, tier, target, rank, active
    obj.save()
    audit_log(action=AuditAction.UPDATE if level else AuditAction.CREATE, obj=obj, actor=actor,
              changes=diff(before, snapshot(obj, {"name", "tier", "target", "rank", "active"})),
              message=f"典型村镇级别批次“{name}”")
    return obj


@transaction.atomic
def designation_create(*, actor, unit, level, year, designated_on=None, note=""):
    _scope(actor, unit, "manage")
    want = VILLAGE_KINDS if level.target == DesignationLevel.Target.VILLAGE else TOWN_KINDS
    if unit.kind not in want:
        raise ValidationError({"unit": f"“{level.name}”的对象应为{level.get_target_display()}"})
    if not 2000 <= int(year) <= clock.today().year + 1:
        raise ValidationError({"year": "认定年度不正确"})
    if designated_on and designated_on.year != int(year):
        raise ValidationError({"designated_on": "认定日期应在认定年度内"})
    if Designation.objects.filter(unit=unit, level=level).exists():
        raise ValidationError({"level": f"{unit.name}已认定为{level.name}"})
    d = Designation.objects.create(unit=unit, level=level, year=year, designated_on=designated_on, note=note,
                                   created_by=actor)
    audit_log(action=AuditAction.CREATE, obj=d, actor=actor, message=f"认定{d}")
    return d


@transaction.atomic
def task_create(*, actor, designation, title, target, deadline, leader, indicator="", progress=Decimal(0)):
    _scope(actor, designation.unit)
    if target is None or target <= 0:
        raise ValidationError({"target": "目标值应大于0"})
    if progress is not None and progress < 0:
        raise ValidationError({"progress": "完成值不能为负数"})
    t = CultivationTask.objects.create(designation=designation, title=title, target=target, deadline=deadline,
                                       leader=leader, indicator=indicator, progress=progress or 0)
    audit_log(action=AuditAction.CREATE, obj=t, actor=actor, message=f"{designation.unit.name}培育任务：{title}")
    return t


@transaction.atomic
def task_progress(*, actor, task, progress):
    _scope(actor, task.designation.unit)
    if progress is None or progress < 0:
        raise ValidationError({"progress": "完成值不能为负数"})
    task, _ = update_with_audit(task, actor=actor, fields={"progress": progress}, audit_fields={"progress"},
                                check=lambda t: _scope(actor, t.designation.unit), clean=False,
                                message=f"更新培育任务进度：{task.title}")
    return task


# --- work plans ---------------------------------------------------------------------------------------


PLAN_FIELDS = ("seedlings_planned", "trees_planned", "season_start", "season_end", "species", "meeting_date", "note")


def _check_plan(data):
    _count(data.get("seedlings_planned"), "计划落实苗木", "seedlings_planned")
    _count(data.get("trees_planned"), "计划植树", "trees_planned")
    s, e = data.get("season_start") or 2, data.get("season_end") or 5
    if not (1 <= s <= 12 and 1 <= e <= 12):
        raise ValidationError({"season_start": "植树期的月份应在1—12之间"})
    if e < s:
        raise ValidationError({"season_end": "植树期止月不能早于起月"})
    if data.get("trees_planned", 0) > data.get("seedlings_planned", 0):
        raise ValidationError({"trees_planned": "计划植树不能超过计划落实苗木"})
    if data.get("meeting_date"):
        _not_future(data["meeting_date"], "meeting_date", "村民会议日期")


@transaction.atomic
def plan_create(*, actor, unit, year, **data):
    _village(unit)
    _scope(actor, unit)
    data.setdefault("season_start", 2)
    data.setdefault("season_end", 5)
    _check_plan(data)
    if GreeningPlan.objects.filter(unit=unit, year=year).exists():
        raise ValidationError({"year": f"{unit.name}已有{year}年工作计划"})
    plan = GreeningPlan.objects.create(unit=unit, year=year, created_by=actor,
                                       **{k: v for k, v in data.items() if k in PLAN_FIELDS})
    audit_log(action=AuditAction.CREATE, obj=plan, actor=actor, message=f"制定{plan}")
    return plan


@transaction.atomic
def plan_update(*, actor, plan, **data):
    plan = GreeningPlan.objects.select_for_update().get(pk=plan.pk)
    _scope(actor, plan.unit)
    if not plan.editable:
        raise ValidationError(f"工作计划当前为“{plan.get_status_display()}”，不能修改")
    merged = {k: getattr(plan, k) for k in PLAN_FIELDS} | {k: v for k, v in data.items() if k in PLAN_FIELDS}
    _check_plan(merged)
    plan, _ = update_with_audit(plan, actor=actor, fields=merged, audit_fields=set(PLAN_FIELDS), clean=False,
                                lock=False, message=f"修改{plan}")
    return plan


MAP_EXTENSIONS = {"jpg", "jpeg", "png", "pdf", "webp"}


@transaction.atomic
def plan_map_add(*, actor, plan, upload):
    """Attach the greening map (绿化示意图, an image — a phone photo — or a PDF) to a plan that
    is still being drafted."""
    _scope(actor, plan.unit)
    if not plan.editable:
        raise ValidationError({"file": f"工作计划当前为“{plan.get_status_display()}”，不能更换示意图"})
    ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if ext not in MAP_EXTENSIONS:
        raise ValidationError({"file": "绿化示意图应为图片（jpg/png）或PDF文件"})
    return attachment_add(target=plan, upload=upload, actor=actor, caption=selectors.MAP_CAPTION)


# --- grids and upkeep checks --------------------------------------------------------------------------


@transaction.atomic
def grid_create(*, actor, unit, name, party_member, trees_in_care=0, area=""):
    _village(unit)
    _scope(actor, unit)
    name, party_member = (name or "").strip(), (party_member or "").strip()
    if not name:
        raise ValidationError({"name": "请填写网格名称"})
    if not party_member:
        raise ValidationError({"party_member": "请填写党员责任岗"})
    _count(trees_in_care, "管护树木", "trees_in_care")
    if MaintenanceGrid.objects.filter(unit=unit, name=name).exists():
        raise ValidationError({"name": f"{unit.name}已有网格“{name}”"})
    g = MaintenanceGrid.objects.create(unit=unit, name=name, party_member=party_member, trees_in_care=trees_in_care,
                                       area=area)
    audit_log(action=AuditAction.CREATE, obj=g, actor=actor, message=f"建立管护网格{g}（{party_member}）")
    return g


@transaction.atomic
def check_create(*, actor, grid, date, watered=0, replanted=0, lost=0, note="", photo=None):
    _scope(actor, grid.unit)
    _not_future(date, "date")
    for v, label, f in ((watered, "浇水", "watered"), (replanted, "补植", "replanted"), (lost, "死亡/损失", "lost")):
        _count(v or 0, label, f)
    if (lost or 0) > grid.trees_in_care:
        raise ValidationError({"lost": f"损失株数（{lost}）超过该网格管护树木（{grid.trees_in_care}株）"})
    if not (watered or replanted or lost or (note or "").strip()):
        raise ValidationError({"note": "请至少填写浇水、补植、损失株数之一或情况说明"})
    c = UpkeepCheck.objects.create(grid=grid, date=date, watered=watered or 0, replanted=replanted or 0,
                                   lost=lost or 0, note=note, created_by=actor)
    if photo is not None:
        attachment_add(target=c, upload=photo, actor=actor, caption=selectors.PHOTO_CAPTION)
    audit_log(action=AuditAction.CREATE, obj=c, actor=actor,
              message=f"{grid}巡查：浇水{c.watered}株，补植{c.replanted}株，损失{c.lost}株")
    return c


# --- campaign events -----------------------------------------------------------------------------------


def _check_report(event_unit, event_date, report):
    from countyworks.dispatch.selectors import monday

    if report is None:
        return
    if report.unit_id != event_unit.pk:
        raise ValidationError({"report": "所选周报不是活动所在村（社区）的周报"})
    if report.week_start != monday(event_date):
        raise ValidationError({"report": "所选周报不是活动当周的周报"})
    if report.form.code != selectors.GREENING_FORM:
        raise ValidationError({"report": "所选周报不是乡村绿化周报"})


@transaction.atomic
def event_create(*, actor, title, organiser, unit, place, date, volunteers, species, report=None, note=""):
    """A planting event; `species` is [(species, trees)]. With `report`, the event's trees are in
    that weekly report of the village (counted there, not again)."""
    _village(unit, "活动地点")
    _scope(actor, unit)
    _not_future(date, "date")
    _count(volunteers, "志愿者人数", "volunteers")
    clean = []
    for name, trees in species:
        name = (name or "").strip()
        if not name:
            raise ValidationError({"species": "请填写树种"})
        _count(trees, f"{name}株数", "species", allow_zero=False)
        clean.append((name, trees))
    if not clean:
        raise ValidationError({"species": "请至少填写一个树种及株数"})
    if len({n for n, _ in clean}) != len(clean):
        raise ValidationError({"species": "树种重复"})
    _check_report(unit, date, report)
    e = CampaignEvent.objects.create(title=title, organiser=organiser, unit=unit, place=place, date=date,
                                     volunteers=volunteers, report=report, note=note, created_by=actor)
    EventSpecies.objects.bulk_create([EventSpecies(event=e, species=n, trees=t) for n, t in clean])
    audit_log(action=AuditAction.CREATE, obj=e, actor=actor,
              message=f"植树活动：{e}，志愿者{volunteers}人，植树{sum(t for _, t in clean)}株"
              + ("（已计入村周报）" if report else "（单独计入）"))
    return e


@transaction.atomic
def event_link(*, actor, event, report):
    """Link (or with None unlink) an event to the village's weekly report that includes it."""
    _scope(actor, event.unit)
    _check_report(event.unit, event.date, report)
    before = {"report": event.report_id}
    event.report = report
    event.save(update_fields=["report"])
    audit_log(action=AuditAction.UPDATE, obj=event, actor=actor, changes={"report": [before["report"], event.report_id]},
              message="已计入村周报" if report else "改为单独计入")
    return event


# --- villager points -----------------------------------------------------------------------------------


@transaction.atomic
def villager_create(*, actor, unit, name, phone=""):
    _village(unit)
    _scope(actor, unit)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if phone and not (7 <= len(digits) <= 12):
        raise ValidationError({"phone": "联系电话应为7—12位数字"})
    masked = mask_phone(phone)
    try:
        with transaction.atomic():
            v = Villager.objects.create(unit=unit, name=name, phone_masked=masked)
    except IntegrityError:
        raise ValidationError({"name": f"{unit.name}已登记村民“{name}”（{masked or '无电话'}）"})
    audit_log(action=AuditAction.CREATE, obj=v, actor=actor, message=f"登记积分村民{unit.name}{name}")
    return v


@transaction.atomic
def rule_create(*, actor, unit, name, activity, points):
    _village(unit)
    _scope(actor, unit, "review")
    if not (name or "").strip():
        raise ValidationError({"name": "请填写积分项目"})
    if points is None or points <= 0 or points > 1000:
        raise ValidationError({"points": "每次积分应在1—1000之间"})
    if PointRule.objects.filter(unit=unit, name=name.strip()).exists():
        raise ValidationError({"name": f"{unit.name}已有积分项目“{name}”"})
    r = PointRule.objects.create(unit=unit, name=name.strip(), activity=activity, points=points)
    audit_log(action=AuditAction.CREATE, obj=r, actor=actor, message=f"{unit.name}积分规则：{r}")
    return r


def _balance(villager):
    return PointEntry.objects.filter(villager=villager).aggregate(s=Sum("points"))["s"] or 0


def _lock(villager):
    return Villager.objects.select_for_update().get(pk=villager.pk)


@transaction.atomic
def points_earn(*, actor, villager, rule, quantity, date, reason=""):
    villager = _lock(villager)
    _scope(actor, villager.unit)
    _not_future(date, "date")
    if rule is None or rule.unit_id != villager.unit_id or not rule.active:
        raise ValidationError({"rule": "请选择本村（社区）启用的积分规则"})
    if quantity is None or quantity <= 0 or quantity > 10000:
        raise ValidationError({"quantity": "数量应在1—10000之间"})
    e = PointEntry.objects.create(villager=villager, date=date, kind=PointEntry.Kind.EARN, rule=rule,
                                  quantity=quantity, points=rule.points * quantity,
                                  reason=(reason or "").strip() or f"{rule.name}×{quantity}", created_by=actor)
    audit_log(action=AuditAction.CREATE, obj=e, actor=actor, message=f"{villager}获得{e.points}分：{e.reason}")
    return e


@transaction.atomic
def points_redeem(*, actor, villager, points, date, reason):
    villager = _lock(villager)
    _scope(actor, villager.unit)
    _not_future(date, "date")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "兑换须填写事由（兑换的物品或服务）"})
    if points is None or points <= 0:
        raise ValidationError({"points": "兑换积分应大于0"})
    bal = _balance(villager)
    if points > bal:
        raise ValidationError({"points": f"积分余额不足（现有{bal}分，兑换{points}分）"})
    e = PointEntry.objects.create(villager=villager, date=date, kind=PointEntry.Kind.REDEEM, points=-points,
                                  reason=reason, created_by=actor)
    audit_log(action=AuditAction.CREATE, obj=e, actor=actor, message=f"{villager}兑换{points}分：{reason}")
    return e


@transaction.atomic
def points_reverse(*, actor, entry, reason):
    """Correct a wrong entry by appending its reversal (the opposite points), never by changing
    it. An entry is reversed at most once; a reversal is not itself reversed (enter the right
    line anew instead); a reversal may not leave the balance negative."""
    villager = _lock(entry.villager)
    _scope(actor, villager.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "冲正须填写原因"})
    if entry.kind == PointEntry.Kind.REVERSAL:
        raise ValidationError("冲正记录不能再冲正，请重新登记正确的记录")
    if PointEntry.objects.filter(reverses=entry).exists():
        raise ValidationError("该记录已冲正")
    if _balance(villager) - entry.points < 0:
        raise ValidationError(f"冲正后积分余额将为负数（现有{_balance(villager)}分），请先冲正相关兑换记录")
    try:
        with transaction.atomic():
            r = PointEntry.objects.create(villager=villager, date=clock.today(), kind=PointEntry.Kind.REVERSAL,
                                          points=-entry.points, reverses=entry, reason=f"冲正：{reason}",
                                          created_by=actor)
    except IntegrityError:
        raise ValidationError("该记录已冲正")
    audit_log(action=AuditAction.CREATE, obj=r, actor=actor,
              message=f"冲正{villager} {entry.date:%Y-%m-%d}的{entry.get_kind_display()}记录（{entry.points:+d}分）：{reason}")
    return r


def can(user, unit, action="change"):
    try:
        _scope(user, unit, action)
    except PermissionDenied:
        return False
    return True

