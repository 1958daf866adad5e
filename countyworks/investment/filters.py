"""django-filter filtersets of the investment lists. Unit choices are limited to the user's scope."""


import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef, Q

from countyworks.core import clock
from countyworks.core.forms import DateInput
from countyworks.core.models import Industry, OrgUnit, Programme, path_q
from countyworks.core.models import Target as CoreTarget
from countyworks.core.unitpicker import UnitChoiceField as CoreUnitChoiceField

from . import selectors
from .forms import units_for
from .models import Activity, Lead, Milestone, Project, ReviewMeeting, ServiceRequest


def _scope_units(request):
    if request is None:
        return OrgUnit.objects.none()
    return units_for(request.user, "view")


def _bureaus(request):
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.BUREAU).order_by("sort_order", "code")


class UnitFilter(df.ModelChoiceFilter):
    field_class = CoreUnitChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("programme", Programme.INVESTMENT)
        super().__init__(*args, **kwargs)

    """A unit and everything below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path_q(value.path, f"{self.field_name}__path"))


class LeadFilter(df.FilterSet):
    q = df.CharFilter(label="关键词", method="search")
    status = df.ChoiceFilter(label="状态", choices=Lead.Status.choices)
    source = df.ChoiceFilter(label="来源", choices=Lead.Source.choices)
    unit = UnitFilter(label="跟进单位", queryset=_scope_units)
    industry = df.ModelChoiceFilter(label="产业类别", queryset=Industry.objects.all())

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "unit", "industry"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(code__icontains=value) | Q(title__icontains=value) | Q(enterprise__name__icontains=value)
                         | Q(enterprise__credit_code__startswith=value.upper()))


class ActivityFilter(df.FilterSet):
    q = df.CharFilter(label="关键词", method="search")
    kind = df.ChoiceFilter(label="活动类型", choices=Activity.Kind.choices)
    unit = UnitFilter(label="组织单位", queryset=_scope_units)
    start = df.DateFilter(label="开始日期", field_name="date", lookup_expr="gte", widget=DateInput())
    end = df.DateFilter(label="结束日期", field_name="date", lookup_expr="lte", widget=DateInput())

    class Meta:
        model = Activity
        fields = ["q", "kind", "unit", "start", "end"]

    def search(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(city__icontains=value) | Q(notes__icontains=value))


class MeetingFilter(df.FilterSet):
    q = df.CharFilter(label="会议名称", field_name="title", lookup_expr="icontains")
    start = df.DateFilter(label="开始日期", field_name="date", lookup_expr="gte", widget=DateInput())
    end = df.DateFilter(label="结束日期", field_name="date", lookup_expr="lte", widget=DateInput())

    class Meta:
        model = ReviewMeeting
        fields = ["q", "start", "end"]


def _stage_choices():
    return [(k, Milestone.Kind(k).label) for k in Milestone.ORDER]


def _year_choices():
    this = clock.today().year
    return [(y, f"{y}年") for y in range(this, 2014, -1)]


class ProjectFilter(df.FilterSet):
    q = df.CharFilter(label="关键词", method="search")
    unit = UnitFilter(label="责任单位", queryset=_scope_units)
    industry = df.ModelChoiceFilter(label="产业类别", queryset=Industry.objects.all())
    kind = df.ChoiceFilter(label="项目类型", choices=Project.Kind.choices)
    year = df.ChoiceFilter(label="签约年度", field_name="signed_date", lookup_expr="year", choices=_year_choices)
    stage = df.ChoiceFilter(label="所处阶段", choices=_stage_choices, method="at_stage")
    overdue = df.BooleanFilter(label="仅逾期", method="only_overdue", widget=forms.CheckboxInput())

    class Meta:
        model = Project
        fields = ["q", "unit", "industry", "kind", "year", "stage", "overdue"]

    def search(self, qs, name, value):
        return qs.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(enterprise__name__icontains=value))

    def at_stage(self, qs, name, value):
        """The stage is the latest milestone reached (as selectors.project_stage reads it): that
        milestone has an actual date and no later one has."""
        if value not in Milestone.ORDER:
            return qs
        pos = Milestone.ORDER.index(value)
        reached = Milestone.objects.filter(project=OuterRef("pk"), actual_date__isnull=False)
        qs = qs.filter(Exists(reached.filter(kind=value))) if value != Milestone.Kind.SIGNED else qs
        return qs.exclude(Exists(reached.filter(kind__in=Milestone.ORDER[pos + 1:])))

    def only_overdue(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(pk__in=selectors.overdue_milestones(qs).values("project_id"))


class ServiceRequestFilter(df.FilterSet):
    status = df.ChoiceFilter(label="状态", choices=ServiceRequest.Status.choices)
    category = df.ChoiceFilter(label="诉求类别", choices=ServiceRequest.Category.choices)
    bureau = df.ModelChoiceFilter(label="责任单位", queryset=_bureaus)
    overdue = df.BooleanFilter(label="仅超时", method="only_overdue", widget=forms.CheckboxInput())

    class Meta:
        model = ServiceRequest
        fields = ["status", "category", "bureau", "overdue"]

    def only_overdue(self, qs, name, value):
        if not value:
            return qs
        return qs.overdue()


class TargetFilter(df.FilterSet):
    year = df.NumberFilter(label="年度")
    unit = UnitFilter(label="单位", queryset=_scope_units)

    class Meta:
        model = CoreTarget
        fields = ["year", "unit"]
