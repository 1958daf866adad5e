"""factory-boy factories of the investment programme (招商引资), one per model. Leads, service
requests and the rest of the flowed records are made in their flow's initial state (新线索,
待办理); codes use their own prefixes (TL, T) so they never meet the services' XS/XM numbering."""

from datetime import timedelta
from decimal import Decimal

import factory

from countyworks.core import clock
from countyworks.core.factories import (
    BureauFactory,
    EnterpriseFactory,
    SubdistrictFactory,
    UserFactory,
)

from .models import (
    Activity,
    EvalCriterion,
    EvalDimension,
    Evaluation,
    EvaluationScore,
    Lead,
    Milestone,
    Project,
    ReviewItem,
    ReviewMeeting,
    ServiceRequest,
    VetoItem,
)


def _today():
    return clock.today()


class LeadFactory(factory.django.DjangoModelFactory):
    """A new lead (status 新线索, the initial state of flows.LEAD) followed up by a subdistrict."""

    class Meta:
        model = Lead

    code = factory.Sequence(lambda n: f"TL{n:06d}")
    title = factory.Sequence(lambda n: f"测试意向项目{n}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    source = Lead.Source.VISIT
    unit = factory.SubFactory(SubdistrictFactory)
    intended_investment = Decimal("5000")
    registered_on = factory.LazyFunction(_today)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    kind = Activity.Kind.VISIT
    date = factory.LazyFunction(_today)
    title = factory.Sequence(lambda n: f"测试招商活动{n}")
    city = "深圳"
    unit = factory.SubFactory(SubdistrictFactory)

    @factory.post_generation
    def enterprises(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.enterprises.set(extracted)

    @factory.post_generation
    def leads(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.leads.set(extracted)


class EvalDimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvalDimension

    code = factory.Sequence(lambda n: f"tdim{n}")
    name = factory.Sequence(lambda n: f"测试维度{n}")
    weight = Decimal("10")
    sort_order = factory.Sequence(lambda n: 100 + n)


class EvalCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvalCriterion

    dimension = factory.SubFactory(EvalDimensionFactory)
    text = factory.Sequence(lambda n: f"测试评分标准{n}")
    max_points = 10
    sort_order = factory.Sequence(lambda n: n)


class VetoItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VetoItem

    code = factory.Sequence(lambda n: f"TV{n:04d}")
    text = factory.Sequence(lambda n: f"测试否决事项{n}")


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    lead = factory.SubFactory(LeadFactory)
    evaluator = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(_today)
    comment = "符合产业导向"


class EvaluationScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationScore

    evaluation = factory.SubFactory(EvaluationFactory)
    criterion = factory.SubFactory(EvalCriterionFactory)
    points = Decimal("8")


class ReviewMeetingFactory(factory.django.DjangoModelFactory):
    """A meeting not yet held (held=False)."""

    class Meta:
        model = ReviewMeeting

    date = factory.LazyFunction(_today)
    title = factory.Sequence(lambda n: f"测试项目准入联席评审会第{n}次")
    place = "区政府会议室"
    unit = factory.SubFactory(SubdistrictFactory)


class ReviewItemFactory(factory.django.DjangoModelFactory):
    """An agenda item without a decision yet; its lead is followed by the meeting's unit."""

    class Meta:
        model = ReviewItem

    meeting = factory.SubFactory(ReviewMeetingFactory)
    lead = factory.SubFactory(LeadFactory, unit=factory.SelfAttribute("..meeting.unit"))
    order = factory.Sequence(lambda n: n % 100)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A signed project of a subdistrict. `signed_milestone=True` also records its 签约 node
    (planned and actual on the signing date), as project_sign does."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"项目{n}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Project.Kind.NEW
    planned_investment = Decimal("10000")
    unit = factory.SubFactory(SubdistrictFactory)
    signed_date = factory.LazyFunction(_today)

    @factory.post_generation
    def signed_milestone(obj, create, extracted, **kwargs):
        if create and extracted:
            Milestone.objects.create(project=obj, kind=Milestone.Kind.SIGNED, actual_date=obj.signed_date,
                                     planned_date=obj.signed_date)


class MilestoneFactory(factory.django.DjangoModelFactory):
    """A planned, not yet reached node (the 签约 node is ProjectFactory(signed_milestone=True)'s)."""

    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    kind = Milestone.Kind.REGISTERED
    planned_date = factory.LazyAttribute(lambda o: o.project.signed_date + timedelta(days=30))


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    """An open request (待办理, the initial state of flows.SERVICE) routed to a bureau of the
    project's district."""

    class Meta:
        model = ServiceRequest

    project = factory.SubFactory(ProjectFactory)
    category = ServiceRequest.Category.POWER
    description = factory.Sequence(lambda n: f"测试用电诉求{n}")
    bureau = factory.SubFactory(BureauFactory, parent=factory.SelfAttribute("..project.unit.parent"))
    deadline = factory.LazyFunction(lambda: clock.today() + timedelta(days=15))

