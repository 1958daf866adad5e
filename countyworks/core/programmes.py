"""The programme registry: what each programme app contributes to the platform, declared in one
place (the app's `programme.py`, registered from its AppConfig.ready()).

Core and the reporting app iterate this registry; they never import a programme app. Adding a
programme touches only its own app and INSTALLED_APPS:

    # myprog/programme.py
    from countyworks.core.programmes import NavItem, ProgrammeSpec, Section, register

    register(ProgrammeSpec(
        code="myprog", label="我的业务", office="我的业务办公室", bulletin_title="我的业务工作",
        urls="countyworks.myprog.urls",
        nav=[NavItem("my_list", "清单", "myprog:list")],
        sections=[Section("myprog.main", "总体情况", build_section)],
        stats={"myprog": StatsHandler(run=my_stats)},
        importers=("myprog-things",),
    ))

What a programme may contribute:

- `nav`: menu entries shown to users holding a role of the programme (per entry: the scope action
  needed, "view" by default, or a callable(user) → bool);
- `sections`: bulletin section builders, called in `order` with the reporting Builder;
- `cockpit`: a callable(*, user, unit, year, through, as_of) → list of tiles for the leaders'
  cockpit (dicts with "title", "template" — rendered with the tile's "context" — and optional
  "chart": {"id", "figure"} of Plotly JSON, "overdue": [rows]); [] when the user's scope for the
  programme does not cover the unit or there is nothing to show;
- `figure_models`: model label → FigureModel, how the figure → records page lists records;
- `importers`: the import kinds (registered with core.importing.register) the programme owns;
- `audit_labels`: object_type → label for the audit viewer;
- `stats`: `countyworks stats KIND` handlers;
- `urls` / `url_prefix`: the app's URLconf, included by the project at /<url_prefix>/;
- `api`: a callable(router) registering the programme's API viewsets;
- `reporting_programmes`: whose weekly forms and key tasks the bulletin's reporting section counts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    action: str = "view"  # the scope action a programme role must allow
    visible: Callable[[Any], bool] | None = None  # extra test on the user


@dataclass(frozen=True)
class Section:
    """One bulletin section: `build(builder)` appends blocks and figures (reporting.bulletins)."""

    key: str
    label: str
    build: Callable[[Any], None]
    order: int = 100
    every: bool = False  # carried by every programme's bulletin (the weekly reporting section)


@dataclass(frozen=True)
class FigureModel:
    """How the figure → records page shows records of one model: column headings, the relations
    to select, a callable(obj, figure) → list of cell texts, and optionally the URL of a record."""

    columns: tuple
    cells: Callable[[Any, dict], list]
    related: tuple = ()
    url: Callable[[Any], str] | None = None
    # optional: a column with the figure's own value per record, summed under the list — for
    # records holding several figures (a weekly report): value_column(obj, figure_code) → heading
    # or None, value(obj, figure_code) → number
    value_column: Callable[[Any, str], str | None] | None = None
    value: Callable[[Any, str], Any] | None = None


class StatsError(Exception):
    """A stats handler's refusal of its options (a Chinese message for the command line)."""


@dataclass(frozen=True)
class StatsHandler:
    """`countyworks stats KIND`: `arguments(parser)` adds options; `run(unit=…, **options)`
    returns JSON-able data (options named like dates — through, since, until — arrive parsed
    as dates). Raise StatsError for bad options."""

    run: Callable[..., Any]
    help: str = ""
    arguments: Callable[[Any], None] | None = None


@dataclass
class ProgrammeSpec:
    code: str  # the Programme value roles carry
    label: str  # 招商引资
    office: str = ""  # default programme office (落款 = unit name + office)
    bulletin_title: str = ""  # "招商引资工作" in "XX区招商引资工作月通报"
    order: int = 100
    url_prefix: str = ""  # defaults to the code
    urls: str = ""  # dotted path of the URLconf (its app_name is the namespace)
    nav: Iterable[NavItem] = ()
    nav_label: str = ""  # the drop-down's label (defaults to `label`)
    nav_flat: bool = False  # entries side by side in the menu bar rather than in a drop-down
    sections: Iterable[Section] = ()
    cockpit: Callable[..., list] | None = None
    figure_models: dict[str, FigureModel] = field(default_factory=dict)
    importers: tuple[str, ...] = ()
    audit_labels: dict[str, str] = field(default_factory=dict)
    stats: dict[str, StatsHandler] = field(default_factory=dict)
    api: Callable[[Any], None] | None = None
    reporting_programmes: tuple[str, ...] = ()
    in_bulletin: bool = True  # offered as a bulletin programme

    def __post_init__(self):
        self.url_prefix = self.url_prefix or self.code
        self.nav_label = self.nav_label or self.label
        self.office = self.office or f"{self.label}工作办公室"
        self.bulletin_title = self.bulletin_title or f"{self.label}工作"
        self.reporting_programmes = tuple(self.reporting_programmes) or (self.code,)
        self.sections = tuple(sorted(self.sections, key=lambda s: s.order))
        self.nav = tuple(self.nav)


_REGISTRY: dict[str, ProgrammeSpec] = {}


def register(spec: ProgrammeSpec) -> ProgrammeSpec:
    """Register (or, for a reloaded module, replace) a programme."""
    _REGISTRY[spec.code] = spec
    return spec


def unregister(code: str):
    """For tests that add a toy programme."""
    _REGISTRY.pop(code, None)


def programmes() -> list[ProgrammeSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.code))


def get(code: str) -> ProgrammeSpec | None:
    return _REGISTRY.get(code)


def codes() -> list[str]:
    return [p.code for p in programmes()]


def label(code: str) -> str:
    spec = _REGISTRY.get(code)
    if spec:
        return spec.label
    from .models import Programme

    try:
        return Programme(code).label
    except ValueError:
        return code


def bulletin_choices() -> list[tuple[str, str]]:
    """(code, label) of programmes with bulletin sections, then "all"."""
    out = [(p.code, p.label) for p in programmes() if p.in_bulletin and p.sections]
    return out + [("all", "全部重点工作")]


def figure_model(model_label: str) -> FigureModel | None:
    for p in programmes():
        if model_label in p.figure_models:
            return p.figure_models[model_label]
    return None


def stats_handlers() -> dict[str, StatsHandler]:
    out = {}
    for p in programmes():
        out.update(p.stats)
    return out


def audit_labels() -> dict[str, str]:
    out = {}
    for p in programmes():
        out.update(p.audit_labels)
    return out


def owner_of_import(kind: str) -> ProgrammeSpec | None:
    for p in programmes():
        if kind in p.importers:
            return p
    return None
