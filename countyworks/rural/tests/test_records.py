"""Plans through the town's approval, the points ledger (append-only, reversing entries,
balances, ranking, the monthly notice), typical villages, and scope."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.models import FlowTransition, Notification
from countyworks.rural import selectors, services
from countyworks.rural.flows import PLAN
from countyworks.rural.models import (
    Designation,
    DesignationLevel,
    GreeningPlan,
    MaintenanceGrid,
    PointEntry,
    Villager,
)

from .conftest import upload

pytestmark = pytest.mark.django_db
S = GreeningPlan.Status


def make_plan(rw, unit="v1", actor="op1", **kw):
    data = {"seedlings_planned": 500, "trees_planned": 400, "species": "铁冬青、樟树"} | kw
    return services.plan_create(actor=rw[actor], unit=rw[unit], year=2024, **data)


def test_plan_defaults_and_checks(rw):
    p = make_plan(rw)
    assert (p.season_start, p.season_end, p.status) == (2, 5, S.DRAFT) and p.season_label == "2—5月"
    with pytest.raises(ValidationError, match="已有2024年工作计划"):
        make_plan(rw)
    with pytest.raises(ValidationError, match="计划植树不能超过计划落实苗木"):
        make_plan(rw, unit="v2", actor="manager", seedlings_planned=10, trees_planned=20)
    with pytest.raises(ValidationError, match="止月不能早于起月"):
        make_plan(rw, unit="v2", actor="manager", season_start=5, season_end=2)
    with pytest.raises(ValidationError, match="村或社区"):
        make_plan(rw, unit="a", actor="manager")
    with pytest.raises(PermissionDenied):
        make_plan(rw, unit="v3")  # 一村's operator for 三村


def test_plan_approval_flow(rw):
    p = make_plan(rw)
    assert PLAN.refusal(p, "submit", rw["op1"]) == "请先上传绿化示意图（图片或PDF）再提交"
    with pytest.raises(ValidationError, match="应为图片"):
        services.plan_map_add(actor=rw["op1"], plan=p, upload=upload("map.txt", b"hello", "text/plain"))
    with pytest.raises(ValidationError, match="不符"):
        services.plan_map_add(actor=rw["op1"], plan=p, upload=upload("map.png", b"not a png"))
    services.plan_map_add(actor=rw["op1"], plan=p, upload=upload())
    PLAN.apply(p, "submit", actor=rw["op1"])
    assert p.status == S.SUBMITTED
    assert Notification.objects.filter(user=rw["town_a"]).exists()  # the town is told
    assert not Notification.objects.filter(user=rw["town_b"]).exists()
    with pytest.raises(ValidationError, match="不能修改"):
        services.plan_update(actor=rw["op1"], plan=p, trees_planned=300)
    with pytest.raises(PermissionDenied):
        PLAN.apply(p, "approve", actor=rw["op1"])  # the village cannot approve its own plan
    with pytest.raises(PermissionDenied):
        PLAN.apply(p, "approve", actor=rw["town_b"])  # another town
    with pytest.raises(ValidationError, match="须填写理由"):
        PLAN.apply(p, "return", actor=rw["town_a"])
    PLAN.apply(p, "return", actor=rw["town_a"], reason="示意图未标注管护网格")
    assert p.status == S.RETURNED
    services.plan_update(actor=rw["op1"], plan=p, trees_planned=350)
    PLAN.apply(p, "submit", actor=rw["op1"])
    stale = GreeningPlan.objects.get(pk=p.pk)
    PLAN.apply(p, "approve", actor=rw["town_a"])
    assert p.status == S.APPROVED
    with pytest.raises(ValidationError, match="已被他人改为"):
        PLAN.apply(stale, "return", actor=rw["town_a"], reason="迟到的退回")
    history = [(h.transition, h.actor.username) for h in PLAN.history(p)]
    assert history == [("submit", "op1"), ("return", "town_a"), ("submit", "op1"), ("approve", "town_a")]
    assert FlowTransition.objects.filter(reason="示意图未标注管护网格").exists()
    with pytest.raises(ValidationError, match="不能更换示意图"):
        services.plan_map_add(actor=rw["op1"], plan=p, upload=upload())


def test_a_reviewer_who_submitted_may_not_approve(rw):
    p = make_plan(rw, actor="town_a")
    services.plan_map_add(actor=rw["town_a"], plan=p, upload=upload("map.pdf", b"%PDF-1.4\n%%EOF", "application/pdf"))
    PLAN.apply(p, "submit", actor=rw["town_a"])
    with pytest.raises(ValidationError, match="同一人"):
        PLAN.apply(p, "approve", actor=rw["town_a"])
    PLAN.apply(p, "approve", actor=rw["manager"])


def _villager(rw, name="王大妈", unit="v1"):
    return services.villager_create(actor=rw["op1"] if unit == "v1" else rw["manager"], unit=rw[unit], name=name,
                                    phone="138-1234-5678")


def test_points_ledger_balances_and_reversals(rw):
    v = _villager(rw)
    assert v.phone_masked == "138****5678"
    assert not Villager.objects.filter(phone_masked__contains="1234").exists()  # the full number is never stored
    plant = services.rule_create(actor=rw["town_a"], unit=rw["v1"], name="植树每株", activity="planting", points=2)
    with pytest.raises(PermissionDenied):
        services.rule_create(actor=rw["op1"], unit=rw["v1"], name="管护每天", activity="upkeep", points=1)
    e1 = services.points_earn(actor=rw["op1"], villager=v, rule=plant, quantity=10, date=date(2024, 3, 9))
    assert e1.points == 20
    with pytest.raises(ValidationError, match="余额不足"):
        services.points_redeem(actor=rw["op1"], villager=v, points=21, date=date(2024, 3, 10), reason="兑换大米")
    with pytest.raises(ValidationError, match="事由"):
        services.points_redeem(actor=rw["op1"], villager=v, points=5, date=date(2024, 3, 10), reason=" ")
    r = services.points_redeem(actor=rw["op1"], villager=v, points=15, date=date(2024, 3, 10), reason="兑换大米一袋")
    with pytest.raises(ValidationError, match="余额将为负数"):
        services.points_reverse(actor=rw["op1"], entry=e1, reason="登记错了")
    services.points_reverse(actor=rw["op1"], entry=r, reason="大米未领取")
    rev = services.points_reverse(actor=rw["op1"], entry=e1, reason="重复登记")
    assert rev.points == -20 and rev.reverses == e1
    with pytest.raises(ValidationError, match="已冲正"):
        services.points_reverse(actor=rw["op1"], entry=e1, reason="再来一次")
    with pytest.raises(ValidationError, match="不能再冲正"):
        services.points_reverse(actor=rw["op1"], entry=rev, reason="x")
    assert selectors.balances(Villager.objects.filter(pk=v.pk)).get().balance == 0
    # append-only: no update, no delete, at any level
    e1.points = 999
    with pytest.raises(ValidationError, match="只能追加"):
        e1.save()
    with pytest.raises(ValidationError, match="只能追加"):
        e1.delete()
    with pytest.raises(ValidationError, match="只能追加"):
        PointEntry.objects.filter(pk=e1.pk).update(points=1)
    with pytest.raises(ValidationError, match="只能追加"):
        PointEntry.objects.all().delete()
    assert PointEntry.objects.count() == 4


def test_points_rule_of_another_village_and_ranking_and_notice(rw):
    a, b = _villager(rw, "甲"), _villager(rw, "乙")
    other = services.rule_create(actor=rw["manager"], unit=rw["v3"], name="植树每株", activity="planting", points=1)
    rule = services.rule_create(actor=rw["manager"], unit=rw["v1"], name="植树每株", activity="planting", points=1)
    with pytest.raises(ValidationError, match="本村"):
        services.points_earn(actor=rw["op1"], villager=a, rule=other, quantity=1, date=date(2024, 3, 1))
    services.points_earn(actor=rw["op1"], villager=a, rule=rule, quantity=5, date=date(2024, 2, 20))
    services.points_earn(actor=rw["op1"], villager=a, rule=rule, quantity=3, date=date(2024, 3, 2))
    services.points_earn(actor=rw["op1"], villager=b, rule=rule, quantity=8, date=date(2024, 3, 3))
    services.points_redeem(actor=rw["op1"], villager=b, points=2, date=date(2024, 3, 4), reason="兑换洗衣粉")
    ranking = selectors.village_ranking(Villager.objects.filter(unit=rw["v1"]))
    assert [(v.name, v.balance, v.rank) for v in ranking] == [("甲", 8, 1), ("乙", 6, 2)]
    notice = selectors.monthly_notice(unit=rw["v1"], month_start=date(2024, 3, 1), month_end=date(2024, 3, 31))
    assert notice == [{"name": "甲", "earned": 3, "redeemed": 0, "balance": 8, "rank": 1},
                      {"name": "乙", "earned": 8, "redeemed": 2, "balance": 6, "rank": 2}]
    with pytest.raises(ValidationError, match="已登记村民"):
        _villager(rw, "甲")


def test_typical_villages_keep_their_history(rw):
    city = DesignationLevel.objects.get(name="市级典型村")
    prov = DesignationLevel.objects.get(name="省级首批典型村")
    town = DesignationLevel.objects.get(name="市级典型镇")
    d1 = services.designation_create(actor=rw["manager"], unit=rw["v1"], level=city, year=2023)
    services.designation_create(actor=rw["manager"], unit=rw["v1"], level=prov, year=2024)
    services.designation_create(actor=rw["manager"], unit=rw["a"], level=town, year=2024)
    with pytest.raises(ValidationError, match="已认定"):
        services.designation_create(actor=rw["manager"], unit=rw["v1"], level=city, year=2024)
    with pytest.raises(ValidationError, match="对象应为"):
        services.designation_create(actor=rw["manager"], unit=rw["a"], level=city, year=2024)
    with pytest.raises(PermissionDenied):
        services.designation_create(actor=rw["town_a"], unit=rw["v2"], level=city, year=2024)
    assert list(Designation.objects.filter(unit=rw["v1"]).values_list("level__name", flat=True).order_by("year")) == [
        "市级典型村", "省级首批典型村"]
    t = services.task_create(actor=rw["op1"], designation=d1, title="建成美丽庭院20户", target=Decimal(20),
                             deadline=date(2024, 6, 30), leader="区农业农村局局长")
    services.task_create(actor=rw["op1"], designation=d1, title="村道绿化2公里", target=Decimal(2),
                         progress=Decimal(3), deadline=date(2024, 6, 30), leader="礼乐街道书记")
    services.task_progress(actor=rw["op1"], task=t, progress=Decimal(5))
    assert selectors.designation_progress(d1) == 62.5  # (25 + 100 capped) ÷ 2
    with pytest.raises(ValidationError, match="目标值应大于0"):
        services.task_create(actor=rw["op1"], designation=d1, title="x", target=Decimal(0),
                             deadline=date(2024, 6, 30), leader="x")
    assert selectors.typical_counts(unit=rw["district"]) == {
        "省级首批典型村": [Designation.objects.get(level=prov).pk], "市级典型镇": [Designation.objects.get(level=town).pk],
        "市级典型村": [d1.pk]}
    assert selectors.typical_counts(unit=rw["district"], year=2023) == {"市级典型村": [d1.pk]}


def test_scope_a_village_sees_itself_a_town_its_villages(rw):
    for u in ("v1", "v2", "v3"):
        services.grid_create(actor=rw["manager"], unit=rw[u], name="一组", party_member="党员", trees_in_care=1)
    names = lambda user: sorted(MaintenanceGrid.objects.visible_to(user).values_list("unit__name", flat=True))  # noqa: E731
    assert names(rw["op1"]) == ["一村"]
    assert names(rw["town_a"]) == ["一村", "二村"]
    assert names(rw["manager"]) == ["一村", "三村", "二村"]
    assert names(rw["investment_op"]) == []
