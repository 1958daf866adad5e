"""factory-boy factories of the households programme (防止返贫监测), one per model.

Every record holding personal information is made the way the app makes it: through its service
(services.household_create, member_add, income_set, risk_add, …), which validates the values,
encrypts the protected fields, writes the blind indexes and the audit entry. So each factory's
`_create` calls the service with an `actor` (by default a manager of the programme over the
household's village) and returns what it returns; `build()` is refused, since an unsaved
household would lack what only the service writes. A household lies in a village (村) under a
subdistrict; procedures are made in their initial state (识别程序 待入户核实, 风险消除 拟消除).
ID numbers are valid (MOD 11-2) and drawn from factory sequences, never a module-level Random."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from countyworks.core import clock
from countyworks.core.factories import VillageFactory, user_with_role
from countyworks.core.identifiers import make_id_number
from countyworks.core.models import Programme, RoleKind

from .models import (
    Elimination,
    Household,
    Identification,
    IncomeRecord,
    Measure,
    Member,
    MonitoringLine,
    RiskFactor,
    Visit,
)

P = Programme.HOUSEHOLDS


def id_number(n, region="440704"):
    """The n-th ID number of a region: birth dates from 1960-01-01 one day apart, then the
    sequence code — distinct for every n below twenty million, birth never after 2014."""
    birth = date(1960, 1, 1) + timedelta(days=n % 20000)
    return make_id_number(f"{region}{birth:%Y%m%d}{1 + (n // 20000) % 999:03d}")


class IdNumberFactory(factory.DictFactory):
    """Fresh ID numbers for tests that need a bare one: IdNumberFactory()["id_number"]. Region
    440705, so they never meet the heads' (440704) or members' (440703) numbers."""

    id_number = factory.Sequence(lambda n: id_number(n, region="440705"))


def new_id_number():
    return IdNumberFactory()["id_number"]


def household_actor(unit):
    """A manager of the households programme over `unit`: may change and manage it."""
    return user_with_role(RoleKind.MANAGER, P, unit)


class _ServiceFactory(factory.django.DjangoModelFactory):
    """Made only through a service: subclasses define `_make(actor, **kwargs)` and the actor used
    when none is given, `_default_actor(**kwargs)`."""

    class Meta:
        abstract = True

    actor = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError(f"{cls.__name__} makes records through the households services: use create()")

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs):
        return cls._make(actor or cls._default_actor(**kwargs), **kwargs)

    @classmethod
    def _default_actor(cls, **kwargs):
        return None


class HouseholdFactory(_ServiceFactory):
    """services.household_create: the household and its head as first member (the head's ID
    number is `head_id_number`)."""

    class Meta:
        model = Household

    unit = factory.SubFactory(VillageFactory)
    head_name = factory.Sequence(lambda n: f"户主{n}")
    head_id_number = factory.Sequence(id_number)
    phone = factory.Sequence(lambda n: f"139{n % 10**8:08d}")
    bank_account = factory.Sequence(lambda n: f"62220212{n % 10**8:08d}")
    bank_name = "农村信用合作社"
    address = "第一村民小组"

    @classmethod
    def _default_actor(cls, *, unit, **kwargs):
        return household_actor(unit)

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import household_create

        return household_create(actor=actor, **kwargs)


class _OfHousehold(_ServiceFactory):
    class Meta:
        abstract = True

    household = factory.SubFactory(HouseholdFactory)

    @classmethod
    def _default_actor(cls, *, household, **kwargs):
        return household_actor(household.unit)


class MemberFactory(_OfHousehold):
    """services.member_add: a spouse by default (the head comes with the household)."""

    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"成员{n}")
    relation = Member.Relation.SPOUSE
    id_number = factory.Sequence(lambda n: id_number(n, region="440703"))
    phone = factory.Sequence(lambda n: f"138{n % 10**8:08d}")

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import member_add

        return member_add(actor=actor, **kwargs)


class MonitoringLineFactory(_ServiceFactory):
    """services.line_set for a year (default: last year, the one elimination looks at). The
    line of a year is one row: setting it again changes its amount."""

    class Meta:
        model = MonitoringLine

    year = factory.LazyFunction(lambda: clock.today().year - 1)
    amount = Decimal("7500")
    note = "测试监测线"  # the default actor is None: the platform itself, as a migration or import does

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import line_set

        return line_set(actor=actor, **kwargs)


class IncomeRecordFactory(_OfHousehold):
    """services.income_set for last year (refreshes the household's risk)."""

    class Meta:
        model = IncomeRecord

    year = factory.LazyFunction(lambda: clock.today().year - 1)
    per_capita = Decimal("12000")
    note = "测试收入"

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import income_set

        return income_set(actor=actor, **kwargs)


class RiskFactorFactory(_OfHousehold):
    """services.risk_add: an illness a month ago, open (not resolved)."""

    class Meta:
        model = RiskFactor

    kind = RiskFactor.Kind.ILLNESS
    occurred_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=30))
    amount = Decimal("20000")
    detail = "住院治疗"

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import risk_add

        return risk_add(actor=actor, **kwargs)


class IdentificationFactory(_OfHousehold):
    """services.identification_start: the procedure at 待入户核实, the household 识别程序中."""

    class Meta:
        model = Identification

    proposed_category = Household.Category.EDGE
    reason = "因病支出较大"

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import identification_start

        return identification_start(actor=actor, **kwargs)


class EliminationFactory(_OfHousehold):
    """services.elimination_start, which needs a monitored household whose last-year income is
    above that year's line. The household is made a 监测对象 the way identification's county
    confirmation writes it (status and category; the whole procedure takes a notice period and
    several people), last year's line is set where missing and its income recorded above it."""

    class Meta:
        model = Elimination

    reason = "收入稳定超过监测线，风险已化解"

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import elimination_start, income_set, line_set

        household = kwargs.pop("household")
        year = clock.today().year - 1
        line = MonitoringLine.objects.filter(year=year).first() or line_set(actor=None, year=year,
                                                                             amount=Decimal("7500"))
        income_set(actor=actor, household=household, year=year, per_capita=line.amount + 5000)
        Household.objects.filter(pk=household.pk).update(status=Household.Status.MONITORED,
                                                         category=Household.Category.EDGE)
        return elimination_start(actor=actor, household=household, **kwargs)


class MeasureFactory(_OfHousehold):
    """services.measure_add."""

    class Meta:
        model = Measure

    kind = Measure.Kind.EMPLOYMENT
    description = "推荐到园区企业务工"
    cadre = "帮扶干部王五"
    started_on = factory.LazyFunction(clock.today)

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import measure_add

        return measure_add(actor=actor, **kwargs)


class VisitFactory(_OfHousehold):
    """services.visit_add (notes encrypted)."""

    class Meta:
        model = Visit

    visited_on = factory.LazyFunction(clock.today)
    visitor = "帮扶干部王五"
    notes = "家中生活正常，务工收入稳定"

    @classmethod
    def _make(cls, actor, **kwargs):
        from .services import visit_add

        return visit_add(actor=actor, **kwargs)
