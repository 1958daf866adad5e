"""django-filter filtersets of the rural lists. Unit choices are limited to the user's scope."""

import django_filters as df

from countyworks.core.models import OrgUnit, path_q

from .forms import units_for
from .models import GreeningPlan


def _units(request):
    if request is None:
        return OrgUnit.objects.none()
    return units_for(request.user, "view")


class UnitFilter(df.ModelChoiceFilter):
    """A unit and everything below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path_q(value.path, f"{self.field_name}__path"))


class PlanFilter(df.FilterSet):
    unit = UnitFilter(label="单位", queryset=_units)
    year = df.NumberFilter(label="年度")
    status = df.ChoiceFilter(label="状态", choices=GreeningPlan.Status.choices)

    class Meta:
        model = GreeningPlan
        fields = ["unit", "year", "status"]


def unit_filter_for(model, *, search="name"):
    attrs = {"unit": UnitFilter(label="单位", queryset=_units)}
    if search:
        attrs["q"] = df.CharFilter(label="名称", field_name=search, lookup_expr="icontains")
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}Filter", (df.FilterSet,), {**attrs, "Meta": meta})
