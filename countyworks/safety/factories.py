"""factory-boy factories of the safety inspections (安全生产检查), one per model. The tree is the
programme's: a campaign led by a bureau, its teams (工作组) under that bureau, objects in a
village; an inspection uses the object's category's checklist; a hazard is 发现 (the initial state
of workflows.HAZARD) in the object's area; an extension request is pending."""

from datetime import timedelta

import factory
from django.db.models import Max

from countyworks.core import clock
from countyworks.core.factories import BureauFactory, TeamFactory, UserFactory, VillageFactory

from .models import (
    Campaign,
    CampaignTeam,
    Checklist,
    ChecklistItem,
    Hazard,
    HazardExtension,
    InspectedObject,
    Inspection,
    InspectionResult,
    ObjectCategory,
)


def _today():
    return clock.today()


def _next(queryset, field):
    return (queryset.aggregate(m=Max(field))["m"] or 0) + 1


def _assign(campaign, team, obj):
    """Put the team on the campaign (if not yet) with the object assigned to it."""
    assignment, _ = CampaignTeam.objects.get_or_create(campaign=campaign, team=team)
    assignment.assigned_objects.add(obj)


class ObjectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObjectCategory

    code = factory.Sequence(lambda n: f"test_category_{n}")
    name = factory.Sequence(lambda n: f"测试检查对象类别{n}")
    sort_order = factory.Sequence(lambda n: 500 + n)


class ChecklistFactory(factory.django.DjangoModelFactory):
    """The category's next version."""

    class Meta:
        model = Checklist

    category = factory.SubFactory(ObjectCategoryFactory)
    version = factory.LazyAttribute(lambda o: _next(Checklist.objects.filter(category=o.category), "version"))
    note = "测试版本"


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    """The checklist's next item."""

    class Meta:
        model = ChecklistItem

    checklist = factory.SubFactory(ChecklistFactory)
    seq = factory.LazyAttribute(lambda o: _next(ChecklistItem.objects.filter(checklist=o.checklist), "seq"))
    text = factory.Sequence(lambda n: f"测试检查内容{n}")
    basis = "《安全生产法》"


class CampaignFactory(factory.django.DjangoModelFactory):
    """A (non-routine) campaign led by a bureau, running from a week ago for a month;
    `categories=[…]` sets the categories it checks."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试安全大检查{n}")
    lead_bureau = factory.SubFactory(BureauFactory)
    start = factory.LazyFunction(lambda: clock.today() - timedelta(days=7))
    end = factory.LazyFunction(lambda: clock.today() + timedelta(days=30))

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.categories.set(extracted)


class CampaignTeamFactory(factory.django.DjangoModelFactory):
    """A team of the lead bureau in the campaign; `areas=[…]`, `members=[…]` and
    `assigned_objects=[…]` set what it covers."""

    class Meta:
        model = CampaignTeam
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    team = factory.SubFactory(TeamFactory, parent=factory.SelfAttribute("..campaign.lead_bureau"))

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.areas.set(extracted)

    @factory.post_generation
    def assigned_objects(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.assigned_objects.set(extracted)


class InspectedObjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectedObject

    name = factory.Sequence(lambda n: f"测试电动自行车停放点{n}")
    category = factory.SubFactory(ObjectCategoryFactory)
    unit = factory.SubFactory(VillageFactory)
    address = "测试路1号"
    contact_name = "王经理"


class InspectionFactory(factory.django.DjangoModelFactory):
    """An inspection by a team of the campaign's lead bureau, with the object's category's
    checklist; the team is put on the campaign with the object assigned to it."""

    class Meta:
        model = Inspection
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    team = factory.SubFactory(TeamFactory, parent=factory.SelfAttribute("..campaign.lead_bureau"))
    object = factory.SubFactory(InspectedObjectFactory)
    checklist = factory.SubFactory(ChecklistFactory, category=factory.SelfAttribute("..object.category"))
    date = factory.LazyFunction(_today)
    inspectors = "张三、李四"

    @factory.post_generation
    def _assigned(obj, create, extracted, **kwargs):
        if create:
            _assign(obj.campaign, obj.team, obj.object)


class InspectionResultFactory(factory.django.DjangoModelFactory):
    """A 符合 result for an item of the inspection's own checklist."""

    class Meta:
        model = InspectionResult

    inspection = factory.SubFactory(InspectionFactory)
    item = factory.SubFactory(ChecklistItemFactory, checklist=factory.SelfAttribute("..inspection.checklist"))
    result = InspectionResult.Result.PASS


class HazardFactory(factory.django.DjangoModelFactory):
    """A general hazard found today in the object's area, to be rectified in 15 days, by a team
    put on the campaign with the object assigned to it."""

    class Meta:
        model = Hazard
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TH{n:06d}")
    campaign = factory.SubFactory(CampaignFactory)
    team = factory.SubFactory(TeamFactory, parent=factory.SelfAttribute("..campaign.lead_bureau"))
    object = factory.SubFactory(InspectedObjectFactory)
    unit = factory.SelfAttribute("object.unit")
    level = Hazard.Level.GENERAL
    description = factory.Sequence(lambda n: f"测试隐患{n}：消防通道堵塞")
    responsible = "物业服务中心"
    requirement = "立即清理"
    found_on = factory.LazyFunction(_today)
    deadline = factory.LazyAttribute(lambda o: o.found_on + timedelta(days=15))

    @factory.post_generation
    def _assigned(obj, create, extracted, **kwargs):
        if create:
            _assign(obj.campaign, obj.team, obj.object)


class HazardExtensionFactory(factory.django.DjangoModelFactory):
    """A pending request to move the hazard's deadline by 15 days."""

    class Meta:
        model = HazardExtension

    hazard = factory.SubFactory(HazardFactory)
    old_deadline = factory.SelfAttribute("hazard.deadline")
    new_deadline = factory.LazyAttribute(lambda o: o.old_deadline + timedelta(days=15))
    reason = "材料未到货"
    requested_by = factory.SubFactory(UserFactory)
    requested_on = factory.LazyFunction(_today)
