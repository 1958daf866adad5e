"""factory-boy factories of rural revitalisation (百千万工程), one per model. Everything lies in a
village (村) under a subdistrict; a greening plan is a draft (草稿, the initial state of
flows.PLAN); a points entry is an earning by one of the village's rules, as points_earn writes it."""

from datetime import timedelta
from decimal import Decimal

import factory

from countyworks.core import clock
from countyworks.core.factories import SubdistrictFactory, VillageFactory

from .models import (
    CampaignEvent,
    CultivationTask,
    Designation,
    DesignationLevel,
    EventSpecies,
    GreeningPlan,
    MaintenanceGrid,
    PointEntry,
    PointRule,
    UpkeepCheck,
    Villager,
    mask_phone,
)


def _today():
    return clock.today()


class DesignationLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DesignationLevel

    name = factory.Sequence(lambda n: f"测试级别第{n}批典型村")
    tier = "district"
    target = DesignationLevel.Target.VILLAGE
    rank = factory.Sequence(lambda n: 50 + n % 100)


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation

    unit = factory.SubFactory(VillageFactory)
    level = factory.SubFactory(DesignationLevelFactory)
    year = factory.LazyFunction(lambda: clock.today().year)
    designated_on = factory.LazyFunction(_today)


class CultivationTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CultivationTask

    designation = factory.SubFactory(DesignationFactory)
    title = factory.Sequence(lambda n: f"测试培育任务{n}")
    indicator = "村道绿化(公里)"
    target = Decimal("10")
    progress = Decimal("0")
    deadline = factory.LazyFunction(lambda: clock.today() + timedelta(days=90))
    leader = "张三"


class GreeningPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan of a village for this year: trees planned within the seedlings planned."""

    class Meta:
        model = GreeningPlan

    unit = factory.SubFactory(VillageFactory)
    year = factory.LazyFunction(lambda: clock.today().year)
    seedlings_planned = 1000
    trees_planned = 800
    species = "樟树、紫荆"


class MaintenanceGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceGrid

    unit = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")
    party_member = "李四"
    trees_in_care = 200


class UpkeepCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UpkeepCheck

    grid = factory.SubFactory(MaintenanceGridFactory)
    date = factory.LazyFunction(_today)
    watered = 50
    replanted = 2
    lost = 1


class CampaignEventFactory(factory.django.DjangoModelFactory):
    """A planting event organised by a subdistrict in one of its villages, not linked to a report."""

    class Meta:
        model = CampaignEvent

    title = factory.Sequence(lambda n: f"测试植树活动{n}")
    organiser = factory.SubFactory(SubdistrictFactory)
    unit = factory.SubFactory(VillageFactory, parent=factory.SelfAttribute("..organiser"))
    place = "村口公园"
    date = factory.LazyFunction(_today)
    volunteers = 30


class EventSpeciesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSpecies

    event = factory.SubFactory(CampaignEventFactory)
    species = factory.Sequence(lambda n: f"测试树种{n}")
    trees = 50


class VillagerFactory(factory.django.DjangoModelFactory):
    """A villager; only the masked phone is stored, as villager_create does."""

    class Meta:
        model = Villager

    unit = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"村民{n}")
    phone_masked = factory.Sequence(lambda n: mask_phone(f"139{n % 10**8:08d}"))


class PointRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointRule

    unit = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"植树积分{n}")
    activity = PointRule.Activity.PLANTING
    points = 1


class PointEntryFactory(factory.django.DjangoModelFactory):
    """An earning by a rule of the villager's own village: points = the rule's points × quantity."""

    class Meta:
        model = PointEntry

    villager = factory.SubFactory(VillagerFactory)
    date = factory.LazyFunction(_today)
    kind = PointEntry.Kind.EARN
    rule = factory.SubFactory(PointRuleFactory, unit=factory.SelfAttribute("..villager.unit"))
    quantity = 10
    points = factory.LazyAttribute(lambda o: o.rule.points * o.quantity)
    reason = factory.LazyAttribute(lambda o: f"{o.rule.name}×{o.quantity}")
