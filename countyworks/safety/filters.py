"""django-filter filtersets of the safety lists."""

import django_filters as df
from django import forms
from django.db.models import Q

from countyworks.core.models import OrgUnit, path_q

from . import selectors
from .models import Campaign, Hazard, InspectedObject, Inspection, ObjectCategory


class AreaFilter(df.ModelChoiceFilter):
    """An area and everything below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path_q(value.path, f"{self.field_name}__path"))


def _areas(request):
    return OrgUnit.objects.filter(kind__in=["subdistrict", "town", "village", "community"]).order_by("path")


def _teams(request):
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM).order_by("sort_order", "code")


def _campaigns(request):
    return Campaign.objects.visible_to(request.user) if request else Campaign.objects.none()


class ObjectFilter(df.FilterSet):
    q = df.CharFilter(label="名称/地址", method="search")
    category = df.ModelChoiceFilter(label="类别", queryset=ObjectCategory.objects.all())
    unit = AreaFilter(label="所属街道/村", field_name="unit", queryset=_areas)

    class Meta:
        model = InspectedObject
        fields = []

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(address__icontains=value)) if value else qs


class InspectionFilter(df.FilterSet):
    campaign = df.ModelChoiceFilter(label="检查行动", queryset=_campaigns)
    team = df.ModelChoiceFilter(label="检查组", queryset=_teams)
    since = df.DateFilter(label="起始日期", field_name="date", lookup_expr="gte",
                          widget=forms.DateInput(attrs={"type": "date"}))
    until = df.DateFilter(label="截止日期", field_name="date", lookup_expr="lte",
                          widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Inspection
        fields = []


class HazardFilter(df.FilterSet):
    q = df.CharFilter(label="编号/描述/对象", method="search")
    campaign = df.ModelChoiceFilter(label="检查行动", queryset=_campaigns)
    team = df.ModelChoiceFilter(label="检查组", queryset=_teams)
    unit = AreaFilter(label="所属街道/村", field_name="unit", queryset=_areas)
    category = df.ModelChoiceFilter(label="对象类别", field_name="object__category", queryset=ObjectCategory.objects.all())
    level = df.ChoiceFilter(label="等级", choices=Hazard.Level.choices)
    status = df.ChoiceFilter(label="状态", choices=Hazard.Status.choices)
    overdue = df.BooleanFilter(label="逾期", method="filter_overdue",
                               widget=forms.Select(choices=[("", "全部"), ("true", "仅逾期"), ("false", "未逾期")]))
    supervised = df.BooleanFilter(label="挂牌督办", widget=forms.Select(choices=[("", "全部"), ("true", "是"),
                                                                                 ("false", "否")]))

    class Meta:
        model = Hazard
        fields = []

    def search(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(code__icontains=value) | Q(description__icontains=value) | Q(object__name__icontains=value))

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(selectors.overdue_q()) if value else qs.exclude(selectors.overdue_q())
