"""Lead status flow, six-good evaluation with veto, admission review, signing, milestones and
service requests — through the services, as every interface uses them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.factories import EnterpriseFactory, user_with_role
from countyworks.core.models import AuditEntry, Programme, RoleKind
from countyworks.investment import services as svc
from countyworks.investment.models import EvalCriterion, Lead, Milestone, ReviewItem, ServiceRequest, VetoItem
from countyworks.investment.selectors import lead_duplicates, lead_scorecard

S = Lead.Status


@pytest.fixture
def operator_a(tree):
    return user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["a"])


def new_lead(unit, actor=None, enterprise=None):
    return svc.lead_create(actor=actor, unit=unit, enterprise=enterprise or EnterpriseFactory(), title="测试项目",
                           source=Lead.Source.VISIT, intended_investment=Decimal(20000))


def full_scores(fraction):
    return {c: round(c.max_points * fraction) for c in EvalCriterion.objects.all()}


def scored(lead, evaluators, fraction=0.8, veto=None):
    for i, ev in enumerate(evaluators):
        svc.evaluation_submit(lead=lead, evaluator=ev, scores=full_scores(fraction),
                              vetoes=[veto] if veto and i == 0 else [])
    return lead


@pytest.fixture
def evaluators(tree):
    return [user_with_role(RoleKind.REVIEWER, Programme.INVESTMENT, tree["district"]) for _ in range(2)]


@pytest.mark.django_db
class TestLeadFlow:
    allowed = [(S.NEW, S.FOLLOWING), (S.NEW, S.SHELVED), (S.NEW, S.LOST), (S.FOLLOWING, S.EVALUATING),
               (S.FOLLOWING, S.SHELVED), (S.FOLLOWING, S.LOST), (S.EVALUATING, S.FOLLOWING),
               (S.SHELVED, S.FOLLOWING)]
    refused = [(S.NEW, S.EVALUATING), (S.NEW, S.IN_REVIEW), (S.NEW, S.CONVERTED), (S.FOLLOWING, S.IN_REVIEW),
               (S.FOLLOWING, S.CONVERTED), (S.EVALUATING, S.CONVERTED), (S.LOST, S.FOLLOWING),
               (S.SHELVED, S.EVALUATING)]

    @pytest.mark.parametrize("start,to", allowed)
    def test_allowed_moves(self, tree, operator_a, start, to):
        lead = new_lead(tree["a"], operator_a)
        Lead.objects.filter(pk=lead.pk).update(status=start)
        svc.lead_transition(lead=lead, to=to, actor=operator_a, reason="原因")
        lead.refresh_from_db()
        assert lead.status == to
        assert AuditEntry.objects.filter(object_id=str(lead.pk), action="update", changes__status=[start, to]).exists()

    @pytest.mark.parametrize("start,to", refused)
    def test_refused_moves(self, tree, operator_a, start, to):
        lead = new_lead(tree["a"], operator_a)
        Lead.objects.filter(pk=lead.pk).update(status=start)
        with pytest.raises(ValidationError, match="不能从"):
            svc.lead_transition(lead=lead, to=to, actor=operator_a, reason="原因")
        lead.refresh_from_db()
        assert lead.status == start

    def test_lost_needs_a_reason(self, tree, operator_a):
        lead = new_lead(tree["a"], operator_a)
        with pytest.raises(ValidationError, match="必须填写原因"):
            svc.lead_transition(lead=lead, to=S.LOST, actor=operator_a, reason=" ")
        svc.lead_transition(lead=lead, to=S.LOST, actor=operator_a, reason="企业选择外地")
        lead.refresh_from_db()
        assert lead.status_reason == "企业选择外地"

    def test_operator_cannot_touch_another_subdistricts_lead(self, tree, operator_a):
        lead = new_lead(tree["b"])
        with pytest.raises(PermissionDenied):
            svc.lead_transition(lead=lead, to=S.FOLLOWING, actor=operator_a)
        with pytest.raises(PermissionDenied):
            new_lead(tree["b"], operator_a)

    def test_subdistrict_operator_never_sees_another_subdistricts_leads(self, tree, operator_a):
        mine, theirs = new_lead(tree["va"]), new_lead(tree["b"])
        visible = set(Lead.objects.visible_to(operator_a))
        assert mine in visible and theirs not in visible


@pytest.mark.django_db
def test_duplicate_detection_by_credit_code_and_near_name(tree):
    ent = EnterpriseFactory(name="江门市鹏瑞智能家电有限公司")
    lead = new_lead(tree["b"], enterprise=ent)
    by_code = lead_duplicates(credit_code=ent.credit_code.lower())
    assert [(x.pk, why) for x, why in by_code] == [(lead.pk, "统一社会信用代码相同")]
    by_name = lead_duplicates(name="鹏瑞智能家电（江门）有限公司")
    assert [x.pk for x, _ in by_name] == [lead.pk]
    assert lead_duplicates(name="完全不同的食品公司") == []
    svc.lead_transition(lead=lead, to=S.LOST, actor=None, reason="x")
    assert lead_duplicates(credit_code=ent.credit_code) == []  # only open leads warn


@pytest.mark.django_db
class TestEvaluationAndReview:
    def test_scorecard_traces_points_and_averages_evaluators(self, tree, evaluators):
        lead = new_lead(tree["a"])
        crit = EvalCriterion.objects.first()
        scores_a = full_scores(1.0)
        scores_b = full_scores(1.0)
        scores_b[crit] = 0
        svc.evaluation_submit(lead=lead, evaluator=evaluators[0], scores=scores_a)
        svc.evaluation_submit(lead=lead, evaluator=evaluators[1], scores=scores_b)
        card = lead_scorecard(lead)
        line = next(ln for d in card.dimensions for ln in d.lines if ln[0] == crit)
        assert line[1] == [crit.max_points, 0] and line[2] == crit.max_points / 2
        assert 90 < card.total < 100 and card.grade == "A" and not card.vetoed
        lead.refresh_from_db()
        assert lead.status == S.EVALUATING

    def test_missing_or_excess_points_refused(self, tree, evaluators):
        lead = new_lead(tree["a"])
        scores = full_scores(1.0)
        crit = next(iter(scores))
        scores[crit] = crit.max_points + 1
        with pytest.raises(ValidationError, match="之间"):
            svc.evaluation_submit(lead=lead, evaluator=evaluators[0], scores=scores)
        scores.pop(crit)
        with pytest.raises(ValidationError, match="未评分"):
            svc.evaluation_submit(lead=lead, evaluator=evaluators[0], scores=scores)

    def test_veto_fails_a_high_scoring_lead(self, tree, evaluators, manager):
        lead = scored(new_lead(tree["a"]), evaluators, fraction=1.0, veto=VetoItem.objects.get(code="V02"))
        card = lead_scorecard(lead)
        assert card.vetoed and card.grade == "否决" and card.total == 100.0
        meeting = svc.meeting_create(actor=manager, unit=tree["district"], date=date(2024, 3, 20), title="评审会")
        item = svc.meeting_add_lead(meeting=meeting, lead=lead, actor=manager)
        for decision in (ReviewItem.Decision.PASS, ReviewItem.Decision.CONDITIONAL):
            with pytest.raises(ValidationError, match="一票否决"):
                svc.review_decide(item=item, decision=decision, actor=manager, conditions="条件")
        svc.review_decide(item=item, decision=ReviewItem.Decision.REJECT, actor=manager)
        lead.refresh_from_db()
        assert lead.status == S.LOST

    def test_only_approved_leads_can_be_signed(self, tree, evaluators, manager):
        lead = scored(new_lead(tree["a"]), evaluators)
        with pytest.raises(ValidationError, match="评审通过"):
            svc.project_sign(lead=lead, actor=manager, name="项目", signed_date=date(2024, 3, 25),
                             planned_investment=Decimal(20000))
        meeting = svc.meeting_create(actor=manager, unit=tree["district"], date=date(2024, 3, 20), title="评审会")
        item = svc.meeting_add_lead(meeting=meeting, lead=lead, actor=manager)
        with pytest.raises(ValidationError, match="附加条件"):
            svc.review_decide(item=item, decision=ReviewItem.Decision.CONDITIONAL, actor=manager)
        svc.review_decide(item=item, decision=ReviewItem.Decision.CONDITIONAL, actor=manager, conditions="亩均税收≥30万")
        project = svc.project_sign(lead=lead, actor=manager, name="项目", signed_date=date(2024, 3, 25),
                                   planned_investment=Decimal(20000),
                                   milestone_plan={Milestone.Kind.STARTED: date(2024, 6, 1)})
        lead.refresh_from_db()
        assert lead.status == S.CONVERTED and project.unit == tree["a"]
        assert project.milestones.get(kind="signed").actual_date == date(2024, 3, 25)
        assert project.milestones.get(kind="started").planned_date == date(2024, 6, 1)
        with pytest.raises(ValidationError, match="已签约"):
            svc.project_sign(lead=lead, actor=manager, name="项目2", signed_date=date(2024, 3, 25),
                             planned_investment=Decimal(20000))

    def test_unscored_lead_cannot_go_to_review(self, tree, manager, operator_a):
        lead = new_lead(tree["a"])
        svc.lead_transition(lead=lead, to=S.FOLLOWING, actor=operator_a)
        svc.lead_transition(lead=lead, to=S.EVALUATING, actor=operator_a)
        meeting = svc.meeting_create(actor=manager, unit=tree["district"], date=date(2024, 3, 20), title="评审会")
        with pytest.raises(ValidationError, match="尚无六好评价"):
            svc.meeting_add_lead(meeting=meeting, lead=lead, actor=manager)


@pytest.mark.django_db
class TestMilestonesAndServiceRequests:
    def test_milestone_order_and_future_dates(self, tree, manager):
        from .conftest import make_project

        p = make_project(tree["a"], 20000, date(2024, 1, 10))
        with pytest.raises(ValidationError, match="不能早于签约"):
            svc.milestone_set(project=p, kind="started", actual_date=date(2024, 1, 1), actor=manager)
        with pytest.raises(ValidationError, match="不能晚于今天"):
            svc.milestone_set(project=p, kind="started", actual_date=date.today() + timedelta(days=1), actor=manager)
        svc.milestone_set(project=p, kind="started", actual_date=date(2024, 2, 1), actor=manager)
        assert AuditEntry.objects.filter(object_id=str(p.pk), changes__has_key="started.actual_date").exists()

    def test_service_request_routed_answered_rated(self, tree, operator_a):
        from .conftest import make_project

        p = make_project(tree["a"], 20000, date(2024, 1, 10))
        bureau_user = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["bureau"])
        sr = svc.service_request_create(project=p, actor=operator_a, category="power", description="需增容用电",
                                        bureau=tree["bureau"], deadline=date.today() + timedelta(days=10))
        assert ServiceRequest.objects.visible_to(bureau_user).filter(pk=sr.pk).exists()
        # the bureau's people are told in their bell (with the link); the requesting side and
        # district-wide managers are not
        from countyworks.core.models import Notification

        note = Notification.objects.get(user=bureau_user)
        assert "新的企业服务诉求待办理" in note.text and note.url == sr.get_absolute_url()
        assert not Notification.objects.filter(user=operator_a).exists()
        with pytest.raises(PermissionDenied):
            svc.service_request_answer(request=sr, actor=operator_a, reply="自己答复")
        with pytest.raises(ValidationError, match="答复后"):
            svc.service_request_rate(request=sr, actor=operator_a, rating=5)
        svc.service_request_answer(request=sr, actor=bureau_user, reply="已安排专线，两周内完成增容")
        svc.service_request_rate(request=sr, actor=operator_a, rating=5, comment="满意")
        sr.refresh_from_db()
        assert sr.status == ServiceRequest.Status.CLOSED and sr.rating == 5


@pytest.mark.django_db
def test_planned_milestones_keep_their_order(tree, manager):
    from .conftest import make_project

    p = make_project(tree["a"], 20000, date(2024, 1, 10))
    with pytest.raises(ValidationError, match="不能早于签约日期"):
        svc.milestone_set(project=p, kind="started", planned_date=date(2024, 1, 1), actor=manager)
    svc.milestone_set(project=p, kind="land", planned_date=date(2024, 4, 1), actor=manager)
    with pytest.raises(ValidationError, match="不能早于计划供地日期"):
        svc.milestone_set(project=p, kind="started", planned_date=date(2024, 3, 1), actor=manager)
    svc.milestone_set(project=p, kind="started", planned_date=date(2024, 5, 1), actor=manager)
    assert p.milestones.get(kind="started").planned_date == date(2024, 5, 1)
