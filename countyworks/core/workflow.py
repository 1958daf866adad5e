"""The one way to declare a status flow (DESIGN §11): states, allowed transitions, who may make
each, what each requires, and what each writes.

A flow is a table, not code: a `Flow` lists its states and `Transition`s. `Flow.apply()` is the
only code that changes a flowed status field. In one transaction it locks the row, re-reads the
state (two people acting at once: the second is refused), checks that the transition is allowed
from that state, that the user holds one of the transition's role kinds for the record's
programme over the record's unit, that the user is not the one who made a transition the rule
excludes ("not the same person as step X"), that the required inputs are present and that the
transition's own condition holds. Then it writes the new state and any extra fields, one
`FlowTransition` row (the history: who, when, from, to, why) and one audit entry, and sends the
transition's notifications.

Why our own module rather than django-fsm-2 or viewflow: the rules we need are data (role kinds
per programme and unit scope, "not the same person", required reason/attachment, history rows
that the UI lists), which those libraries leave to hand-written guards on each model method; a
table lets the UI list the allowed next actions for this user straight from the declaration.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import clock

REASON, ATTACHMENT, DATE = "reason", "attachment", "date"
_INPUT_LABELS = {REASON: "理由", ATTACHMENT: "附件", DATE: "日期"}


@dataclass(frozen=True)
class Transition:
    name: str  # e.g. "submit"
    label: str  # 提交
    source: tuple[str, ...]  # states it leaves from
    target: str
    roles: frozenset | None = None  # RoleKind values allowed; None = anyone with the scope action
    action: str = "change"  # the scope action the role must allow over the record's unit
    not_same_as: tuple[str, ...] = ()  # transitions whose actor may not make this one
    requires: tuple[str, ...] = ()  # REASON / ATTACHMENT / DATE
    condition: Callable[[Any], str | None] | None = None  # returns a Chinese refusal or None
    notify: Callable[[Any, Any], Iterable] | None = None  # (obj, actor) → users to notify
    style: str = "primary"  # button style in the UI: primary / danger / secondary
    system: bool = False  # made by the platform (reminders, imports), never offered as a button
    effect: Callable[[Any, Any], None] | None = None  # (obj, actor): what else the transition does, in its transaction


@dataclass
class Flow:
    name: str  # e.g. "dispatch.submission"
    states: dict  # value → label, in display order
    transitions: list
    model: str = ""  # "app_label.Model": lets the generic transition view (core:flow_transition) find records
    field: str = "status"
    programme: Callable[[Any], str] | str | None = None  # the record's programme (for roles)
    unit: Callable[[Any], Any] | None = None  # the record's unit (for scope); default obj.unit
    describe: Callable[[Any], str] = str  # object_repr in the audit log
    url: Callable[[Any], str] | None = None  # where a notification points
    system_roles: bool = False  # a flow of the 三员: `roles` are system duties, no programme or unit
    _by_name: dict = dc_field(default_factory=dict, repr=False)

    def __post_init__(self):
        for t in self.transitions:
            unknown = [s for s in (*t.source, t.target) if s not in self.states]
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {unknown}")
            for other in t.not_same_as:
                if other not in {x.name for x in self.transitions}:
                    raise ValueError(f"{self.name}.{t.name}: not_same_as names unknown transition {other}")
            self._by_name[t.name] = t
        _FLOWS[self.name] = self

    # -- reading -------------------------------------------------------------------------------
    def state(self, obj):
        return getattr(obj, self.field)

    def state_label(self, obj_or_value):
        value = obj_or_value if isinstance(obj_or_value, str) else self.state(obj_or_value)
        return self.states.get(value, value)

    def transition(self, name) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValidationError(f"未知的操作“{name}”")

    def _programme(self, obj):
        p = self.programme
        return p(obj) if callable(p) else p

    def _unit(self, obj):
        return self.unit(obj) if self.unit else obj.unit

    def refusal(self, obj, name, user) -> str | None:
        """Why `user` may not make transition `name` on `obj` now (Chinese), or None."""
        from .scope import programme_roles

        t = self.transition(name)
        if t.system:
            return "该操作由系统执行"
        state = self.state(obj)
        if state not in t.source:
            return f"当前状态为“{self.state_label(state)}”，不能{t.label}"
        if user is None:  # the platform itself (a command run as system): scope is not checked
            return t.condition(obj) if t.condition else None
        if self.system_roles:
            from .scope import has_system_role

            if not any(has_system_role(user, k) for k in (t.roles or ())):
                return f"您没有{t.label}的权限"
            return self._same_person(obj, t, user) or (t.condition(obj) if t.condition else None)
        unit = self._unit(obj)
        roles = [
            r
            for r in programme_roles(user, self._programme(obj), t.action)
            if unit is None or unit.path.startswith(r.unit.path)
        ]
        if t.roles is not None:
            roles = [r for r in roles if r.kind in t.roles]
        if not roles:
            return f"您没有{t.label}的权限"
        same = self._same_person(obj, t, user)
        if same:
            return same
        if t.condition:
            msg = t.condition(obj)
            if msg:
                return msg
        return None

    def _same_person(self, obj, t, user):
        if t.not_same_as and obj.pk:
            done = set(
                FlowTransitionQ.for_object(self, obj)
                .filter(transition__in=t.not_same_as)
                .values_list("actor_id", flat=True)
            )
            if user.pk in done:
                names = "、".join(self._by_name[n].label for n in t.not_same_as)
                return f"{t.label}不能由办理“{names}”的同一人进行"
        return None

    def allowed(self, obj, user) -> list[Transition]:
        """The transitions this user may make on this record now, in declaration order."""
        return [t for t in self.transitions if not t.system and self.refusal(obj, t.name, user) is None]

    def history(self, obj):
        return FlowTransitionQ.for_object(self, obj).select_related("actor").order_by("at", "pk")

    # -- writing -------------------------------------------------------------------------------
    def apply(self, obj, name, *, actor, reason="", attachment="", when=None, updates=None, data=None,
              audit_message=None, check=True):
        """Make transition `name` on `obj` as `actor`. `updates` are further fields written with
        the state (e.g. reviewed_by). Raises PermissionDenied / ValidationError (Chinese) and
        writes nothing when refused. Returns the FlowTransition row."""
        from .audit import audit_log
        from .models import AuditAction, FlowTransition

        t = self.transition(name)
        reason = (reason or "").strip()
        missing = [
            _INPUT_LABELS[r]
            for r in t.requires
            if (r == REASON and not reason) or (r == ATTACHMENT and not attachment) or (r == DATE and not when)
        ]
        if missing:
            raise ValidationError(f"{t.label}须填写{'、'.join(missing)}")
        if len(reason) > 2000:
            raise ValidationError("理由不能超过2000字")
        model = type(obj)
        with transaction.atomic():
            current = model.objects.select_for_update().filter(pk=obj.pk).first()
            if current is None:
                raise ValidationError("该记录已不存在")
            if self.state(current) != self.state(obj):
                raise ValidationError(
                    f"该记录的状态已被他人改为“{self.state_label(current)}”，请刷新页面后再操作"
                )
            if check:
                why = self.refusal(current, name, actor) if not t.system else None
                if why:
                    if why.startswith("您没有"):
                        raise PermissionDenied(why)
                    raise ValidationError(why)
            source = self.state(current)
            values = {self.field: t.target, **(updates or {})}
            model.objects.filter(pk=obj.pk).update(**values)
            for k, v in values.items():
                setattr(obj, k, v)
            row = FlowTransition.objects.create(
                flow=self.name,
                object_type=model._meta.label_lower,
                object_id=obj.pk,
                transition=t.name,
                source=source,
                target=t.target,
                actor=actor if getattr(actor, "pk", None) else None,
                at=clock.now(),
                reason=reason,
                attachment=str(attachment or "")[:300],
                data=data or {},
            )
            audit_log(
                action=AuditAction.UPDATE,
                actor=actor if getattr(actor, "pk", None) else None,
                obj=obj,
                message=audit_message or f"{t.label}：{self.state_label(source)} → {self.state_label(t.target)}"
                + (f"（{reason}）" if reason else ""),
                changes={self.field: [source, t.target], **{k: str(v) for k, v in (updates or {}).items()}},
            )
            if t.effect:  # e.g. the confirmed grant of a 三员 duty; an error undoes the transition too
                t.effect(obj, actor)
            if t.notify:
                from .notifications import notify

                users = [u for u in t.notify(obj, actor) if u and u != actor]
                if users:
                    notify(users, f"{self.describe(obj)}：{t.label}", self.url(obj) if self.url else "")
        return row


class FlowTransitionQ:
    @staticmethod
    def for_object(flow, obj):
        from .models import FlowTransition

        return FlowTransition.objects.filter(object_type=type(obj)._meta.label_lower, object_id=obj.pk)


_FLOWS: dict[str, Flow] = {}


def flows() -> dict[str, Flow]:
    return dict(_FLOWS)


def get_flow(name) -> Flow:
    return _FLOWS[name]


def panel(flow: Flow, obj, user):
    """What the UI shows on a record with a flow: the state, the actions this user may take now,
    and the history. In a template: `{% flow_panel flow_name obj %}` (core_tags), which renders
    core/_flow_panel.html; its buttons post to core:flow_transition."""
    return {
        "flow": flow,
        "state": flow.state(obj),
        "state_label": flow.state_label(obj),
        "actions": flow.allowed(obj, user),
        "history": list(flow.history(obj)),
        "obj": obj,
    }
