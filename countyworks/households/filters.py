"""Filters of the households lists. No filter takes an ID number or a phone: those are searched
by POST (views.SearchView) so that they never appear in a URL or an access log."""

from datetime import timedelta

import django_filters as df
from django.db.models import Q

from countyworks.core import clock
from countyworks.core.models import OrgUnit
from countyworks.core.scope import units_in_scope

from .flows import CLOCK_LIMIT
from .forms import P
from .models import Elimination, Household, Identification


def _units(request):
    if request is None:
        return OrgUnit.objects.none()
    return units_in_scope(request.user, programme=P, action="view")


class UnitFilter(df.ModelChoiceFilter):
    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


class HouseholdFilter(df.FilterSet):
    q = df.CharFilter(label="户编号或户主姓名", method="search")
    unit = UnitFilter(label="单位", queryset=_units, field_name="unit")
    category = df.ChoiceFilter(label="户类别", choices=Household.Category.choices)
    status = df.ChoiceFilter(label="监测状态", choices=Household.Status.choices)
    at_risk = df.BooleanFilter(label="存在风险")

    class Meta:
        model = Household
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if value.isdigit() and len(value) >= 11:  # looks like an ID number or phone: never searched by GET
            return qs.none()
        return qs.filter(Q(code__icontains=value) | Q(head_name__icontains=value)) if value else qs


class CaseFilter(df.FilterSet):
    unit = UnitFilter(label="单位", queryset=_units, field_name="household__unit")
    overdue = df.BooleanFilter(label="超期未办结", method="filter_overdue")

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        limit = clock.today() - timedelta(days=CLOCK_LIMIT)
        overdue = Q(status__in=self._meta.model.OPEN, started_on__lt=limit)
        return qs.filter(overdue) if value else qs.exclude(overdue)


class IdentificationFilter(CaseFilter):
    status = df.ChoiceFilter(label="程序状态", choices=Identification.Status.choices)

    class Meta:
        model = Identification
        fields = []


class EliminationFilter(CaseFilter):
    status = df.ChoiceFilter(label="程序状态", choices=Elimination.Status.choices)

    class Meta:
        model = Elimination
        fields = []
