"""The workflow engine (core.workflow): a declared flow decides who may move a record, what a
move needs, and records every move once — history row and audit entry — or refuses and writes
nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import AuditEntry, FlowTransition, OrgUnit, Programme, RoleKind
from countyworks.core.workflow import REASON, Flow, Transition
from countyworks.dispatch.models import Task

T = Task.Status
D = Programme.DISPATCH

FLOW = Flow(
    name="test.task",
    model="dispatch.Task",
    states=dict(T.choices),
    programme=lambda t: D,
    transitions=[
        Transition("finish", "完成", (T.OPEN,), T.DONE),
        Transition("check", "核验", (T.DONE,), T.DONE, roles=frozenset({RoleKind.REVIEWER}), action="review",
                   not_same_as=("finish",)),
        Transition("reopen", "重新打开", (T.DONE,), T.OPEN, requires=(REASON,)),
    ],
)


@pytest.fixture
def w(db):
    top = OrgUnitFactory(name="某区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(name="甲街道", parent=top)
    b = OrgUnitFactory(name="乙街道", parent=top)
    task = Task.objects.create(programme=D, title="修路", unit=a, deadline=date(2024, 5, 1))
    return {
        "task": task,
        "op_a": user_with_role(RoleKind.OPERATOR, D, a),
        "op_b": user_with_role(RoleKind.OPERATOR, D, b),
        "reviewer": user_with_role(RoleKind.REVIEWER, D, top),
        "leader": user_with_role(RoleKind.LEADER, D, top),
    }


def test_a_declaration_naming_an_unknown_state_fails_at_import():
    with pytest.raises(ValueError):
        Flow(name="test.bad", states={"a": "甲"}, transitions=[Transition("go", "走", ("a",), "z")])


def test_a_move_writes_the_state_one_history_row_and_one_audit_entry(w):
    before = AuditEntry.objects.count()
    FLOW.apply(w["task"], "finish", actor=w["op_a"])
    w["task"].refresh_from_db()
    assert w["task"].status == T.DONE
    rows = list(FlowTransition.objects.filter(object_type="dispatch.task", object_id=w["task"].pk))
    assert [(r.source, r.target, r.actor_id) for r in rows] == [(T.OPEN, T.DONE, w["op_a"].pk)]
    assert AuditEntry.objects.count() == before + 1


def test_another_units_operator_and_a_read_only_leader_are_refused_and_nothing_is_written(w):
    for user in (w["op_b"], w["leader"]):
        with pytest.raises(PermissionDenied):
            FLOW.apply(w["task"], "finish", actor=user)
    w["task"].refresh_from_db()
    assert w["task"].status == T.OPEN
    assert not FlowTransition.objects.exists()


def test_only_the_allowed_next_actions_are_offered(w):
    assert [t.name for t in FLOW.allowed(w["task"], w["op_a"])] == ["finish"]
    assert FLOW.allowed(w["task"], w["leader"]) == []
    FLOW.apply(w["task"], "finish", actor=w["op_a"])
    assert [t.name for t in FLOW.allowed(w["task"], w["reviewer"])] == ["check", "reopen"]


def test_not_the_same_person_as_an_earlier_step(w):
    from countyworks.core.models import Role

    Role.objects.create(user=w["op_a"], kind=RoleKind.REVIEWER, programme=D, unit=w["task"].unit)
    FLOW.apply(w["task"], "finish", actor=w["op_a"])
    w["op_a"]._cw_roles = None
    with pytest.raises(ValidationError, match="不能由办理“完成”的同一人进行"):
        FLOW.apply(w["task"], "check", actor=w["op_a"])
    FLOW.apply(w["task"], "check", actor=w["reviewer"])


def test_a_required_reason_is_required(w):
    FLOW.apply(w["task"], "finish", actor=w["op_a"])
    with pytest.raises(ValidationError, match="重新打开须填写理由"):
        FLOW.apply(w["task"], "reopen", actor=w["op_a"], reason="   ")
    FLOW.apply(w["task"], "reopen", actor=w["op_a"], reason="验收不合格")
    assert FLOW.history(w["task"]).last().reason == "验收不合格"


def test_the_second_of_two_people_acting_on_the_same_state_is_refused(w):
    stale = Task.objects.get(pk=w["task"].pk)  # both opened the page while the task was open
    FLOW.apply(w["task"], "finish", actor=w["op_a"])
    with pytest.raises(ValidationError, match="已被他人改为“已完成”"):
        FLOW.apply(stale, "finish", actor=w["op_a"])
    assert FlowTransition.objects.count() == 1


def test_a_move_not_allowed_from_the_current_state_is_refused(w):
    with pytest.raises(ValidationError, match="当前状态为“推进中”，不能重新打开"):
        FLOW.apply(w["task"], "reopen", actor=w["op_a"], reason="x")
