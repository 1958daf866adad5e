"""factory-boy factories of the weekly dispatch (周调度), one per model. A submission is a draft
(草稿, the initial state of flows.SUBMISSION) of a unit the form is assigned to."""

from datetime import date, timedelta

import factory

from countyworks.core import clock
from countyworks.core.factories import DistrictFactory, SubdistrictFactory, VillageFactory
from countyworks.core.models import Programme

from .models import Reminder, ReportForm, Submission, Task

FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True},
]
RULES = [
    {"type": "cumulative_lte", "left": "trees_planted", "right": "seedlings_secured",
     "message": "累计已植树不能超过累计已落实苗木"},
]


def this_monday() -> date:
    today = clock.today()
    return today - timedelta(days=today.weekday())


class ReportFormFactory(factory.django.DjangoModelFactory):
    """A weekly form owned by a district; `units=[…]` assigns the reporting units."""

    class Meta:
        model = ReportForm
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"testform{n}")
    name = factory.Sequence(lambda n: f"测试周报表{n}")
    programme = Programme.DISPATCH
    owner = factory.SubFactory(DistrictFactory)
    fields = factory.LazyFunction(lambda: [dict(f) for f in FIELDS])
    rules = factory.LazyFunction(lambda: [dict(r) for r in RULES])
    start_date = factory.LazyFunction(lambda: this_monday() - timedelta(weeks=4))

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.units.set(extracted)


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A draft report of a village of the form's district for this week; the village is added to
    the form's units."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    form = factory.SubFactory(ReportFormFactory)
    unit = factory.SubFactory(VillageFactory, parent=factory.SubFactory(
        SubdistrictFactory, parent=factory.SelfAttribute("...form.owner")))
    week_start = factory.LazyFunction(this_monday)
    figures = factory.LazyFunction(lambda: {"seedlings_secured": 0, "trees_planted": 0})

    @factory.post_generation
    def _assigned(obj, create, extracted, **kwargs):
        if create:
            obj.form.units.add(obj.unit)


class TaskFactory(factory.django.DjangoModelFactory):
    """An open key task (推进中) of a subdistrict."""

    class Meta:
        model = Task

    programme = Programme.DISPATCH
    title = factory.Sequence(lambda n: f"测试重点任务{n}")
    unit = factory.SubFactory(SubdistrictFactory)
    deadline = factory.LazyFunction(lambda: clock.today() + timedelta(days=30))


class ReminderFactory(factory.django.DjangoModelFactory):
    """A 未报送 reminder of a village of the form's district for this week; the village is added
    to the form's units."""

    class Meta:
        model = Reminder
        skip_postgeneration_save = True

    form = factory.SubFactory(ReportFormFactory)
    unit = factory.SubFactory(VillageFactory, parent=factory.SubFactory(
        SubdistrictFactory, parent=factory.SelfAttribute("...form.owner")))
    week_start = factory.LazyFunction(this_monday)
    reason = Reminder.Reason.MISSING
    channels = "站内"

    @factory.post_generation
    def _assigned(obj, create, extracted, **kwargs):
        if create:
            obj.form.units.add(obj.unit)
