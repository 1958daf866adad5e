"""Every concrete model of every programme app has a factory in `<app>.factories`, and `Factory()`
saves an instance that passes `full_clean()`; so do the core factories. Factories and test
conftests hold no module-level counter or Random: sequences are factory.Sequence."""

import ast
import importlib
import inspect
from pathlib import Path

import factory
import pytest
from django.apps import apps

PROGRAMME_APPS = ("investment", "dispatch", "reporting", "rural", "safety", "households")

# "app.Model" → fields full_clean() skips, each with its reason. Empty: no model needs one.
EXCLUDE: dict[str, tuple[str, ...]] = {}

# Core models with a factory. Not here: core.FlowTransition (written only by workflow.Flow.apply, and the
# factories make flowed records in their initial state) and core.AuditChainHead (audit's single row).
CORE_MODELS = ("core.OrgUnit", "core.User", "core.Role", "core.Enterprise", "core.Industry", "core.Indicator",
               "core.Target", "core.Notification", "core.AuditEntry", "core.Attachment")


def _concrete_models(label):
    return [m for m in apps.get_app_config(label).get_models()
            if not m._meta.abstract and not m._meta.proxy and not m._meta.auto_created]


def _factories(label):
    """model → its factory, from the app's factories module (the one named <Model>Factory wins)."""
    module = importlib.import_module(f"{apps.get_app_config(label).name}.factories")
    found = {}
    for name, obj in inspect.getmembers(module, inspect.isclass):
        if not issubclass(obj, factory.django.DjangoModelFactory) or obj._meta.abstract:
            continue
        model = obj._meta.model
        if model is None or model._meta.app_label != label:
            continue
        if model not in found or name == f"{model.__name__}Factory":
            found[model] = obj
    return found


def _factory_for(model_label):
    model = apps.get_model(model_label)
    return _factories(model._meta.app_label).get(model)


def _all_labels():
    return [m._meta.label for label in PROGRAMME_APPS for m in _concrete_models(label)]


@pytest.fixture(autouse=True)
def _today(settings):
    settings.COUNTYWORKS_TODAY = "2024-03-20"


def test_every_programme_model_has_a_factory():
    missing = [m._meta.label for label in PROGRAMME_APPS for m in _concrete_models(label)
               if m not in _factories(label)]
    assert not missing, f"models without a factory in <app>.factories: {', '.join(missing)}"


def test_core_factories_exist():
    missing = [label for label in CORE_MODELS if _factory_for(label) is None]
    assert not missing, f"core models without a factory in core.factories: {', '.join(missing)}"


def _check(model_label):
    made = _factory_for(model_label)()
    assert made.pk is not None, f"{model_label}: Factory() did not save"
    obj = type(made)._default_manager.get(pk=made.pk)
    obj.full_clean(exclude=EXCLUDE.get(model_label, ()))
    return obj


@pytest.mark.django_db
@pytest.mark.parametrize("model_label", _all_labels())
def test_programme_factory_saves_a_valid_instance(model_label):
    _check(model_label)


@pytest.mark.django_db
@pytest.mark.parametrize("model_label", CORE_MODELS)
def test_core_factory_saves_a_valid_instance(model_label):
    _check(model_label)


def _programme_flows():
    from importlib.util import find_spec

    from countyworks.core import workflow

    for label in PROGRAMME_APPS:
        for module in ("flows", "workflows"):
            name = f"{apps.get_app_config(label).name}.{module}"
            if find_spec(name):
                importlib.import_module(name)
    return sorted((f for f in workflow.flows().values() if f.name.split(".")[0] in PROGRAMME_APPS),
                  key=lambda f: f.name)


def _flow_model(flow):
    """The flowed model: the flow's `model`, else the one its name names ("households.identification")."""
    return apps.get_model(flow.model or flow.name)


def test_every_programme_flow_is_found():
    assert {_flow_model(f)._meta.label for f in _programme_flows()} >= {
        "investment.Lead", "investment.ServiceRequest", "dispatch.Submission", "reporting.Bulletin",
        "rural.GreeningPlan", "safety.Hazard", "households.Identification", "households.Elimination"}


@pytest.mark.django_db
@pytest.mark.parametrize("flow", _programme_flows(), ids=lambda f: f.name)
def test_flowed_records_are_made_in_their_initial_state(flow):
    """The first state of the flow, which is the status field's default (what a service creates)."""
    made = _factory_for(_flow_model(flow)._meta.label)()
    field = type(made)._meta.get_field(flow.field)
    initial = next(iter(flow.states))
    assert field.default == initial
    assert getattr(type(made)._default_manager.get(pk=made.pk), flow.field) == initial


@pytest.mark.django_db
@pytest.mark.parametrize("model_label", ["investment.Project", "safety.Hazard", "households.Member"])
def test_factories_make_distinct_instances(model_label):
    f = _factory_for(model_label)
    a, b = f(), f()
    assert a.pk != b.pk


@pytest.mark.django_db
def test_unit_factories_build_a_sane_tree():
    from countyworks.core.factories import TeamFactory, VillageFactory
    from countyworks.core.models import OrgUnit

    K = OrgUnit.Kind
    village = VillageFactory()
    assert (village.kind, village.parent.kind, village.parent.parent.kind) == (K.VILLAGE, K.SUBDISTRICT, K.DISTRICT)
    assert village.path == f"{village.parent.path}{village.pk}/" and village.parent.parent.path == \
        f"/{village.parent.parent.pk}/"
    team = TeamFactory()
    assert (team.kind, team.parent.kind, team.parent.parent.kind) == (K.TEAM, K.BUREAU, K.DISTRICT)


@pytest.mark.django_db
def test_enterprise_credit_codes_are_valid_and_distinct():
    from countyworks.core.factories import EnterpriseFactory
    from countyworks.core.identifiers import validate_credit_code

    codes = [EnterpriseFactory().credit_code for _ in range(3)]
    assert len(set(codes)) == 3
    for code in codes:
        assert validate_credit_code(code, check_org_code=True) == code


@pytest.mark.django_db
def test_households_are_made_through_the_service():
    """Protected fields encrypted and indexed, the head a member, the audit entry written."""
    from countyworks.core.models import AuditEntry
    from countyworks.households import services
    from countyworks.households.factories import HouseholdFactory, MemberFactory

    h = HouseholdFactory()
    assert h.members.get().relation == "head"
    assert services.find_by_phone(h.phone).get() == h
    m = MemberFactory(household=h)
    assert services.find_by_id_number(m.id_number).get() == m
    assert AuditEntry.objects.filter(object_repr=h.code).exists()
    with pytest.raises(NotImplementedError):
        HouseholdFactory.build()


def _module_level_state(path):
    """Module-level assignments of a counter or a random generator: iter(…), itertools.count(…),
    random.Random(…) / Random(…)."""
    bad = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"iter", "count", "Random", "SystemRandom"}:
                bad.append(f"{path}:{node.lineno}")
    return bad


def test_no_module_level_counters_in_factories_and_conftests():
    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("*/factories.py"), *root.glob("*/tests/conftest.py")]
    assert len(files) > 6
    bad = [hit for path in files for hit in _module_level_state(path)]
    assert not bad, f"module-level counter or Random (use factory.Sequence or a fixture): {', '.join(bad)}"
