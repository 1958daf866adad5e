"""Every write of the households programme: keyword-only, validated, scope-checked inside the
transaction, audited. The audit log never receives a protected value nor a name: protected and
personal fields are recorded as "changed" with a short keyed hash (crypto.audit_digest), so the
hash chain holds no personal data and an erased household leaves nothing readable behind."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from countyworks.core import clock
from countyworks.core.audit import audit_log, normalise, update_with_audit
from countyworks.core.identifiers import validate_id_number, validate_phone
from countyworks.core.models import AuditAction, OrgUnit, Programme
from countyworks.core.parsing import InvalidValue
from countyworks.core.scope import programme_roles, require_unit_in_scope, unit_in_scope

from . import crypto
from .flows import ELIMINATION, IDENTIFICATION, NOTICE_DAYS, elimination_refusal
from .models import (
    Elimination,
    Household,
    Identification,
    IncomeRecord,
    Measure,
    Member,
    MonitoringLine,
    RiskFactor,
    Visit,
)

P = Programme.HOUSEHOLDS
HS = Household.Status
# Fields recorded in the audit log only as a keyed hash: the protected ones and the names.
HASHED = {"phone", "bank_account", "id_number", "health", "detail", "notes", "head_name", "name", "address"}
SKIP = {"phone_index", "id_index", "created_at", "updated_at"}
VILLAGE_KINDS = {OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY}
REVEAL_ACTION = "review"  # who may see a protected value in full: reviewers and managers over the unit


def audit_repr(obj):
    """What the audit log names a record by: codes and ids, never a person's name."""
    if isinstance(obj, Household):
        return obj.code
    household = getattr(obj, "household", None)
    return f"{household.code if household else ''} {obj._meta.verbose_name}#{obj.pk}".strip()


def safe_snapshot(obj):
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIP:
            continue
        value = getattr(obj, f.attname)
        data[f.name] = crypto.audit_digest(value) if f.name in HASHED else value
    return normalise(data)


def _changes(before, after):
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def _audit(action, obj, actor, changes=None, message=""):
    audit_log(action=action, obj=obj, actor=actor, changes=changes or {}, message=message,
              object_repr=audit_repr(obj))


def _field_error(field, exc):
    return ValidationError({field: str(exc)})


def _require_village(unit):
    if unit.kind not in VILLAGE_KINDS:
        raise ValidationError({"unit": "监测户应登记在村（社区）"})


def _clean_id(value):
    try:
        return validate_id_number(value)
    except InvalidValue as exc:
        raise _field_error("id_number", exc)


def _clean_phone(value, field="phone"):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_phone(value)
    except InvalidValue as exc:
        raise _field_error(field, exc)


def _clean_bank(value):
    value = "".join((value or "").split()).replace("-", "")
    if value and not (value.isdigit() and 12 <= len(value) <= 30):
        raise ValidationError({"bank_account": "银行账号应为12～30位数字"})
    return value


def find_by_id_number(id_number, queryset=None):
    """Members whose ID number is exactly this one, through the blind index (never plain text)."""
    qs = queryset if queryset is not None else Member.objects.all()
    return qs.filter(id_index__in=crypto.index_candidates(crypto.normalise(id_number)))


def find_by_phone(phone, queryset=None):
    qs = queryset if queryset is not None else Household.objects.all()
    return qs.filter(phone_index__in=crypto.index_candidates(crypto.normalise(phone)))


def _check_id_free(id_number, exclude_pk=None):
    clash = find_by_id_number(id_number).exclude(pk=exclude_pk).select_related("household").first()
    if clash:
        raise ValidationError({"id_number": f"该身份证号已登记在户{clash.household.code}，同一人不能重复登记"})


def _next_code(year):
    prefix = f"JC{year}-"
    last = Household.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


# --- households and members ------------------------------------------------------------------------


@transaction.atomic
def household_create(*, actor, unit, head_name, head_id_number, category=Household.Category.ORDINARY,
                     channel=Household.Channel.CADRE, phone="", bank_account="", bank_name="", address="",
                     head_health="", code=None):
    """Register a household in a village of the actor's scope, with its head as the first member."""
    require_unit_in_scope(actor, unit, programme=P, action="change")
    _require_village(unit)
    head_name = (head_name or "").strip()
    if not head_name:
        raise ValidationError({"head_name": "请填写户主姓名"})
    id_number = _clean_id(head_id_number)
    _check_id_free(id_number)
    phone = _clean_phone(phone)
    household = Household(
        code=code or _next_code(clock.today().year), unit=unit, head_name=head_name, category=category,
        channel=channel, phone=phone, phone_index=crypto.blind_index(phone), bank_account=_clean_bank(bank_account),
        bank_name=bank_name, address=address,
    )
    household.full_clean()
    household.save()
    head = Member(household=household, name=head_name, relation=Member.Relation.HEAD, id_number=id_number,
                  id_index=crypto.blind_index(id_number), phone=phone, phone_index=crypto.blind_index(phone),
                  health=head_health)
    head.full_clean()
    head.save()
    _audit(AuditAction.CREATE, household, actor, _changes({}, safe_snapshot(household)), "登记监测户（含户主）")
    return household


@transaction.atomic
def household_update(*, actor, household, **fields):
    if "status" in fields:
        raise ValidationError("监测状态请通过识别程序或风险消除程序修改")
    if "phone" in fields:
        fields["phone"] = _clean_phone(fields["phone"])
        fields["phone_index"] = crypto.blind_index(fields["phone"])
    if "bank_account" in fields:
        fields["bank_account"] = _clean_bank(fields["bank_account"])

    def check(h):
        require_unit_in_scope(actor, h.unit, programme=P, action="change")
        if h.erased_at:
            raise ValidationError("该户个人信息已删除，不能修改")
        _require_village(h.unit)

    household, changes = update_with_audit(household, actor=actor, fields=fields, check=check,
                                           snapshot_fn=safe_snapshot, object_repr=audit_repr)
    if "head_name" in changes:
        household.members.filter(relation=Member.Relation.HEAD).update(name=household.head_name)
    return household


@transaction.atomic
def member_add(*, actor, household, name, relation, id_number, phone="", health="", working=False):
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    if relation == Member.Relation.HEAD and household.members.filter(relation=Member.Relation.HEAD).exists():
        raise ValidationError({"relation": "该户已有户主"})
    id_number = _clean_id(id_number)
    _check_id_free(id_number)
    phone = _clean_phone(phone)
    member = Member(household=household, name=name, relation=relation, id_number=id_number,
                    id_index=crypto.blind_index(id_number), phone=phone, phone_index=crypto.blind_index(phone),
                    health=health, working=working)
    member.full_clean()
    member.save()
    _audit(AuditAction.CREATE, member, actor, _changes({}, safe_snapshot(member)), "登记家庭成员")
    return member


@transaction.atomic
def member_remove(*, actor, member, reason):
    member = Member.objects.select_related("household__unit").get(pk=member.pk)
    require_unit_in_scope(actor, member.household.unit, programme=P, action="change")
    if member.relation == Member.Relation.HEAD:
        raise ValidationError("户主不能移除")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写移除原因（如迁出、死亡）"})
    _audit(AuditAction.DELETE, member, actor, {"id_number": [crypto.audit_digest(member.id_number), ""]},
           f"移除家庭成员：{reason.strip()}")
    member.delete()


# --- reveal (查看完整信息) --------------------------------------------------------------------------


def may_reveal(user, household):
    return unit_in_scope(user, household.unit, programme=P, action=REVEAL_ACTION)


FIELD_LABELS = {
    ("household", "phone"): "联系电话", ("household", "bank_account"): "银行账号",
    ("member", "id_number"): "身份证号", ("member", "phone"): "联系电话", ("member", "health"): "健康状况",
    ("riskfactor", "detail"): "风险具体情况", ("visit", "notes"): "走访情况",
}


@transaction.atomic
def reveal(*, actor, obj, field, reason):
    """The full value of one protected field of one record, for a role that may see it, with a
    reason; writes an audit entry naming the record, the field and the reason (not the value)."""
    key = (obj._meta.model_name, field)
    if key not in FIELD_LABELS:
        raise ValidationError("该字段不能查看")
    household = obj if isinstance(obj, Household) else obj.household
    if not may_reveal(actor, household):
        raise PermissionDenied("您没有查看完整个人信息的权限")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写查看理由"})
    if len(reason) > 200:
        raise ValidationError({"reason": "查看理由不能超过200字"})
    _audit(AuditAction.REVEAL, obj, actor, {"field": field}, f"查看完整{FIELD_LABELS[key]}：{reason}")
    return getattr(obj, field)


# --- monitoring line, income and risks -----------------------------------------------------------------


def _require_manager(actor):
    if actor is not None and not programme_roles(actor, P, "manage"):
        raise PermissionDenied("仅防止返贫监测业务管理员可以设定监测线")


@transaction.atomic
def line_set(*, actor, year, amount, note=""):
    _require_manager(actor)
    if amount is None or Decimal(amount) <= 0:
        raise ValidationError({"amount": "监测线应大于0"})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度不正确"})
    line, created = MonitoringLine.objects.update_or_create(year=year, defaults={"amount": amount, "note": note,
                                                                                   "set_by": actor})
    audit_log(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=line, actor=actor,
              changes={"year": year, "amount": str(amount)}, message="设定年度监测线")
    for household in Household.objects.filter(incomes__year=year).distinct():
        refresh_risk(household)
    return line


def risk_reasons(household):
    """Why a household is at risk (a list of Chinese phrases; empty = not at risk): its latest
    recorded per-capita income below that year's monitoring line, and each open risk factor."""
    reasons = []
    income = household.incomes.order_by("-year").first()
    if income:
        line = MonitoringLine.objects.filter(year=income.year).first()
        if line and income.per_capita < line.amount:
            reasons.append(f"{income.year}年人均纯收入{income.per_capita:,.0f}元低于监测线{line.amount:,.0f}元")
    kinds = []
    for r in household.risks.filter(resolved_on__isnull=True).order_by("occurred_on"):
        label = r.get_kind_display()
        if label not in kinds:
            kinds.append(label)
    if kinds:
        reasons.append("存在风险：" + "、".join(kinds))
    return reasons


def refresh_risk(household):
    reasons = risk_reasons(household)
    text = "；".join(reasons)[:300]
    if household.at_risk != bool(reasons) or household.risk_reasons != text:
        Household.objects.filter(pk=household.pk).update(at_risk=bool(reasons), risk_reasons=text)
        household.at_risk, household.risk_reasons = bool(reasons), text


@transaction.atomic
def income_set(*, actor, household, year, per_capita, note=""):
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    if per_capita is None or Decimal(per_capita) < 0:
        raise ValidationError({"per_capita": "人均纯收入不能为负数"})
    if Decimal(per_capita) > Decimal("10000000"):
        raise ValidationError({"per_capita": "人均纯收入数值过大，请核对单位（元）"})
    if not 2000 <= int(year) <= clock.today().year:
        raise ValidationError({"year": f"年度应在2000～{clock.today().year}之间"})
    record, created = IncomeRecord.objects.update_or_create(
        household=household, year=year, defaults={"per_capita": per_capita, "note": note, "recorded_by": actor})
    _audit(AuditAction.CREATE if created else AuditAction.UPDATE, record, actor,
           {"year": year, "per_capita": str(per_capita)}, "登记年度人均纯收入")
    refresh_risk(household)
    return record


@transaction.atomic
def risk_add(*, actor, household, kind, occurred_on, amount=None, detail=""):
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    if occurred_on and occurred_on > clock.today():
        raise ValidationError({"occurred_on": "发生日期不能晚于今天"})
    risk = RiskFactor(household=household, kind=kind, occurred_on=occurred_on, amount=amount, detail=detail)
    risk.full_clean()
    risk.save()
    _audit(AuditAction.CREATE, risk, actor, _changes({}, safe_snapshot(risk)), "登记风险因素")
    refresh_risk(household)
    return risk


@transaction.atomic
def risk_resolve(*, actor, risk, resolved_on, resolution):
    risk = RiskFactor.objects.select_for_update().select_related("household__unit").get(pk=risk.pk)
    require_unit_in_scope(actor, risk.household.unit, programme=P, action="change")
    if risk.resolved_on:
        raise ValidationError("该风险已登记为化解")
    if not resolved_on:
        raise ValidationError({"resolved_on": "请填写化解日期"})
    if resolved_on < risk.occurred_on or resolved_on > clock.today():
        raise ValidationError({"resolved_on": "化解日期应在发生日期与今天之间"})
    if not (resolution or "").strip():
        raise ValidationError({"resolution": "请填写化解情况"})
    risk.resolved_on, risk.resolution = resolved_on, resolution.strip()
    risk.save(update_fields=["resolved_on", "resolution"])
    _audit(AuditAction.UPDATE, risk, actor, {"resolved_on": resolved_on.isoformat()}, "风险化解")
    refresh_risk(risk.household)
    return risk


# --- identification and elimination ------------------------------------------------------------------


@transaction.atomic
def identification_start(*, actor, household, proposed_category, reason, started_on=None):
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    started_on = started_on or clock.today()
    if household.status not in (HS.REGISTERED, HS.ELIMINATED):
        raise ValidationError(f"该户当前为“{household.get_status_display()}”，不能启动识别程序")
    if proposed_category not in Household.MONITORED_CATEGORIES:
        raise ValidationError({"proposed_category": "拟纳入类别应为脱贫不稳定户、边缘易致贫户或突发严重困难户"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写纳入理由"})
    if started_on > clock.today() or started_on < clock.today() - timedelta(days=60):
        raise ValidationError({"started_on": "启动日期应在今天及之前60天内"})
    case = Identification.objects.create(household=household, started_on=started_on, reason=reason.strip(),
                                         proposed_category=proposed_category, started_by=actor)
    Household.objects.filter(pk=household.pk).update(status=HS.IDENTIFYING)
    _audit(AuditAction.CREATE, case, actor, {"proposed_category": proposed_category,
                                             "started_on": started_on.isoformat()}, "启动识别程序")
    return case


def _back_status(household):
    return HS.ELIMINATED if household.eliminations.filter(status=Elimination.Status.CONFIRMED).exists() \
        else HS.REGISTERED


@transaction.atomic
def identification_move(*, actor, case, name, reason=""):
    """Make one step of the identification procedure; publishing sets the notice dates, the
    county confirmation makes the household a monitored household of the proposed category."""
    today = clock.today()
    updates = {}
    if name == "publish":
        updates = {"notice_from": today, "notice_to": today + timedelta(days=NOTICE_DAYS)}
    elif name in ("confirm", "reject"):
        updates = {"closed_on": today}
    row = IDENTIFICATION.apply(case, name, actor=actor, reason=reason, updates=updates)
    household = case.household
    if name == "confirm":
        Household.objects.filter(pk=household.pk).update(status=HS.MONITORED, category=case.proposed_category)
    elif name == "reject":
        Household.objects.filter(pk=household.pk).update(status=_back_status(household))
    return row


@transaction.atomic
def elimination_start(*, actor, household, reason):
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    if household.status != HS.MONITORED:
        raise ValidationError(f"只有监测对象可以启动风险消除，该户当前为“{household.get_status_display()}”")
    why = elimination_refusal(household)
    if why:
        raise ValidationError(why)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写消除理由"})
    case = Elimination.objects.create(household=household, started_on=clock.today(), reason=reason.strip(),
                                      started_by=actor)
    Household.objects.filter(pk=household.pk).update(status=HS.ELIMINATING)
    _audit(AuditAction.CREATE, case, actor, {}, "启动风险消除程序")
    return case


@transaction.atomic
def elimination_move(*, actor, case, name, reason=""):
    today = clock.today()
    updates = {}
    if name == "publish":
        updates = {"notice_from": today}
    elif name in ("confirm", "reject"):
        updates = {"closed_on": today}
    row = ELIMINATION.apply(case, name, actor=actor, reason=reason, updates=updates)
    if name == "confirm":
        Household.objects.filter(pk=case.household_id).update(status=HS.ELIMINATED)
    elif name == "reject":
        Household.objects.filter(pk=case.household_id).update(status=HS.MONITORED)
    return row


# --- assistance and visits ---------------------------------------------------------------------------


@transaction.atomic
def measure_add(*, actor, household, kind, description, cadre, started_on, result=""):
    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    measure = Measure(household=household, kind=kind, description=description, cadre=cadre,
                      started_on=started_on, result=result)
    measure.full_clean()
    measure.save()
    _audit(AuditAction.CREATE, measure, actor, {"kind": kind, "started_on": started_on.isoformat()},
           "登记帮扶措施")
    return measure


@transaction.atomic
def measure_update(*, actor, measure, result):
    measure = Measure.objects.select_for_update().select_related("household__unit").get(pk=measure.pk)
    require_unit_in_scope(actor, measure.household.unit, programme=P, action="change")
    before = measure.result
    measure.result = (result or "").strip()
    measure.full_clean()
    measure.save(update_fields=["result"])
    _audit(AuditAction.UPDATE, measure, actor, {"result": [before, measure.result]}, "更新帮扶成效")
    return measure


@transaction.atomic
def visit_add(*, actor, household, visited_on, visitor, notes, photo=None):
    from countyworks.core.services import attachment_add

    require_unit_in_scope(actor, household.unit, programme=P, action="change")
    if visited_on and visited_on > clock.today():
        raise ValidationError({"visited_on": "走访日期不能晚于今天"})
    visit = Visit(household=household, visited_on=visited_on, visitor=visitor, notes=notes, created_by=actor)
    visit.full_clean()
    visit.save()
    _audit(AuditAction.CREATE, visit, actor, {"visited_on": visited_on.isoformat()}, "登记走访记录")
    if photo:
        try:
            attachment_add(target=visit, upload=photo, actor=actor, caption="走访照片")
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages})
    return visit


# --- erasure -------------------------------------------------------------------------------------------


@transaction.atomic
def household_erase(*, actor, household, reason):
    """Delete a household's personal information where the law requires it (PIPL art. 47): the
    members, phone, bank account, risk details and visit notes go; the household row stays, as a
    count, under its code. The audit chain needs no change: it never held the values."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_unit_in_scope(actor, household.unit, programme=P, action="manage")
    if household.erased_at:
        raise ValidationError("该户个人信息已删除")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写删除依据"})
    household.members.all().delete()
    household.risks.update(detail="")
    from django.contrib.contenttypes.models import ContentType

    from countyworks.core.models import Attachment

    photos = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Visit),
                                       object_id__in=[str(pk) for pk in household.visits.values_list("pk", flat=True)])
    for att in photos:
        att.file.delete(save=False)
    photos.delete()
    Visit.objects.filter(household=household).update(notes="")
    Household.objects.filter(pk=household.pk).update(
        head_name="（已删除）", address="", phone="", phone_index="", bank_account="", bank_name="",
        erased_at=clock.now())
    _audit(AuditAction.DELETE, household, actor, {"erased": True}, f"删除个人信息：{reason.strip()}")
    household.refresh_from_db()
    return household
