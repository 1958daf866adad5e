"""The rural pages: the generic view contract on each register, and what the users of the
journeys see — the map shown inline, the approval buttons, the ledger, the notice without
phone numbers, the greening page's aggregation types."""

from datetime import date

import pytest
from django.urls import reverse

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.core.testing import ViewContract, World
from countyworks.rural import selectors, services
from countyworks.rural.models import (
    CampaignEvent,
    DesignationLevel,
    GreeningPlan,
    MaintenanceGrid,
    PointRule,
    Villager,
)

from .conftest import report, upload

pytestmark = pytest.mark.django_db
K, P, R = OrgUnit.Kind, Programme.RURAL, RoleKind


def tree():
    t = org_tree("a1", "a2", "b1", names={"district": "江海区", "a": "礼乐街道", "b": "外海街道", "a1": "向前村",
                                          "a2": "英南村", "b1": "金溪社区"},
                 kinds={"a2": K.VILLAGE, "b1": K.COMMUNITY})
    return {"d": t.district, "lile": t.a, "waihai": t.b, "xq": t.a1, "yn": t.a2, "jx": t.b1}


def world(**kw):
    """A World with the fields this platform's ViewContract knows (the stronger contract's
    model / created_fields / foreign_create_data / read_only / read_only_views where it has them)."""
    known = World.__dataclass_fields__
    return World(**{k: v for k, v in kw.items() if k in known})


def people(t):
    return {"op": user_with_role(R.OPERATOR, P, t["xq"]), "town": user_with_role(R.REVIEWER, P, t["lile"]),
            "mgr": user_with_role(R.MANAGER, P, t["d"]), "outsider": user_with_role(R.OPERATOR, Programme.SAFETY, t["xq"]),
            "leader": user_with_role(R.LEADER, P, t["d"])}


class TestPlanViews(ViewContract):
    covers = {"rural:plan_list", "rural:plan_detail", "rural:plan_create", "rural:plan_update",
              "rural:attachment_inline", "rural:home", "rural:greening", "rural:rules",
              "rural-plan-list", "rural-plan-detail", "rural-plan-stats"}

    def make_world(self):
        t, u = tree(), None
        u = people(t)
        own = services.plan_create(actor=None, unit=t["xq"], year=2024, seedlings_planned=500, trees_planned=400)
        foreign = services.plan_create(actor=None, unit=t["jx"], year=2024, seedlings_planned=300, trees_planned=200)
        for plan in (own, foreign):
            services.plan_map_add(actor=None, plan=plan, upload=upload())
        return world(
            permitted=u["op"], outsider=u["outsider"], own=own, foreign=foreign,
            list_url=reverse("rural:plan_list"), detail_url=lambda p: reverse("rural:plan_detail", args=[p.pk]),
            create_url=reverse("rural:plan_create"),
            create_data={"unit": t["xq"].pk, "year": 2025, "seedlings_planned": 100, "trees_planned": 80,
                         "season_start": 2, "season_end": 5},
            update_url=lambda p: reverse("rural:plan_update", args=[p.pk]),
            update_data=lambda p: {"seedlings_planned": 600, "trees_planned": 500, "season_start": 2, "season_end": 5},
            list_text=lambda p: p.unit.name,
            model=GreeningPlan, created_fields={"unit_id": t["xq"].pk, "year": 2025, "trees_planned": 80},
            foreign_create_data={"unit": t["jx"].pk, "year": 2025, "seedlings_planned": 100, "trees_planned": 80,
                                 "season_start": 2, "season_end": 5},
            read_only=u["leader"],
            pages=[lambda p: reverse("rural:attachment_inline", args=[selectors.plan_maps(p)[0].pk]),
                   reverse("rural:home"), reverse("rural:greening"), reverse("rural:rules")],
            api_list_url=reverse("rural-plan-list"),
            api_detail_url=lambda p: reverse("rural-plan-detail", args=[p.pk]),
            api_pages=[lambda p: reverse("rural-plan-stats") + f"?unit={p.unit_id}"],
        )


class TestGridViews(ViewContract):
    covers = {"rural:grid_list", "rural:grid_detail", "rural:grid_create", "rural-grid-list", "rural-grid-detail"}

    def make_world(self):
        t = tree()
        u = people(t)
        own = services.grid_create(actor=None, unit=t["xq"], name="东片", party_member="陈党员", trees_in_care=50)
        foreign = services.grid_create(actor=None, unit=t["jx"], name="西片区", party_member="李党员", trees_in_care=50)
        return world(
            permitted=u["op"], outsider=u["outsider"], own=own, foreign=foreign,
            list_url=reverse("rural:grid_list"), detail_url=lambda g: reverse("rural:grid_detail", args=[g.pk]),
            create_url=reverse("rural:grid_create"),
            create_data={"unit": t["xq"].pk, "name": "北片", "party_member": "王党员", "trees_in_care": 30},
            list_text=lambda g: g.name,
            model=MaintenanceGrid, created_fields={"unit_id": t["xq"].pk, "name": "北片", "party_member": "王党员"},
            foreign_create_data={"unit": t["jx"].pk, "name": "北片", "party_member": "王党员", "trees_in_care": 30},
            read_only=u["leader"],
            api_list_url=reverse("rural-grid-list"),
            api_detail_url=lambda g: reverse("rural-grid-detail", args=[g.pk]),
        )


class TestEventViews(ViewContract):
    covers = {"rural:event_list", "rural:event_detail", "rural:event_create", "rural-event-list", "rural-event-detail"}

    def make_world(self):
        t = tree()
        u = people(t)
        own = services.event_create(actor=None, title="向前村植树日", organiser=t["lile"], unit=t["xq"], place="村口",
                                    date=date(2024, 3, 8), volunteers=30, species=[("樟树", 20)])
        foreign = services.event_create(actor=None, title="金溪植树日", organiser=t["waihai"], unit=t["jx"],
                                        place="公园", date=date(2024, 3, 9), volunteers=30, species=[("榕树", 20)])
        return world(
            permitted=u["op"], outsider=u["outsider"], own=own, foreign=foreign,
            list_url=reverse("rural:event_list"), detail_url=lambda e: reverse("rural:event_detail", args=[e.pk]),
            create_url=reverse("rural:event_create"),
            create_data={"title": "三八植树", "organiser": t["lile"].pk, "unit": t["xq"].pk, "place": "茶花园",
                         "date": "2024-03-08", "volunteers": 60, "species_text": "铁冬青 40"},
            list_text=lambda e: e.title,
            model=CampaignEvent, created_fields={"unit_id": t["xq"].pk, "volunteers": 60, "report_id": None},
            foreign_create_data={"title": "三八植树", "organiser": t["lile"].pk, "unit": t["jx"].pk, "place": "茶花园",
                                 "date": "2024-03-08", "volunteers": 60, "species_text": "铁冬青 40"},
            read_only=u["leader"],
            api_list_url=reverse("rural-event-list"),
            api_detail_url=lambda e: reverse("rural-event-detail", args=[e.pk]),
        )


class TestVillagerViews(ViewContract):
    covers = {"rural:villager_list", "rural:villager_detail", "rural:villager_create", "rural:points_notice"}

    def make_world(self):
        t = tree()
        u = people(t)
        own = services.villager_create(actor=None, unit=t["xq"], name="向前王大妈", phone="13812345678")
        foreign = services.villager_create(actor=None, unit=t["jx"], name="金溪李大伯")
        return world(
            permitted=u["op"], outsider=u["outsider"], own=own, foreign=foreign,
            list_url=reverse("rural:villager_list"), detail_url=lambda v: reverse("rural:villager_detail", args=[v.pk]),
            create_url=reverse("rural:villager_create"),
            create_data={"unit": t["xq"].pk, "name": "向前张伯", "phone": "13900001111"},
            list_text=lambda v: v.name,
            model=Villager, created_fields={"unit_id": t["xq"].pk, "name": "向前张伯", "phone_masked": "139****1111"},
            foreign_create_data={"unit": t["jx"].pk, "name": "向前张伯", "phone": "13900001111"},
            read_only=u["leader"],
            pages=[lambda v: reverse("rural:points_notice", args=[v.unit_id])],
        )


class TestPointRuleViews(ViewContract):
    """积分规则 are set by the town (action "review") for its villages."""

    covers = {"rural:rule_list", "rural:rule_create"}

    def make_world(self):
        t = tree()
        u = people(t)
        own = services.rule_create(actor=None, unit=t["xq"], name="植树每株", activity="planting", points=2)
        foreign = services.rule_create(actor=None, unit=t["jx"], name="管护每天", activity="upkeep", points=1)
        data = {"unit": t["xq"].pk, "name": "清洁家园每次", "activity": "other", "points": 3, "active": "on"}
        return world(
            permitted=u["town"], outsider=u["outsider"], own=own, foreign=foreign,
            # the rules page is a short table of every rule in scope, not an exportable register
            pages=[reverse("rural:rule_list")], create_url=reverse("rural:rule_create"), create_data=data,
            model=PointRule, created_fields={"unit_id": t["xq"].pk, "name": "清洁家园每次", "points": 3},
            foreign_create_data={**data, "unit": t["jx"].pk},
            read_only=u["leader"],
        )

    def test_rules_page_lists_the_towns_rules_only(self, client, world):
        client.force_login(world.permitted)
        page = client.get(reverse("rural:rule_list")).content.decode()
        assert world.own.name in page and world.foreign.name not in page


class TestTypicalViews(ViewContract):
    covers = {"rural:typical_list", "rural:typical_detail", "rural-typical-list", "rural-typical-detail"}

    def make_world(self):
        t = tree()
        u = people(t)
        city = DesignationLevel.objects.get(name="市级典型村")
        own = services.designation_create(actor=None, unit=t["xq"], level=city, year=2023)
        foreign = services.designation_create(actor=None, unit=t["jx"], level=city, year=2023)
        return world(
            permitted=u["town"], outsider=u["outsider"], own=own, foreign=foreign,
            list_url=reverse("rural:typical_list"), detail_url=lambda d: reverse("rural:typical_detail", args=[d.pk]),
            list_text=lambda d: d.unit.name,
            read_only_views=True,  # designation is on its own page (test_manager_designates)
            api_list_url=reverse("rural-typical-list"),
            api_detail_url=lambda d: reverse("rural-typical-detail", args=[d.pk]),
        )

    def test_manager_designates(self, client, world):
        mgr = user_with_role(R.MANAGER, P, world.own.unit.parent.parent)
        client.force_login(mgr)
        prov = DesignationLevel.objects.get(name="省级首批典型村")
        resp = client.post(reverse("rural:typical_create"), {"unit": world.own.unit_id, "level": prov.pk, "year": 2024})
        assert resp.status_code == 302
        page = client.get(resp["Location"]).content.decode()
        assert "2023年 市级典型村" in page and "2024年 省级首批典型村" in page  # history kept
        client.force_login(world.permitted)  # a town reviewer may not designate
        assert client.get(reverse("rural:typical_create")).status_code == 403


def test_plan_page_shows_the_map_inline_and_the_approval(client):
    t = tree()
    u = people(t)
    plan = services.plan_create(actor=u["op"], unit=t["xq"], year=2024, seedlings_planned=500, trees_planned=400)
    client.force_login(u["op"])
    url = reverse("rural:plan_detail", args=[plan.pk])
    page = client.get(url).content.decode()
    assert 'id="no-map"' in page and "提交审批前须上传" in page and "提交镇（街）审批" not in page
    resp = client.post(url, {"file": upload()})
    assert resp.status_code == 302
    page = client.get(url).content.decode()
    assert "提交镇（街）审批" in page
    att = selectors.plan_maps(plan)[0]
    inline = reverse("rural:attachment_inline", args=[att.pk])
    assert f'<img id="greening-map" class="img-fluid border rounded" src="{inline}"' in page
    resp = client.get(inline)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png" and resp["Content-Disposition"] == "inline"
    # submit through the platform's flow view; the town sees 审批通过 / 退回修改
    resp = client.post(reverse("core:flow_transition", args=["rural.plan", plan.pk]),
                       {"transition": "submit", "state": "draft"})
    assert resp.status_code == 302
    plan.refresh_from_db()
    assert plan.status == GreeningPlan.Status.SUBMITTED
    assert "审批通过" not in client.get(url).content.decode()
    client.force_login(u["town"])
    page = client.get(url).content.decode()
    assert "审批通过" in page and "退回修改" in page
    # another village's operator: 404 on the page and on the file
    other = user_with_role(R.OPERATOR, P, t["jx"])
    client.force_login(other)
    assert client.get(url).status_code == 404 and client.get(inline).status_code == 404


def test_pdf_map_is_framed_from_this_site_only(client):
    t = tree()
    u = people(t)
    plan = services.plan_create(actor=u["op"], unit=t["xq"], year=2024, seedlings_planned=5, trees_planned=4)
    services.plan_map_add(actor=u["op"], plan=plan, upload=upload("map.pdf", b"%PDF-1.4\n%%EOF", "application/pdf"))
    client.force_login(u["op"])
    page = client.get(reverse("rural:plan_detail", args=[plan.pk])).content.decode()
    assert '<iframe id="greening-map"' in page
    att = selectors.plan_maps(plan)[0]
    resp = client.get(reverse("rural:attachment_inline", args=[att.pk]))
    assert resp["Content-Type"] == "application/pdf" and resp["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in resp["Content-Security-Policy"]


def test_bad_input_gives_chinese_errors_not_500(client):
    t = tree()
    u = people(t)
    client.force_login(u["op"])
    resp = client.post(reverse("rural:plan_create"), {"unit": t["xq"].pk, "year": 2024, "seedlings_planned": -5,
                                                       "trees_planned": "abc", "season_start": 2, "season_end": 5})
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert "seedlings_planned" in errors and "trees_planned" in errors
    resp = client.post(reverse("rural:plan_create"), {"unit": t["jx"].pk, "year": 2024, "seedlings_planned": 5,
                                                       "trees_planned": 4, "season_start": 2, "season_end": 5})
    assert resp.status_code == 200 and "unit" in resp.context["form"].errors  # another village is not a choice
    resp = client.post(reverse("rural:event_create"), {"title": "x", "organiser": t["lile"].pk, "unit": t["xq"].pk,
                                                        "place": "x", "date": "2024-03-08", "volunteers": 1,
                                                        "species_text": "铁冬青 四十"})
    assert resp.status_code == 200 and "第1行株数" in str(resp.context["form"].errors)
    g = services.grid_create(actor=None, unit=t["xq"], name="东片", party_member="陈", trees_in_care=5)
    resp = client.post(reverse("rural:grid_detail", args=[g.pk]), {"date": "2024-03-08", "lost": 9})
    assert resp.status_code == 200 and "超过该网格管护树木" in resp.content.decode()


def test_ledger_page_redeem_reverse_and_notice_without_phone(client):
    t = tree()
    u = people(t)
    v = services.villager_create(actor=None, unit=t["xq"], name="王大妈", phone="13812345678")
    rule = services.rule_create(actor=None, unit=t["xq"], name="植树每株", activity="planting", points=2)
    client.force_login(u["op"])
    url = reverse("rural:villager_detail", args=[v.pk])
    assert client.post(url, {"op": "earn", "rule": rule.pk, "quantity": 5, "date": "2024-03-09"}).status_code == 302
    resp = client.post(url, {"op": "redeem", "points": 50, "date": "2024-03-10", "reason": "大米"})
    assert resp.status_code == 200 and "积分余额不足（现有10分，兑换50分）" in resp.content.decode()
    entry = v.entries.get()
    client.post(url, {"op": "reverse", "entry": entry.pk, "reason": "重复登记"})
    page = client.get(url).content.decode()
    assert 'id="balance">0<' in page and "冲正：重复登记" in page
    notice = client.get(reverse("rural:points_notice", args=[t["xq"].pk]) + "?month=2024-03").content.decode()
    table = notice.split('id="notice"', 1)[1].split("</table>", 1)[0]
    assert "王大妈" in table and "****" not in notice and "5678" not in notice
    assert client.get(reverse("rural:points_notice", args=[t["jx"].pk])).status_code == 404
    assert client.get(reverse("rural:points_notice", args=[t["xq"].pk]) + "?month=2024-13").status_code == 404


def test_greening_page_shows_aggregation_types_and_refuses_change_under_data(client, rw):
    client.force_login(rw["manager"])
    page = client.get(reverse("rural:greening")).content.decode()
    assert "取最新累计值（截至本周累计人数）" in page and "按周累加（本周完成数）" in page
    report(rw, "v1", 10, sages_visited=5)
    report(rw, "v1", 11, sages_visited=8)
    page = client.get(reverse("rural:greening") + f"?unit={rw['district'].pk}&through=2024-03-31").content.decode()
    assert 'id="sages">8 人' in page
    resp = client.post(reverse("rural:greening"), {"code": "sages_visited", "aggregation": "sum"}, follow=True)
    assert "已有填报数据，不能更改汇总方式" in resp.content.decode()
    client.force_login(rw["op1"])
    page = client.get(reverse("rural:greening") + f"?unit={rw['district'].pk}").content.decode()
    assert 'id="sages"' not in page  # the district is not in a village operator's choices


def test_home_lists_plans_waiting_for_the_town(client, rw):
    p = services.plan_create(actor=rw["op1"], unit=rw["v1"], year=2024, seedlings_planned=5, trees_planned=4)
    services.plan_map_add(actor=rw["op1"], plan=p, upload=upload())
    from countyworks.rural.flows import PLAN

    PLAN.apply(p, "submit", actor=rw["op1"])
    client.force_login(rw["town_a"])
    page = client.get(reverse("rural:home")).content.decode()
    assert 'id="to-approve"' in page and "一村2024年" in page
    client.force_login(rw["town_b"])
    assert 'id="to-approve"' not in client.get(reverse("rural:home")).content.decode()
    client.force_login(rw["investment_op"])
    assert client.get(reverse("rural:home")).status_code == 403


def test_import_pages_and_templates_for_each_rural_register(client, rw):
    client.force_login(rw["manager"])
    for kind in ("greening-reports", "typical-villages", "greening-plans", "points"):
        assert client.get(reverse("core:import", args=[kind])).status_code == 200, kind
        resp = client.get(reverse("core:import_template", args=[kind]))
        assert resp.status_code == 200 and resp.content[:2] == b"PK", kind
    import io

    import openpyxl

    resp = client.get(reverse("core:import_template", args=["greening-reports"]))
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    headers = [str(c.value).lstrip("*") for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert headers[:8] == ["周次", "村(社区)", "已落实苗木(株)", "已植树(株)", "培训人次", "走访乡贤(人)", "参与五带头党员(人)", "座谈会(次)"]


def test_levels_are_configurable_by_the_programme_office(client, rw):
    url = reverse("rural:levels")
    client.force_login(rw["manager"])
    resp = client.post(url, {"name": "市级第二批典型村", "tier": "city", "target": "village", "rank": 35, "active": "on"})
    assert resp.status_code == 302 and DesignationLevel.objects.filter(name="市级第二批典型村").exists()
    resp = client.post(url, {"name": "市级第二批典型村", "tier": "city", "target": "village", "rank": 35})
    assert resp.status_code == 200 and "name" in resp.context["form"].errors
    client.force_login(rw["town_a"])
    assert client.get(url).status_code == 200 and "新增级别批次" not in client.get(url).content.decode()
    resp = client.post(url, {"name": "镇定的级别", "tier": "city", "target": "village", "rank": 1})
    assert resp.status_code == 403 and not DesignationLevel.objects.filter(name="镇定的级别").exists()


class TestTypicalOfficeViews(ViewContract):
    """Designating a typical village and the levels are the district office's (action "manage")."""

    covers = {"rural:typical_create", "rural:levels"}

    def make_world(self):
        t = tree()
        u = people(t)
        return world(
            permitted=u["mgr"], outsider=u["outsider"], own=t["d"],
            pages=[reverse("rural:typical_create"), reverse("rural:levels")],
            writes_tested_by="test_levels_are_configurable_by_the_programme_office",
        )
