"""The investment pages: the generic view contract on each register, and what a user of the
journeys must see — the duplicate warning, a refused status move, the scorecard's points, a
vetoed lead that cannot pass, the statistics."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from countyworks.core.factories import (
    EnterpriseFactory,
    OrgUnitFactory,
    UserFactory,
    org_tree,
    user_with_role,
)
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.core.testing import ViewContract, World
from countyworks.investment import selectors, services
from countyworks.investment.flows import LEAD_FLOW
from countyworks.investment.models import (
    Activity,
    EvalCriterion,
    Lead,
    Project,
    ReviewItem,
    ServiceRequest,
    VetoItem,
)

pytestmark = pytest.mark.django_db

K = OrgUnit.Kind
P = Programme.INVESTMENT
R = RoleKind


def jianghai():
    """江海区 with 礼乐街道, 外海街道, 区投资促进中心 (驻深圳招商办事处 below it) and 江海供电局."""
    t = org_tree("a", "b", "team",
                 names={"district": "江海区", "a": "礼乐街道", "b": "外海街道", "bureau": "区投资促进中心",
                        "team": "驻深圳招商办事处"},
                 codes={"district": "440704000000", "a": "440704003000", "b": "440704002000", "bureau": "JH-B08",
                        "team": "JH-F01"},
                 kinds={"team": K.FIELD_OFFICE})
    return {"district": t.district, "lile": t.a, "waihai": t.b, "tzcj": t.bureau, "shenzhen": t.team,
            "power": OrgUnitFactory(code="JH-B10", name="江海供电局", kind=K.BUREAU, parent=t.district)}


def manager(units):
    return user_with_role(R.MANAGER, P, units["district"], username="tzcj_test")


def make_lead(unit, title="智能装备生产基地项目", enterprise=None, amount=15000):
    return services.lead_create(actor=None, unit=unit, enterprise=enterprise or EnterpriseFactory(), title=title,
                                source=Lead.Source.VISIT, intended_investment=Decimal(amount))


def score_all(lead, evaluator, points=None, vetoes=()):
    """Every criterion scored: `points(criterion)` or its maximum."""
    scores = {c: Decimal(points(c) if points else c.max_points) for c in selectors.criteria_for_form()}
    return services.evaluation_submit(lead=lead, evaluator=evaluator, scores=scores, vetoes=list(vetoes))


def approved_lead(unit, boss, **kwargs):
    lead = make_lead(unit, **kwargs)
    score_all(lead, boss)
    meeting = services.meeting_create(actor=boss, unit=boss.roles.get().unit, date=date(2023, 3, 1), title="准入评审会")
    item = services.meeting_add_lead(meeting=meeting, lead=lead, actor=boss)
    services.review_decide(item=item, decision=ReviewItem.Decision.PASS, actor=boss)
    return lead


def signed_project(unit, boss, *, amount=30000, signed=None, name=None):
    lead = approved_lead(unit, boss, amount=amount)
    return services.project_sign(lead=lead, actor=boss, name=name or f"{lead.enterprise.name}项目",
                                 signed_date=signed or date.today() - timedelta(days=30),
                                 planned_investment=Decimal(amount))


def lead_form(unit, enterprise=None, **overrides):
    data = {"enterprise": enterprise.pk if enterprise else "", "new_name": "", "new_credit_code": "",
            "title": "新材料生产基地项目", "source": Lead.Source.FIELD_OFFICE, "source_unit": "", "unit": unit.pk,
            "industry": "", "intended_investment": "20000", "land_need_mu": "50", "description": ""}
    data.update(overrides)
    return data


# --- the generic contract ------------------------------------------------------------------------------


class TestLeadViews(ViewContract):
    covers = {"investment:lead_list", "investment:lead_detail", "investment:lead_create", "investment:lead_update",
              "investment:lead_check", "investment:pipeline", "investment:lead_scorecard", "investment:lead_move",
              "lead-list", "lead-detail", "core:flow_transition"}

    def make_world(self):
        u = jianghai()
        own, foreign = make_lead(u["lile"], "礼乐电子元件项目"), make_lead(u["waihai"], "外海食品加工项目")
        return World(
            permitted=user_with_role(R.OPERATOR, P, u["lile"]),
            outsider=UserFactory(),
            own=own, foreign=foreign,
            list_url=reverse("investment:lead_list"),
            detail_url=lambda x: reverse("investment:lead_detail", args=[x.pk]),
            create_url=reverse("investment:lead_create"),
            create_data=lead_form(u["lile"], EnterpriseFactory(name="佛山市顺德厨具制造有限公司")),
            update_url=lambda x: reverse("investment:lead_update", args=[x.pk]),
            update_data=lambda x: lead_form(x.unit, title=x.title + "（二期）"),
            list_text=lambda x: x.title,
            model=Lead,
            foreign_create_data=lead_form(u["waihai"], EnterpriseFactory(name="越权登记的企业有限公司")),
            read_only=user_with_role(R.LEADER, P, u["district"]),
            pages=[reverse("investment:lead_check") + "?new_name=礼乐电子元件", reverse("investment:pipeline"),
                   lambda x: reverse("investment:lead_scorecard", args=[x.pk])],
            actions=[(lambda x: reverse("investment:lead_move", args=[x.pk]), {"to": "shelved", "reason": "暂缓"}),
                     (lambda x: reverse("core:flow_transition", args=[LEAD_FLOW.name, x.pk]), {"transition": "follow"})],
            api_list_url=reverse("lead-list"),
            api_detail_url=lambda x: reverse("lead-detail", args=[x.pk]),
        )


    def test_scorecard_and_pipeline_pages_follow_scope(self, client, world):
        client.force_login(world.permitted)
        assert client.get(reverse("investment:lead_scorecard", args=[world.own.pk])).status_code == 200
        assert client.get(reverse("investment:lead_scorecard", args=[world.foreign.pk])).status_code == 404
        page = client.get(reverse("investment:pipeline")).content.decode()
        assert world.own.title in page and world.foreign.title not in page
        client.force_login(world.outsider)
        assert client.get(reverse("investment:pipeline")).status_code == 403


class TestLeadReviewViews(ViewContract):
    """The six-good scorecard is filled in by reviewers (action "review")."""

    covers = {"investment:lead_evaluate"}

    def make_world(self):
        u = jianghai()
        return World(
            permitted=user_with_role(R.REVIEWER, P, u["lile"]),
            outsider=user_with_role(R.OPERATOR, Programme.RURAL, u["lile"]),
            own=make_lead(u["lile"], "礼乐电子元件项目"), foreign=make_lead(u["waihai"], "外海食品加工项目"),
            pages=[lambda x: reverse("investment:lead_evaluate", args=[x.pk])],
            read_only=user_with_role(R.LEADER, P, u["district"]),
            writes_tested_by="test_scorecard_shows_each_criterions_points",
        )


class TestInvestmentOfficeViews(ViewContract):
    """The programme's office pages: statistics, counting rules, targets, the evaluation settings."""

    covers = {"investment:stats", "investment:rules", "investment:target_list", "investment:settings"}

    def make_world(self):
        u = jianghai()
        return World(
            permitted=manager(u),
            outsider=user_with_role(R.MANAGER, Programme.RURAL, u["district"]),
            own=u["district"],
            pages=[reverse("investment:stats"), reverse("investment:rules"), reverse("investment:target_list"),
                   reverse("investment:settings")],
            writes_tested_by="test_district_manager_configures_weights_vetoes_and_industries",
        )


class TestActivityViews(ViewContract):
    covers = {"investment:activity_list", "investment:activity_detail", "investment:activity_create",
              "investment:activity_update", "investment:field_office_stats"}

    def make_world(self):
        u = jianghai()
        own = services.activity_create(actor=None, unit=u["lile"], kind=Activity.Kind.VISIT, date=date(2024, 3, 4),
                                       title="拜访深圳华拓智能", city="深圳")
        foreign = services.activity_create(actor=None, unit=u["waihai"], kind=Activity.Kind.PROMOTION,
                                           date=date(2024, 3, 5), title="外海推介会", city="江门")
        ent = EnterpriseFactory()
        return World(
            permitted=user_with_role(R.OPERATOR, P, u["lile"]),
            outsider=UserFactory(),
            own=own, foreign=foreign,
            list_url=reverse("investment:activity_list"),
            detail_url=lambda x: reverse("investment:activity_detail", args=[x.pk]),
            create_url=reverse("investment:activity_create"),
            create_data={"kind": Activity.Kind.VISIT, "date": "2024-03-07", "title": "拜访联芯电子", "city": "深圳",
                         "unit": u["lile"].pk, "leaders_present": "", "enterprises": [ent.pk], "notes": "了解扩产计划"},
            update_url=lambda x: reverse("investment:activity_update", args=[x.pk]),
            update_data=lambda x: {"kind": x.kind, "date": x.date.isoformat(), "title": x.title + "（补记）",
                                   "city": x.city, "unit": x.unit_id, "leaders_present": "",
                                   "enterprises": [ent.pk], "notes": ""},
            list_text=lambda x: x.title,
            pages=[reverse("investment:field_office_stats")],
        )

    def test_lead_from_activity_is_prefilled_and_linked(self, client):
        u = jianghai()
        officer = user_with_role(R.OPERATOR, P, u["shenzhen"])
        ent = EnterpriseFactory(name="深圳市联芯电子科技有限公司")
        act = services.activity_create(actor=officer, unit=u["shenzhen"], kind=Activity.Kind.VISIT,
                                       date=date(2024, 3, 4), title="拜访联芯电子", enterprises=[ent])
        client.force_login(officer)
        url = reverse("investment:lead_create") + f"?activity={act.pk}&enterprise={ent.pk}"
        form = client.get(url).context["form"]
        assert form.initial["source"] == Lead.Source.FIELD_OFFICE
        assert form.initial["source_unit"] == u["shenzhen"] and form.initial["enterprise"] == ent
        resp = client.post(url, lead_form(u["shenzhen"], ent, source_unit=u["shenzhen"].pk))
        assert resp.status_code == 302
        assert list(act.leads.values_list("enterprise", flat=True)) == [ent.pk]

    def test_field_office_stats_page(self, client):
        u = jianghai()
        officer = user_with_role(R.OPERATOR, P, u["shenzhen"])
        services.activity_create(actor=officer, unit=u["shenzhen"], kind=Activity.Kind.OUTBOUND, date=date(2023, 5, 1),
                                 title="赴深圳招商", enterprises=[EnterpriseFactory(), EnterpriseFactory()])
        client.force_login(officer)
        page = client.get(reverse("investment:field_office_stats")).content.decode()
        assert "驻深圳招商办事处" in page and "2023-01-01" in page
        row = re.search(r"<td>驻深圳招商办事处</td>(.*?)</tr>", page, re.S).group(1)
        assert re.findall(r">(\d+)<", row) == ["1", "1", "2", "0"]
        assert client.get(reverse("investment:field_office_stats") + "?since=2024年1月1日").status_code == 200
        assert client.get(reverse("investment:field_office_stats") + "?since=不是日期").status_code == 200


class TestProjectViews(ViewContract):
    covers = {"investment:project_list", "investment:project_detail", "investment:lead_sign",
              "investment:project_update", "project-list", "project-detail"}

    def make_world(self):
        u = jianghai()
        boss = manager(u)
        own = signed_project(u["lile"], boss, name="礼乐智能家电项目")
        foreign = signed_project(u["waihai"], boss, name="外海新材料项目")
        to_sign = approved_lead(u["lile"], boss)
        officer = user_with_role(R.OPERATOR, P, u["lile"])

        def form(p, **kw):
            data = {"name": p.name, "kind": p.kind, "industry": "", "planned_investment": "32000",
                    "unit": p.unit.pk, "signed_date": p.signed_date.isoformat(), "agreement": p.agreement,
                    "leader": "", "officer": ""}
            data.update(kw)
            return data

        return World(
            permitted=officer,
            outsider=UserFactory(),
            own=own, foreign=foreign,
            list_url=reverse("investment:project_list"),
            detail_url=lambda x: reverse("investment:project_detail", args=[x.pk]),
            create_url=reverse("investment:lead_sign", args=[to_sign.pk]),
            create_data={**form(own, name="礼乐新签约项目", signed_date=date.today().isoformat()),
                         "plan_started": (date.today() + timedelta(days=90)).isoformat()},
            update_url=lambda x: reverse("investment:project_update", args=[x.pk]),
            update_data=lambda x: form(x),
            list_text=lambda x: x.name,
            api_list_url=reverse("project-list"),
            api_detail_url=lambda x: reverse("project-detail", args=[x.pk]),
        )

    def test_overdue_milestone_is_flagged_in_list_and_detail(self, client, world):
        p = world.own
        services.milestone_set(project=p, kind="started", actor=None, planned_date=date.today() - timedelta(days=5))
        client.force_login(world.permitted)
        detail = client.get(world.detail_url(p)).content.decode()
        assert "已逾期 5 天" in detail
        listing = client.get(world.list_url + "?overdue=on").content.decode()
        assert p.name in listing and "逾期 1 项" in listing

    def test_refused_milestone_date_shows_next_to_field(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(world.detail_url(world.own), {"form": "milestone", "kind": "started",
                                                          "actual_date": (date.today() + timedelta(days=3)).isoformat()})
        assert resp.status_code == 200
        assert "实际日期不能晚于今天" in resp.content.decode()
        assert not world.own.milestones.filter(kind="started", actual_date__isnull=False).exists()

    def test_unapproved_lead_cannot_be_signed(self, client, world):
        lead = make_lead(world.own.unit)
        client.force_login(world.permitted)
        resp = client.get(reverse("investment:lead_sign", args=[lead.pk]), follow=True)
        assert "只有准入评审通过" in resp.content.decode()
        assert not Project.objects.filter(lead=lead).exists()


class TestMeetingViews(ViewContract):
    """Holding an admission review needs a reviewer (services.meeting_create: action "review"), so
    the permitted user here is the subdistrict's reviewer; an operator may read the meetings."""

    covers = {"investment:meeting_list", "investment:meeting_detail", "investment:meeting_create",
              "investment:meeting_record"}

    def make_world(self):
        u = jianghai()
        own = services.meeting_create(actor=None, unit=u["lile"], date=date(2024, 3, 8), title="礼乐街道项目评审会")
        foreign = services.meeting_create(actor=None, unit=u["waihai"], date=date(2024, 3, 9), title="外海街道项目评审会")
        return World(
            permitted=user_with_role(R.REVIEWER, P, u["lile"]),
            outsider=user_with_role(R.OPERATOR, Programme.RURAL, u["lile"]),
            own=own, foreign=foreign,
            list_url=reverse("investment:meeting_list"),
            detail_url=lambda x: reverse("investment:meeting_detail", args=[x.pk]),
            create_url=reverse("investment:meeting_create"),
            create_data={"date": "2024-03-15", "title": "江海区招商引资项目准入联席评审会", "place": "301会议室",
                         "unit": u["lile"].pk, "participants": [u["lile"].pk, u["tzcj"].pk], "chair": "王副区长"},
            list_text=lambda x: x.title,
            pages=[lambda x: reverse("investment:meeting_record", args=[x.pk])],
        )

    def test_record_page_is_printable_and_scoped(self, client, world):
        client.force_login(world.permitted)
        page = client.get(reverse("investment:meeting_record", args=[world.own.pk])).content.decode()
        assert "礼乐街道项目评审会议纪要" in page and "@media print" in page
        assert client.get(reverse("investment:meeting_record", args=[world.foreign.pk])).status_code == 404

    def test_operator_reads_but_cannot_decide(self, client, world):
        lile = world.own.unit
        operator = user_with_role(R.OPERATOR, P, lile)
        client.force_login(operator)
        assert client.get(world.detail_url(world.own)).status_code == 200
        assert client.get(world.create_url).status_code == 403


class TestServiceRequestViews(ViewContract):
    covers = {"investment:service_list", "investment:service_detail", "investment:service_create"}

    def make_world(self):
        u = jianghai()
        boss = manager(u)
        own_p, foreign_p = signed_project(u["lile"], boss), signed_project(u["waihai"], boss)
        deadline = date.today() + timedelta(days=10)
        own = services.service_request_create(project=own_p, actor=boss, category="power",
                                              description="临时用电报装800kVA", bureau=u["power"], deadline=deadline)
        foreign = services.service_request_create(project=foreign_p, actor=boss, category="water",
                                                  description="外海项目供水管网接驳", bureau=u["power"], deadline=deadline)
        self.units = u
        return World(
            permitted=user_with_role(R.OPERATOR, P, u["lile"]),
            outsider=UserFactory(),
            own=own, foreign=foreign,
            list_url=reverse("investment:service_list"),
            detail_url=lambda x: reverse("investment:service_detail", args=[x.pk]),
            create_url=reverse("investment:service_create", args=[own_p.pk]),
            create_data={"category": "land", "description": "用地报批", "bureau": u["power"].pk,
                         "deadline": deadline.isoformat()},
            list_text=lambda x: x.description,
        )

    def test_bureau_answers_and_project_side_rates(self, client, world):
        bureau_user = user_with_role(R.OPERATOR, P, self.units["power"])
        client.force_login(bureau_user)
        url = world.detail_url(world.own)
        assert "提交答复" in client.get(url).content.decode()
        assert client.post(url, {"form": "answer", "reply": ""}).content.decode().count("请填写答复内容") >= 1
        assert client.post(url, {"form": "answer", "reply": "已安排上门勘查，7日内接电"}).status_code == 302
        client.force_login(world.permitted)
        assert client.post(url, {"form": "rate", "rating": "5", "comment": "很及时"}).status_code == 302
        sr = ServiceRequest.objects.get(pk=world.own.pk)
        assert (sr.status, sr.rating, sr.reply) == ("closed", 5, "已安排上门勘查，7日内接电")


# --- journeys ---------------------------------------------------------------------------------------------


def test_duplicate_warning_before_second_lead_is_saved(client):
    """Journey 1: the field office types a credit code that is already an open lead of 礼乐街道."""
    u = jianghai()
    ent = EnterpriseFactory(name="深圳市华拓智能装备有限公司")
    existing = make_lead(u["lile"], "华拓智能装备生产基地", enterprise=ent)
    officer = user_with_role(R.OPERATOR, P, u["shenzhen"])
    client.force_login(officer)
    url = reverse("investment:lead_create")
    data = lead_form(u["shenzhen"], new_name="深圳华拓智能装备有限公司", new_credit_code=ent.credit_code.lower())

    resp = client.post(url, data)
    assert resp.status_code == 200
    page = resp.content.decode()
    warning = re.search(r'id="duplicate-warning".*?</ul>', page, re.S).group(0)
    for text in (existing.code, existing.title, "礼乐街道", "新线索", "统一社会信用代码相同"):
        assert text in warning
    assert existing.get_absolute_url() not in page  # another unit's lead is named, not opened
    assert "仍然保存" in page
    assert Lead.objects.count() == 1

    resp = client.post(url, {**data, "confirm_duplicates": "on"})
    assert resp.status_code == 302
    assert Lead.objects.count() == 2
    new = Lead.objects.exclude(pk=existing.pk).get()
    assert new.enterprise == ent and new.unit == u["shenzhen"]  # the registered enterprise is reused


def test_new_enterprise_is_registered_with_the_lead(client):
    import random

    from countyworks.core.identifiers import random_credit_code
    from countyworks.core.models import Enterprise

    u = jianghai()
    user = user_with_role(R.OPERATOR, P, u["lile"])
    client.force_login(user)
    code = random_credit_code(random.Random(3))
    resp = client.post(reverse("investment:lead_create"),
                       lead_form(u["lile"], new_name="江门市新来电子有限公司", new_credit_code=code))
    assert resp.status_code == 302
    assert Lead.objects.get().enterprise == Enterprise.objects.get(credit_code=code)
    bad = client.post(reverse("investment:lead_create"),
                      lead_form(u["lile"], new_name="江门市错码有限公司", new_credit_code=code[:-1] + "0"
                                if code[-1] != "0" else code[:-1] + "1"))
    assert bad.status_code == 200 and "统一社会信用代码" in bad.context["form"].errors["new_credit_code"][0]


def test_live_duplicate_check(client):
    u = jianghai()
    ent = EnterpriseFactory()
    existing = make_lead(u["lile"], enterprise=ent)
    client.force_login(user_with_role(R.OPERATOR, P, u["waihai"]))
    resp = client.get(reverse("investment:lead_check"), {"new_credit_code": ent.credit_code},
                      HTTP_HX_REQUEST="true")
    assert existing.code in resp.content.decode() and "礼乐街道" in resp.content.decode()


def test_refused_status_move_shows_error_and_changes_nothing(client):
    u = jianghai()
    lead = make_lead(u["lile"])
    client.force_login(user_with_role(R.OPERATOR, P, u["lile"]))
    move = reverse("investment:lead_move", args=[lead.pk])

    resp = client.post(move, {"to": "converted", "next": reverse("investment:pipeline")}, follow=True)
    assert "线索不能从“新线索”变为“已签约”" in resp.content.decode()
    resp = client.post(move, {"to": "shelved", "reason": ""})
    assert resp.status_code == 200 and "必须填写原因" in resp.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.status_reason) == ("new", "")

    resp = client.post(move, {"to": "shelved", "reason": "企业暂缓投资计划"})
    assert resp.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.status_reason) == ("shelved", "企业暂缓投资计划")
    # the history of the flow, with who and why, on the lead's page
    page = client.get(lead.get_absolute_url()).content.decode()
    history = page[page.index('id="history-investmentlead"'):]
    assert "新线索 → <strong>搁置</strong>（企业暂缓投资计划）" in history


def test_scorecard_shows_each_criterions_points(client):
    """Journey 2: two evaluators; every point on the page traces to a criterion."""
    u = jianghai()
    boss = manager(u)
    second = user_with_role(R.REVIEWER, P, u["district"], username="zz_expert")
    lead = make_lead(u["lile"])
    criteria = list(EvalCriterion.objects.select_related("dimension"))
    client.force_login(boss)
    form = {f"c{c.pk}": str(c.max_points) for c in criteria}
    resp = client.post(reverse("investment:lead_evaluate", args=[lead.pk]), {**form, "comment": "符合产业方向"})
    assert resp.status_code == 302
    score_all(lead, second, points=lambda c: c.max_points // 2)

    page = client.get(reverse("investment:lead_scorecard", args=[lead.pk])).content.decode()
    rows = re.findall(r'<tr class="criterion-row">(.*?)</tr>', page, re.S)
    assert len(rows) == len(criteria)
    for c, row in zip(criteria, rows, strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        half = c.max_points // 2
        avg = f"{(c.max_points + half) / 2:.1f}"
        assert [x.strip() for x in cells] == [c.text, str(c.max_points), str(c.max_points), str(half), avg]
    card = selectors.lead_scorecard(lead)
    assert f'id="total">{card.total}<' in page and f'id="grade">{card.grade}<' in page
    for d in card.dimensions:
        assert f"得分 {d.score}" in page and f"加权 {d.weighted}" in page


def test_evaluation_form_errors_next_to_the_field(client):
    u = jianghai()
    boss = manager(u)
    lead = make_lead(u["lile"])
    c = EvalCriterion.objects.order_by("dimension__sort_order", "sort_order").first()
    client.force_login(boss)
    data = {f"c{x.pk}": "1" for x in EvalCriterion.objects.all()}
    data[f"c{c.pk}"] = str(c.max_points + 5)
    resp = client.post(reverse("investment:lead_evaluate", args=[lead.pk]), data)
    assert resp.status_code == 200
    assert f"不能超过满分{c.max_points}分" in resp.content.decode()
    assert not lead.evaluations.exists()
    # an operator cannot score
    client.force_login(user_with_role(R.OPERATOR, P, u["lile"]))
    assert client.get(reverse("investment:lead_evaluate", args=[lead.pk])).status_code == 403


def test_vetoed_lead_cannot_pass_the_review(client):
    """Journey 2/3: a veto item stops a lead whatever its score."""
    u = jianghai()
    boss = manager(u)
    lead = make_lead(u["lile"], "高分但触碰红线的项目")
    score_all(lead, boss, vetoes=[VetoItem.objects.get(code="V02")])
    meeting = services.meeting_create(actor=boss, unit=u["district"], date=date(2024, 3, 8), title="准入评审会")
    services.meeting_add_lead(meeting=meeting, lead=lead, actor=boss)
    item = meeting.items.get()
    client.force_login(boss)

    page = client.get(reverse("investment:lead_scorecard", args=[lead.pk])).content.decode()
    assert 'id="veto-banner"' in page and "触碰生态环境保护红线" in page

    resp = client.post(meeting.get_absolute_url(), {"form": "decide", "item": item.pk, "decision": "pass",
                                                    "conditions": "", "notes": ""})
    assert resp.status_code == 200
    assert "该线索触发一票否决（触碰生态环境保护红线），不能通过" in resp.content.decode()
    item.refresh_from_db()
    assert item.decision == ""
    assert not services.lead_is_approved(lead)


def test_review_meeting_journey(client):
    """Journey 3: agenda, decisions with conditions, the record, then signing."""
    u = jianghai()
    boss = manager(u)
    leads = [make_lead(u["lile"], f"项目{i}") for i in range(2)]
    for lead in leads:
        score_all(lead, boss)
    client.force_login(boss)
    resp = client.post(reverse("investment:meeting_create"),
                       {"date": "2024-03-15", "title": "江海区招商引资项目准入联席评审会", "place": "301会议室",
                        "unit": u["district"].pk, "participants": [u["lile"].pk], "chair": "王副区长"})
    meeting_url = resp["Location"]
    for lead in leads:
        assert client.post(meeting_url, {"form": "agenda", "lead": lead.pk}).status_code == 302
    items = list(ReviewItem.objects.order_by("order"))
    resp = client.post(meeting_url, {"form": "decide", "item": items[0].pk, "decision": "conditional", "conditions": ""})
    assert "有条件通过必须写明附加条件" in resp.content.decode()
    client.post(meeting_url, {"form": "decide", "item": items[0].pk, "decision": "conditional",
                              "conditions": "投资强度不低于400万元/亩"})
    client.post(meeting_url, {"form": "decide", "item": items[1].pk, "decision": "defer", "notes": "补充环评"})
    client.post(meeting_url, {"form": "minutes", "minutes": "会议审议了2个项目。", "held": "on"})
    record = client.get(meeting_url + "record/").content.decode()
    for text in ("投资强度不低于400万元/亩", "有条件通过", "暂缓", "会议审议了2个项目。", "王副区长", "礼乐街道"):
        assert text in record
    detail = client.get(leads[0].get_absolute_url()).content.decode()
    assert reverse("investment:lead_sign", args=[leads[0].pk]) in detail
    assert reverse("investment:lead_sign", args=[leads[1].pk]) not in client.get(leads[1].get_absolute_url()).content.decode()


def test_stats_page_shows_the_computed_figures(client):
    u = jianghai()
    boss = manager(u)
    for amount, signed in [(12000, date(2023, 3, 1)), (150000, date(2023, 6, 1)), (5000, date(2023, 7, 1)),
                           (20000, date(2022, 5, 1))]:
        signed_project(u["lile"], boss, amount=amount, signed=signed)
    signed_project(u["waihai"], boss, amount=30000, signed=date(2023, 2, 1))
    client.force_login(boss)
    page = client.get(reverse("investment:stats"), {"year": 2023, "unit": u["district"].pk}).content.decode()
    stats = selectors.investment_stats(year=2023, unit=u["district"], through=date(2023, 12, 31))
    assert stats["projects_100m"] == 3 and stats["projects_1b"] == 1
    assert f'id="projects-100m">{stats["projects_100m"]} 个<' in page
    assert f'id="investment-100m">{stats["investment_100m_yi"]} 亿元<' in page
    assert f'id="projects-1b">{stats["projects_1b"]} 个<' in page
    assert f'同比 +{stats["projects_100m_yoy_pct"]}%' in page
    by_unit = re.search(r'id="by-unit".*?</table>', page, re.S).group(0)
    assert by_unit.index("礼乐街道") < by_unit.index("外海街道")  # ranked
    assert reverse("investment:rules") in page

    # a unit outside the user's scope cannot be chosen
    client.force_login(user_with_role(R.OPERATOR, P, u["waihai"]))
    page = client.get(reverse("investment:stats"), {"year": 2023, "unit": u["lile"].pk}).content.decode()
    assert 'id="headline"' not in page
    page = client.get(reverse("investment:stats"), {"year": 2023}).content.decode()
    assert 'id="projects-100m">1 个<' in page  # defaults to the user's own unit


def test_rules_page_lists_counting_rules(client):
    u = jianghai()
    client.force_login(user_with_role(R.LEADER, P, u["district"]))
    page = client.get(reverse("investment:rules")).content.decode()
    for rule in selectors.COUNTING_RULES:
        assert rule in page


def test_navigation_shows_investment_only_to_its_roles(client):
    u = jianghai()
    client.force_login(user_with_role(R.OPERATOR, P, u["lile"]))
    assert reverse("investment:lead_list") in client.get("/").content.decode()
    client.force_login(user_with_role(R.OPERATOR, Programme.RURAL, u["lile"]))
    assert reverse("investment:lead_list") not in client.get("/").content.decode()


def test_import_links_on_projects_and_targets(client):
    u = jianghai()
    client.force_login(manager(u))
    assert reverse("core:import", args=["projects"]) in client.get(reverse("investment:project_list")).content.decode()
    assert reverse("core:import", args=["targets"]) in client.get(reverse("investment:target_list")).content.decode()


@pytest.mark.django_db
def test_activity_edit_is_scoped_and_audited(client):
    from datetime import date as _date

    from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, user_with_role
    from countyworks.core.models import AuditEntry, Programme, RoleKind
    from countyworks.investment import services as inv

    a, b = OrgUnitFactory(name="编辑甲街道"), OrgUnitFactory(name="编辑乙街道")
    op = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, a)
    act = inv.activity_create(actor=op, unit=a, kind="visit", date=_date(2024, 3, 1), title="拜访甲企业",
                              enterprises=[EnterpriseFactory()])
    other = inv.activity_create(actor=None, unit=b, kind="visit", date=_date(2024, 3, 1), title="乙的活动")
    client.force_login(op)
    assert client.get(f"/investment/activities/{other.pk}/edit/").status_code == 404
    resp = client.post(f"/investment/activities/{act.pk}/edit/", {
        "kind": "visit", "date": "2024-03-02", "title": "拜访甲企业（补记）", "unit": a.pk, "city": "深圳",
        "leaders_present": "", "notes": ""})
    assert resp.status_code == 302
    act.refresh_from_db()
    assert act.title == "拜访甲企业（补记）" and act.enterprises.count() == 0
    entry = AuditEntry.objects.filter(object_id=str(act.pk), action="update").latest("seq")
    assert entry.changes["title"] == ["拜访甲企业", "拜访甲企业（补记）"]


@pytest.mark.django_db
def test_district_manager_configures_weights_vetoes_and_industries(client):
    from countyworks.core.factories import OrgUnitFactory, user_with_role
    from countyworks.core.models import AuditEntry, Industry, OrgUnit, Programme, RoleKind
    from countyworks.investment.models import EvalDimension, VetoItem

    district = OrgUnitFactory(name="配置区", kind=OrgUnit.Kind.DISTRICT)
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    sub_manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, OrgUnitFactory(parent=district))
    operator = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, district)
    dim = EvalDimension.objects.get(code="project")
    client.force_login(operator)
    assert client.get("/investment/settings/").status_code == 403
    client.force_login(manager)
    page = client.get("/investment/settings/").content.decode()
    assert "好项目" in page and "触碰生态环境保护红线" in page and "安全应急产业" in page
    data = {"section": "evaluation", f"weight_{dim.pk}": "30", "new_veto": "高耗能高排放且无减排方案"}
    for v in VetoItem.objects.all():
        data[f"veto_text_{v.pk}"] = v.text
        data[f"veto_active_{v.pk}"] = "on"
    client.post("/investment/settings/", data)
    dim.refresh_from_db()
    assert dim.weight == 30 and VetoItem.objects.filter(text="高耗能高排放且无减排方案").exists()
    assert AuditEntry.objects.filter(object_type="investment.evaldimension", changes__weight=["25.00", "30"]).exists()
    resp = client.post("/investment/settings/", {"section": "evaluation", f"weight_{dim.pk}": "-1"}, follow=True)
    assert "权重应在0～100之间" in resp.content.decode()
    client.post("/investment/settings/", {"section": "industries", "new_name": "低空经济", "new_tier": "leading"})
    assert Industry.objects.get(name="低空经济").tier == "leading"
    client.force_login(sub_manager)
    resp = client.post("/investment/settings/", {"section": "industries", "new_name": "另一个"}, follow=True)
    assert "只有区级" in resp.content.decode() and not Industry.objects.filter(name="另一个").exists()


def test_project_list_shows_overdue_milestones_and_sorts_by_them(client, settings):
    """The count comes from the shown projects' milestones (no subquery over the whole filter),
    the same rule as the cockpit and the bulletin; sorting by it still works."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from countyworks.investment.models import Milestone
    from countyworks.investment.tests.conftest import make_project

    settings.COUNTYWORKS_TODAY = "2024-03-29"
    u = jianghai()
    late = make_project(u["lile"], 20000, date(2024, 1, 5), name="甲级迟滞测试工程")
    make_project(u["lile"], 30000, date(2024, 1, 6), name="乙级如期测试工程")
    Milestone.objects.create(project=late, kind="started", planned_date=date(2024, 2, 1))
    client.force_login(user_with_role(R.OPERATOR, P, u["lile"]))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("investment:project_list")).content.decode()
    rows = {name: next(r for r in page.split("<tr") if name in r) for name in ("甲级迟滞测试工程", "乙级如期测试工程")}
    assert "逾期 1 项" in rows["甲级迟滞测试工程"] and not re.search(r"逾期 \d+ 项", rows["乙级如期测试工程"])
    assert not any("investment_milestone" in q["sql"] and "COUNT(" in q["sql"] for q in ctx.captured_queries)
    sorted_page = client.get(reverse("investment:project_list") + "?sort=-overdue_count").content.decode()
    assert sorted_page.index("甲级迟滞测试工程") < sorted_page.index("乙级如期测试工程")
    assert "逾期 1 项" in sorted_page


def test_signing_form_has_no_default_date(client):
    """Signing is irreversible: the date is typed from the agreement, never pre-filled with today."""
    u = jianghai()
    boss = manager(u)
    lead = approved_lead(u["lile"], boss)
    client.force_login(boss)
    resp = client.get(reverse("investment:lead_sign", args=[lead.pk]))
    assert resp.status_code == 200
    form = resp.context["form"]
    assert not form["signed_date"].value()
    resp = client.post(reverse("investment:lead_sign", args=[lead.pk]),
                       {"name": lead.title, "planned_investment": "30000", "kind": "new", "agreement": "investment",
                        "unit": lead.unit_id, "leader": "", "officer": "", "signed_date": ""})
    assert resp.status_code == 200 and "signed_date" in resp.context["form"].errors
    assert not Project.objects.filter(lead=lead).exists()
