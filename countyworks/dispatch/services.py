"""Every write of the dispatch programme: submitting, reviewing, locking and reopening weeks,
reminders, tasks, bulletins. Keyword-only, validated, audited, atomic, scope-checked."""

import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from countyworks.core import clock
from countyworks.core.audit import audit_log, diff, snapshot, update_with_audit
from countyworks.core.models import AuditAction, Programme, Role
from countyworks.core.parsing import InvalidValue, parse_decimal
from countyworks.core.scope import require_unit_in_scope, unit_in_scope

from .figures import aggregation
from .flows import SUBMISSION_FLOW
from .models import Notification, Reminder, ReportForm, Submission, Task
from .selectors import check_figures, monday, week_label, week_status

P = Programme.DISPATCH
S = Submission.Status
log = logging.getLogger(__name__)


def clean_figures(form, raw):
    """Numbers from a form post or import: blank → None; errors per field in Chinese. Parsed by
    core.parsing (the one number rule): "Infinity", "NaN", "1e20", "1,2,3" and negatives are refused."""
    figures, errors = {}, {}
    for f in form.fields:
        try:
            d = parse_decimal(raw.get(f["code"]))
        except InvalidValue as exc:
            errors[f["code"]] = f"“{f['label']}”：{exc}"
            continue
        if d is None:
            figures[f["code"]] = None
            continue
        figures[f["code"]] = int(d) if d == d.to_integral() else float(d)
    return figures, errors


@transaction.atomic
def submission_save(*, form, unit, week_start, figures, text, actor, submit=True, confirm=False, explanation=""):
    """Save (and by default submit) a unit's week. Refused when the week is locked (approved) or
    a blocking rule fails; a "flag" rule's violation needs an `explanation` (kept with the week's
    flags); outliers need `confirm=True`. Resubmitting a returned week is allowed."""
    if week_start != monday(week_start):
        raise ValidationError("周报的周次应从周一开始")
    if not form.units.filter(pk=unit.pk).exists():
        raise ValidationError(f"{unit}不是“{form}”的填报单位")
    require_unit_in_scope(actor, unit, programme=P, action="change")
    if week_start < monday(form.start_date) or (form.end_date and week_start > form.end_date):
        raise ValidationError(f"{week_label(week_start)}不在“{form.name}”的填报期内")
    if week_start > monday(clock.today()):
        raise ValidationError("不能填报未来周次")
    sub = Submission.objects.select_for_update().filter(form=form, unit=unit, week_start=week_start).first()
    if sub and sub.locked:
        raise ValidationError(f"{week_label(week_start)}已审核锁定，如需更正请由审核人重新打开")
    errors, warnings, flags = check_figures(form, unit, week_start, figures, draft=not submit)
    explanation = (explanation or "").strip()
    if flags and not explanation:
        errors["explanation"] = "；".join(flags) + "，请在“情况说明”中写明原因"
    if len(explanation) > 500:
        errors["explanation"] = f"情况说明最多500字，当前{len(explanation)}字"
    if errors:
        raise ValidationError(errors)
    if warnings and submit and not confirm:
        raise ValidationError({"confirm": warnings})
    warnings = warnings + [f"{m}（说明：{explanation}）" for m in flags]
    before = snapshot(sub, {"figures", "text", "status"}) if sub else {}
    if sub is None:
        sub = Submission(form=form, unit=unit, week_start=week_start)
    sub.figures, sub.text, sub.flags = figures, text, warnings
    if sub.pk:
        Submission.objects.filter(pk=sub.pk).update(figures=figures, text=text, flags=warnings)
    else:
        sub.save()  # a new week starts as a draft (the flow's initial state)
    if submit:
        now = timezone.now()
        SUBMISSION_FLOW.apply(sub, "submit", actor=actor, check=False, audit_message="提交周报",
                              updates={"submitted_at": now, "submitted_by": actor,
                                       "first_submitted_at": sub.first_submitted_at or now})
    after = snapshot(sub, {"figures", "text", "status"})
    audit_log(
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=sub,
        actor=actor,
        changes=diff(before, after),
        message=("提交" if submit else "暂存") + ("（已确认异常数据）" if warnings else ""),
    )
    return sub


@transaction.atomic
def submission_review(*, submission, actor, approve, reason=""):
    """Approve (locks the week) or return with a reason. Reviewers act within their scope and
    never on their own submission."""
    sub = Submission.objects.select_for_update().select_related("unit", "form").get(pk=submission.pk)
    require_unit_in_scope(actor, sub.unit, programme=P, action="review")
    if sub.status != S.SUBMITTED:
        raise ValidationError(f"只能审核“已提交”的周报（当前：{sub.get_status_display()}）")
    if actor is not None and sub.submitted_by_id == actor.pk:
        raise ValidationError("不能审核自己提交的周报")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": "退回必须填写原因"})
    SUBMISSION_FLOW.apply(
        sub, "approve" if approve else "return", actor=actor, reason=reason, check=actor is not None,
        updates={"return_reason": "" if approve else reason, "reviewed_at": timezone.now(), "reviewed_by": actor},
        audit_message="审核通过，已锁定" if approve else f"退回：{reason}",
    )
    if not approve:
        _notify_unit(sub.unit, f"{sub}被退回：{reason}", sub.get_absolute_url())
    return sub


@transaction.atomic
def submission_reopen(*, submission, actor, reason):
    """Reopen an approved (locked) week for correction: a recorded, audited action with a reason."""
    sub = Submission.objects.select_for_update().select_related("unit").get(pk=submission.pk)
    require_unit_in_scope(actor, sub.unit, programme=P, action="review")
    if sub.status != S.APPROVED:
        raise ValidationError("只有已审核锁定的周报需要重新打开")
    if not (reason or "").strip():
        raise ValidationError({"reason": "重新打开必须填写原因"})
    SUBMISSION_FLOW.apply(
        sub, "reopen", actor=actor, reason=reason, check=actor is not None,
        updates={"return_reason": f"重新打开更正：{reason.strip()}", "reviewed_at": timezone.now(), "reviewed_by": actor},
        audit_message=f"重新打开已锁定周报：{reason.strip()}",
    )
    _notify_unit(sub.unit, f"{sub}已重新打开，请更正后重新提交：{reason.strip()}", sub.get_absolute_url())
    return sub


# --- reminders and notifications -------------------------------------------------------------


def _operators_of(unit):
    return [
        r.user
        for r in Role.objects.filter(
            unit=unit, programme=P, kind="operator", user__is_active=True
        ).select_related("user")
    ]


def _notify_unit(unit, text, url=""):
    users = _operators_of(unit)
    Notification.objects.bulk_create([Notification(user=u, text=text[:300], url=url) for u in users])
    return users


def _webhook(text):
    """企业微信/政务微信 group robot: {"msgtype": "text", "text": {"content": …}}."""
    url = getattr(settings, "DISPATCH_WEBHOOK_URL", "")
    if not url:
        return False
    if not url.startswith(("https://", "http://")):  # never file: or a custom scheme
        log.warning("webhook URL refused (not http/https): %s", url[:40])
        return False
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 # nosec B310
            return 200 <= resp.status < 300
    except OSError as exc:
        log.warning("webhook failed: %s", exc)
        return False


def remind(*, now=None, forms=None, week_start=None):
    """Remind only the units that owe something: the week's report is missing after its deadline
    or was returned and not resubmitted. Each (unit, week, reason[, return]) is reminded once:
    in-app to the unit's operators, by e-mail where they have an address and SMTP is
    configured, and one summary to the group-robot webhook. Returns the reminders sent."""
    now = now or timezone.now()
    sent = []
    forms = forms if forms is not None else ReportForm.objects.filter(active=True)
    for form in forms:
        weeks = (
            [week_start]
            if week_start
            else [monday(timezone.localtime(now).date()) - timedelta(days=7 * k) for k in (1, 0)]
        )
        for w in weeks:
            if w < monday(form.start_date) or (form.end_date and w > form.end_date) or form.due_at(w) > now:
                continue
            for row in week_status(form, w, now=now):
                if row.state not in ("missing", "returned"):
                    continue
                reason = Reminder.Reason.MISSING if row.state == "missing" else Reminder.Reason.RETURNED
                stamp = row.submission.reviewed_at.isoformat() if reason == Reminder.Reason.RETURNED else ""
                try:
                    with transaction.atomic():
                        Reminder.objects.create(
                            form=form, unit=row.unit, week_start=w, reason=reason, stamp=stamp
                        )
                except IntegrityError:
                    continue  # already reminded
                text = f"【周调度提醒】{row.unit.name}：{week_label(w)}“{form.name}”" + (
                    "尚未报送，请尽快填报。"
                    if reason == Reminder.Reason.MISSING
                    else f"已被退回（{row.submission.return_reason}），请修改后重新提交。"
                )
                users = _notify_unit(row.unit, text, "/dispatch/")
                emails = [u.email for u in users if u.email]
                channels = ["站内"]
                if emails and settings.EMAIL_BACKEND and getattr(settings, "DISPATCH_EMAIL_ENABLED", False):
                    send_mail("周调度提醒", text, None, emails, fail_silently=True)
                    channels.append("邮件")
                Reminder.objects.filter(
                    form=form, unit=row.unit, week_start=w, reason=reason, stamp=stamp
                ).update(channels="、".join(channels))
                audit_log(
                    action=AuditAction.CREATE,
                    actor=None,
                    object_type="dispatch.reminder",
                    object_repr=text[:200],
                    message=f"提醒渠道：{'、'.join(channels)}",
                )
                sent.append(text)
    if sent:
        _webhook("\n".join(sent))
    return sent


# --- tasks ---------------------------------------------------------------------------------


@transaction.atomic
def task_create(*, actor, programme, title, unit, deadline, **fields):
    from countyworks.core.scope import require_unit_in_scope as req

    req(actor, unit, programme=P, action="manage")
    task = Task(programme=programme, title=title, unit=unit, deadline=deadline, **fields)
    task.full_clean()
    task.save()
    audit_log(action=AuditAction.CREATE, obj=task, actor=actor, changes=diff({}, snapshot(task)))
    return task


@transaction.atomic
def task_update(*, task, actor, **fields):
    def check(t):
        if actor is not None and not (unit_in_scope(actor, t.unit, programme=P, action="manage")
                                      or unit_in_scope(actor, t.unit, programme=P, action="change")):
            raise PermissionDenied("无权修改该任务")

    def prepare(t):
        if t.status == Task.Status.DONE and not t.done_date:
            t.done_date = clock.today()

    task, _ = update_with_audit(task, actor=actor, fields=fields, check=check, prepare=prepare)
    return task


_CODE_RE = __import__("re").compile(r"[a-z][a-z0-9_]{0,29}")


@transaction.atomic
def report_form_save(*, actor, form=None, units, fields, rules=(), **attrs):
    """Create or change a weekly reporting form (programme managers, within their scope).
    Figure codes must be unique identifiers; rules must name figures of the form; a figure that
    already has reported data cannot be removed (history must still add up)."""
    from .models import ReportForm

    errors = {}
    codes = [f.get("code", "") for f in fields]
    if not fields:
        errors["fields"] = "至少需要一个填报指标"
    for code in codes:
        if not _CODE_RE.fullmatch(code or ""):
            errors["fields"] = f"指标代码“{code}”应以小写字母开头，只含小写字母、数字和下划线"
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        errors["fields"] = f"指标代码重复：{'、'.join(dupes)}"
    for rule in rules:
        for side in ("left", "right"):
            if rule.get(side) not in codes:
                errors["rules"] = f"校验规则引用了不存在的指标“{rule.get(side)}”"
    for unit in [attrs.get("owner"), *units]:
        if unit is not None:
            require_unit_in_scope(actor, unit, programme=P, action="manage")
    fields = [dict(f) for f in fields]
    if form is not None:
        require_unit_in_scope(actor, form.owner, programme=P, action="manage")
        removed = set(form.field_labels()) - set(codes)
        used = [c for c in removed if Submission.objects.filter(form=form, figures__has_key=c).exists()]
        if used:
            errors["fields"] = f"指标“{'、'.join(used)}”已有填报数据，不能删除（可改名称或停用整张报表）"
        # a figure's aggregation: kept when the caller does not say; not changed once it has data
        # (the totals already reported would change their meaning)
        declared = {f["code"]: aggregation(f) for f in form.fields}
        for f in fields:
            code = f.get("code")
            if code not in declared:
                continue
            if "aggregation" not in f:
                f["aggregation"] = declared[code]
            elif aggregation(f) != declared[code] and \
                    Submission.objects.filter(form=form, figures__has_key=code).exists():
                errors["fields"] = f"指标“{f.get('label', code)}”已有填报数据，不能更改汇总方式"
    for f in fields:
        f["aggregation"] = aggregation(f)
    if errors:
        raise ValidationError(errors)
    before = {} if form is None else {**snapshot(form), "units": sorted(form.units.values_list("pk", flat=True))}
    obj = form or ReportForm()
    for k, v in attrs.items():
        setattr(obj, k, v)
    obj.fields, obj.rules = list(fields), list(rules)
    obj.full_clean()
    obj.save()
    obj.units.set(units)
    after = {**snapshot(obj), "units": sorted(u.pk for u in units)}
    audit_log(action=AuditAction.CREATE if form is None else AuditAction.UPDATE, obj=obj, actor=actor,
              changes=diff(before, after), message=f"周报表“{obj.name}”")
    return obj
