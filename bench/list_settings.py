"""Settings for bench/list_pages.py: CountyWorks settings plus the Django admin, with ModelAdmins for
investment.Project, investment.Lead and dispatch.Submission whose changelists show the same
filter (a unit and everything below it) and sort as our list pages, 50 rows a page. CountyWorks
itself never uses these settings; nothing here changes how our pages behave.

    DJANGO_SETTINGS_MODULE=list_settings   (with bench/ on sys.path; bench/list_pages.py sets this up)

The admin is mounted at /admin/ in front of the CountyWorks URLs: this module is also the
ROOT_URLCONF (`urlpatterns` is built on first access, once the apps are ready). The ModelAdmins
are registered by the app config `BenchAdminConfig` below (in INSTALLED_APPS), in `ready()`.

What a list page is measured with lives in LIST_PAGES (list_pages.py reads it from here, so that
the admin's ordering and the benchmark's ?sort= are the same thing):

    our URL           our ?sort=              admin changelist                 admin ordering / ?o=
    /investment/projects/    -planned_investment  /admin/investment/project/   -planned_investment, -pk
    /investment/leads/       -intended_investment /admin/investment/lead/      -intended_investment, -pk
    /dispatch/submissions/   -submitted_at        /admin/dispatch/submission/  -submitted_at, -pk

(Django's changelist adds "-pk" itself to make the order total; django-tables2 does not.)
The unit filter: our `?unit=<id>` (UnitFilter: `path_q(unit.path, "unit__path")`, a range on
SQLite); the admin's `?unit=<id>` is `UnitSubtreeFilter`, a SimpleListFilter applying the same
`path_q`. Its sidebar lists the chosen unit, its parent and its children (a drill-down), never
the whole tree: a stock `list_filter = ["unit"]` (RelatedFieldListFilter) would put all 27,642
units in the sidebar, which would make the baseline as slow as what issue 12 complains about.
`show_full_result_count = False` (the documented setting for large tables: otherwise the
changelist also counts the whole unfiltered table for "N total"; set LIST_ADMIN_FULL_COUNT=1
in the environment to measure the admin's default).
"""

import os

from django.apps import AppConfig

from countyworks.settings import *  # noqa: F401,F403
from countyworks.settings import INSTALLED_APPS as _APPS

INSTALLED_APPS = ["django.contrib.admin", *_APPS, "list_settings.BenchAdminConfig"]
ROOT_URLCONF = "list_settings"

PAGE_ROWS = 50
ADMIN_FULL_COUNT = os.environ.get("LIST_ADMIN_FULL_COUNT", "") not in ("", "0")

# page key → our URL and table column to sort by, the admin model and the columns it shows
# (our table's model columns; computed columns such as 所处阶段 / 逾期节点 / 报送情况 have no admin
# counterpart and are left out there).
LIST_PAGES = {
    "projects": {
        "label": "签约项目 project list",
        "url": "/investment/projects/",
        "model": "investment.Project",
        "sort": "-planned_investment",
        "admin_url": "/admin/investment/project/",
        "list_display": ("code", "name", "enterprise", "unit", "industry", "kind", "planned_investment",
                         "signed_date"),
        "select_related": ("enterprise", "unit", "industry"),
    },
    "leads": {
        "label": "招商线索 lead list",
        "url": "/investment/leads/",
        "model": "investment.Lead",
        "sort": "-intended_investment",
        "admin_url": "/admin/investment/lead/",
        "list_display": ("code", "title", "enterprise", "unit", "source", "industry", "intended_investment",
                         "status", "registered_on"),
        "select_related": ("enterprise", "unit", "industry"),
    },
    "submissions": {
        "label": "周报报送记录 weekly-report list",
        "url": "/dispatch/submissions/",
        "model": "dispatch.Submission",
        "sort": "-submitted_at",
        "admin_url": "/admin/dispatch/submission/",
        "list_display": ("week_start", "form", "unit", "status", "submitted_at", "submitted_by", "reviewed_by"),
        "select_related": ("form", "unit", "submitted_by", "reviewed_by"),
    },
}


def admin_order_param(key):
    """The admin's ?o= for LIST_PAGES[key]["sort"]: the column's index in the changelist's
    list_display, which starts with "action_checkbox" (the default delete action is on)."""
    spec = LIST_PAGES[key]
    field = spec["sort"].lstrip("-")
    idx = 1 + spec["list_display"].index(field)
    return f"-{idx}" if spec["sort"].startswith("-") else str(idx)


class BenchAdminConfig(AppConfig):
    name = "list_settings"
    label = "bench_list_admin"
    verbose_name = "list-page benchmark admin"
    path = os.path.dirname(os.path.abspath(__file__))
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps
        from django.contrib import admin

        from countyworks.core.models import OrgUnit, path_q

        class UnitSubtreeFilter(admin.SimpleListFilter):
            """A unit and everything below it (as our UnitFilter), by unit id."""

            title = "单位"
            parameter_name = "unit"

            def _unit(self):
                v = self.value()
                if not hasattr(self, "_cached"):
                    self._cached = (OrgUnit.objects.filter(pk=v).only("path", "name", "parent_id").first()
                                    if v and str(v).isdigit() else None)
                return self._cached

            def lookups(self, request, model_admin):
                unit = self._unit()
                if unit is None:
                    units = OrgUnit.objects.filter(parent__isnull=True)
                    kids = OrgUnit.objects.filter(parent__in=units)
                    return [(str(u.pk), u.name) for u in [*units, *kids.order_by("sort_order", "code")]]
                near = list(OrgUnit.objects.filter(pk=unit.parent_id)) if unit.parent_id else []
                near.append(unit)
                near += list(OrgUnit.objects.filter(parent_id=unit.pk).order_by("sort_order", "code"))
                return [(str(u.pk), u.name) for u in near]

            def queryset(self, request, queryset):
                unit = self._unit()
                if unit is None:
                    return queryset
                return queryset.filter(path_q(unit.path, "unit__path"))

        for spec in LIST_PAGES.values():
            model = apps.get_model(spec["model"])
            field = spec["sort"].lstrip("-")
            attrs = {
                "list_display": spec["list_display"],
                "list_filter": (UnitSubtreeFilter,),
                "list_select_related": spec["select_related"],
                "list_per_page": PAGE_ROWS,
                "ordering": (spec["sort"],),
                "show_full_result_count": ADMIN_FULL_COUNT,
                "sortable_by": (field,),
                "__module__": __name__,
            }
            if admin.site.is_registered(model):
                admin.site.unregister(model)
            admin.site.register(model, type(f"Bench{model.__name__}Admin", (admin.ModelAdmin,), attrs))


_urlpatterns = None


def __getattr__(name):
    """`urlpatterns` for ROOT_URLCONF = this module: /admin/ + the CountyWorks URLs, built lazily
    (the settings are imported before the apps are ready)."""
    global _urlpatterns
    if name != "urlpatterns":
        raise AttributeError(name)
    if _urlpatterns is None:
        from django.contrib import admin
        from django.urls import path

        import countyworks.urls

        _urlpatterns = [path("admin/", admin.site.urls), *countyworks.urls.urlpatterns]
    return _urlpatterns
