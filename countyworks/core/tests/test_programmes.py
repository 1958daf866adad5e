"""The programme registry: core and reporting know no programme; a programme appears in the
navigation, the bulletin, `countyworks stats` and `countyworks import` by declaring itself."""

import ast
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from countyworks.core import programmes as registry
from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, RoleKind

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ("core", "reporting", "api")


def _programme_apps():
    return {spec.urls.split(".")[1] for spec in registry.programmes() if spec.urls} | {"investment", "dispatch"}


@pytest.mark.parametrize("app", PLATFORM)
def test_platform_code_imports_no_programme_app(app):
    banned = _programme_apps()
    offenders = []
    for path in (ROOT / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "countyworks" and len(parts) > 1 and parts[1] in banned:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


@pytest.mark.parametrize("app", PLATFORM + ("templates",))
def test_platform_templates_and_scripts_name_no_programme(app):
    """The cockpit, the bulletin pages and the base layout get everything a programme shows from
    the registry: no {% url 'investment:…' %}, no static 'rural/…', no programme's chart in a
    platform script."""
    import re

    banned = _programme_apps()
    pattern = re.compile(r"""(?:url\s+['"]|static\s+['"]|["'/])({})[:/]""".format("|".join(sorted(banned))))
    offenders = []
    for path in (ROOT / app).rglob("*"):
        if path.suffix not in {".html", ".js", ".txt"} or "tests" in path.parts or "vendor" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n} {line.strip()[:80]}")
    assert offenders == []


def test_every_bulletin_programme_declares_nav_sections_and_a_label():
    for spec in registry.programmes():
        if spec.in_bulletin:
            assert spec.sections, spec.code
            assert spec.label and spec.office and spec.bulletin_title, spec.code


def test_every_declared_importer_and_stats_kind_exists():
    from countyworks.core.importing import REGISTRY

    for spec in registry.programmes():
        for kind in spec.importers:
            assert kind in REGISTRY, (spec.code, kind)
        for kind, handler in spec.stats.items():
            assert callable(handler.run), (spec.code, kind)


@pytest.fixture
def toy(db):
    """A programme declared in a test only: one nav entry, one section, one stats kind, one importer."""
    from countyworks.core.importing import REGISTRY, Importer

    def section(b):
        from countyworks.reporting.content import paragraph, run

        b.section("玩具工作情况")
        key = b.ref("toy.count", "玩具数", 7, "core.orgunit", [b.unit.pk])
        b.blocks.append(paragraph("本月共有玩具", run(7, key), "个。"))

    class ToyImporter(Importer):
        kind, label, columns = "toys", "玩具", []

        def clean_row(self, values, err):
            return {}

        def key(self, data):
            return 1

        def save(self, rows):
            return 0, 0, 0

        def export_queryset(self):
            return []

        def export_rows(self, qs):
            return []

    REGISTRY["toys"] = ToyImporter
    spec = registry.register(registry.ProgrammeSpec(
        code="toy", label="玩具", office="玩具办", bulletin_title="玩具工作", order=99,
        nav=[registry.NavItem("toy_home", "玩具清单", "home")],
        sections=[registry.Section("toy.main", "玩具", section)],
        stats={"toy": registry.StatsHandler(run=lambda *, unit, **_: {"unit": unit.name, "toys": 7})},
        importers=("toys",),
    ))
    yield spec
    registry.unregister("toy")
    REGISTRY.pop("toys", None)


def test_a_toy_programme_appears_in_nav_bulletin_stats_and_import(toy, client):
    from countyworks.core.nav import navigation_for
    from countyworks.reporting.bulletins import bulletin_build

    top = OrgUnitFactory(name="某县", kind=OrgUnit.Kind.COUNTY, parent=None)
    user = user_with_role(RoleKind.OPERATOR, "toy", top)
    labels = [e["label"] for e in navigation_for(user, "/")]
    assert "玩具清单" in labels

    assert ("toy", "玩具") in registry.bulletin_choices()
    content = bulletin_build(programme="toy", period="2024-03", unit=top)
    assert content["title"] == "某县玩具工作月通报"
    assert content["issuer"] == "某县玩具办"
    assert content["figures"]["toy.count"]["value"] == 7
    assert any(b.get("text") == "一、玩具工作情况" for b in content["blocks"])

    out = io.StringIO()
    call_command("stats", "toy", stdout=out)
    assert json.loads(out.getvalue()) == {"unit": "某县", "toys": 7}

    from django.core.management import load_command_class

    help_text = load_command_class("countyworks.core", "import").create_parser("countyworks", "import").format_help()
    assert "toys" in help_text


# Registers whose rows carry no unit: who may import them at all is their check_permission.
IMPORT_SCOPE_EXEMPT = {
    "orgunits": "系统管理员维护整棵组织树（check_permission 仅允许系统管理员）",
    "users": "仅系统管理员可导入用户",
    "enterprises": "企业名录为全区共享，不属于某一单位",
}


def test_every_importer_checks_each_rows_unit_or_says_why_not():
    from countyworks.core.importing import REGISTRY, Importer

    for kind, cls in REGISTRY.items():
        if kind in IMPORT_SCOPE_EXEMPT or kind == "toys":
            continue
        per_row = (cls.scope_programme is not None or cls.row_scope_programme is not Importer.row_scope_programme
                   or cls.scope_problems is not Importer.scope_problems)
        assert per_row, f"importer {kind} checks no row's unit against the importing user's scope"


def test_no_demo_place_names_in_product_code():
    """The issuer, prefixes, examples and defaults come from settings and data, not from the demo."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "demo" or "tests" in rel.parts or path.name in ("conftest.py", "browser_fixtures.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "江海" in line:
                offenders.append(f"{rel}:{n}")
    assert offenders == []
