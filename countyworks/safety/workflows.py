"""The hazard flow (隐患闭环): 发现 → 已下发整改通知书 → 整改中 → 整改完成待复查 → 复查通过 → 已销号,
or 复查不通过 → back to 整改中 with the reason.

Two units carry a hazard: the team that found it (检查组) and the area where the object lies
(街道/村, where the responsible party's account holds its role). Inspectors' steps (下发通知书, 复查,
销号) need a role over the team; the responsible party's steps (开始整改, 提交整改) may also be
made from the area. The core engine checks one unit per record, so `HazardFlow` asks it once per
unit the transition accepts (platform request: a per-transition unit in core.workflow)."""

import contextvars

from django.db import transaction
from django.db.models.functions import Length

from countyworks.core import clock
from countyworks.core.models import Attachment, FlowTransition, Programme, RoleKind
from countyworks.core.workflow import REASON, Flow, Transition

from .models import Hazard

S = Hazard.Status
INSPECTORS = frozenset({RoleKind.OPERATOR, RoleKind.REVIEWER, RoleKind.MANAGER})
AFTER_PHOTO = "整改后照片"
NEED_NOTICE = "请先填写整改要求后再下发整改通知书"
NEED_AFTER_PHOTO = "提交整改须上传整改后照片"

_unit_override = contextvars.ContextVar("safety_hazard_unit", default=None)


def rectification_round(hazard):
    """1 for the first rectification, +1 after each 复查不通过."""
    if not hazard.pk:
        return 1
    return 1 + FlowTransition.objects.filter(object_type="safety.hazard", object_id=hazard.pk,
                                             transition="recheck_fail").count()


def after_photo_caption(hazard):
    return f"{AFTER_PHOTO}·第{rectification_round(hazard)}次整改"


def _has_notice(h):
    return None if (h.requirement or "").strip() else NEED_NOTICE


def _has_after_photo(h):
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Hazard)
    ok = Attachment.objects.filter(content_type=ct, object_id=str(h.pk), caption=after_photo_caption(h)).exists()
    return None if ok else NEED_AFTER_PHOTO


def _team_members(h, actor):
    from countyworks.core.models import Role

    return [r.user for r in Role.objects.filter(programme=Programme.SAFETY, unit=h.team).select_related("user")]


def _area_users(h, actor):
    from countyworks.core.models import Role

    return [r.user for r in Role.objects.filter(programme=Programme.SAFETY, unit=h.unit,
                                                kind=RoleKind.OPERATOR).select_related("user")]


class HazardFlow(Flow):
    area_transitions = frozenset({"start", "submit"})

    def _unit(self, obj):
        return _unit_override.get() or obj.team

    def refusal(self, obj, name, user):
        units = [obj.team] + ([obj.unit] if name in self.area_transitions else [])
        why = None
        for unit in units:
            token = _unit_override.set(unit)
            try:
                why = super().refusal(obj, name, user)
            finally:
                _unit_override.reset(token)
            if why is None or not why.startswith("您没有"):
                return why
        return why

    def apply(self, obj, name, *, updates=None, **kwargs):
        """What some transitions write besides the state, whichever page makes them: the notice
        gets its number and date when issued, a hazard its 销号日期 when closed."""
        updates = dict(updates or {})
        with transaction.atomic():
            if name == "issue_notice" and not obj.notice_no:
                day = clock.today()
                updates.setdefault("notice_date", day)
                updates.setdefault("notice_no", next_notice_no(day.year))
            if name == "close":
                updates.setdefault("closed_on", clock.today())
            return super().apply(obj, name, updates=updates, **kwargs)


def next_notice_no(year):
    """整改通知书 numbers run per year: 安整〔2024〕第001号. The highest number issued that year + 1."""
    prefix = f"安整〔{year}〕第"
    last = (Hazard.objects.filter(notice_no__startswith=prefix).order_by(Length("notice_no").desc(), "-notice_no")
            .values_list("notice_no", flat=True).first())
    n = int(last[len(prefix):-1]) + 1 if last else 1
    return f"{prefix}{n:03d}号"


HAZARD_FLOW = HazardFlow(
    name="safety.hazard",
    model="safety.Hazard",
    programme=Programme.SAFETY,
    states=dict(S.choices),
    describe=lambda h: f"隐患{h.code}（{h.object.name}）",
    url=lambda h: h.get_absolute_url(),
    transitions=[
        Transition("issue_notice", "下发整改通知书", (S.FOUND,), S.NOTIFIED, roles=INSPECTORS,
                   condition=_has_notice, notify=_area_users),
        Transition("start", "开始整改", (S.NOTIFIED,), S.RECTIFYING),
        Transition("submit", "提交整改完成", (S.RECTIFYING,), S.SUBMITTED, condition=_has_after_photo,
                   notify=_team_members),
        Transition("recheck_pass", "复查通过", (S.SUBMITTED,), S.PASSED, roles=INSPECTORS,
                   not_same_as=("submit",), notify=_area_users, style="success"),
        Transition("recheck_fail", "复查不通过", (S.SUBMITTED,), S.RECTIFYING, roles=INSPECTORS,
                   not_same_as=("submit",), requires=(REASON,), notify=_area_users, style="danger"),
        Transition("close", "销号", (S.PASSED,), S.CLOSED, roles=INSPECTORS, not_same_as=("submit",)),
    ],
)
