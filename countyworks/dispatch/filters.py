"""django-filter filtersets of the dispatch lists. Unit and form choices are limited to the scope."""

import django_filters as df

from countyworks.core.forms import DateInput
from countyworks.core.models import OrgUnit, Programme, path_q
from countyworks.core.unitpicker import UnitChoiceField as CoreUnitChoiceField

from . import selectors
from .forms import dispatch_units
from .models import ReportForm, Submission, Task


def _scope_units(request):
    if request is None:
        return OrgUnit.objects.none()
    return dispatch_units(request.user, "view")


def _scope_forms(request):
    if request is None:
        return ReportForm.objects.none()
    return selectors.forms_for(request.user)


class UnitFilter(df.ModelChoiceFilter):
    field_class = CoreUnitChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("programme", Programme.DISPATCH)
        super().__init__(*args, **kwargs)

    """A unit and everything below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path_q(value.path, f"{self.field_name}__path"))


class SubmissionFilter(df.FilterSet):
    form = df.ModelChoiceFilter(label="报表", queryset=_scope_forms)
    unit = UnitFilter(label="填报单位", queryset=_scope_units)
    week_from = df.DateFilter(label="周次起", field_name="week_start", lookup_expr="gte", widget=DateInput())
    week_to = df.DateFilter(label="周次止", field_name="week_start", lookup_expr="lte", widget=DateInput())
    status = df.ChoiceFilter(label="状态", choices=Submission.Status.choices)

    class Meta:
        model = Submission
        fields = ["form", "unit", "week_from", "week_to", "status"]


class TaskFilter(df.FilterSet):
    q = df.CharFilter(label="关键词", field_name="title", lookup_expr="icontains")
    programme = df.ChoiceFilter(label="业务", choices=Programme.choices)
    unit = UnitFilter(label="责任单位", queryset=_scope_units)
    status = df.ChoiceFilter(label="状态", choices=Task.Status.choices)
    overdue = df.ChoiceFilter(label="是否逾期", choices=[("1", "已逾期"), ("0", "未逾期")], empty_label="全部",
                              method="filter_overdue")

    class Meta:
        model = Task
        fields = ["q", "programme", "unit", "status", "overdue"]

    def filter_overdue(self, qs, name, value):
        if value not in ("0", "1"):
            return qs
        late = Task.objects.overdue().values("pk")
        return qs.filter(pk__in=late) if value == "1" else qs.exclude(pk__in=late)
