import django_filters as df
from django.db.models import Q

from . import clock
from .forms import DateInput
from .models import AuditAction, AuditEntry, Enterprise, Industry, OrgUnit, Person, Programme, Target, User


class OrgUnitFilter(df.FilterSet):
    q = df.CharFilter(label="名称或代码", method="search")
    kind = df.ChoiceFilter(label="类型", choices=OrgUnit.Kind.choices)
    active = df.BooleanFilter(label="仅显示在用", method="only_active")

    class Meta:
        model = OrgUnit
        fields = ["q", "kind"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def only_active(self, qs, name, value):

        return qs.active_on(clock.today()) if value else qs


class EnterpriseFilter(df.FilterSet):
    q = df.CharFilter(label="名称或信用代码", method="search")
    industry = df.ModelChoiceFilter(label="产业类别", queryset=Industry.objects.all())
    size = df.ChoiceFilter(label="企业规模", choices=Enterprise.Size.choices)
    city = df.CharFilter(label="所在城市", lookup_expr="icontains")

    class Meta:
        model = Enterprise
        fields = ["q", "industry", "size", "city"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))


class UserFilter(df.FilterSet):
    q = df.CharFilter(label="用户名或姓名", method="search")
    unit = df.ModelChoiceFilter(label="单位", queryset=OrgUnit.objects.all())
    is_active = df.BooleanFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "unit", "is_active"]

    def search(self, qs, name, value):
        return qs.filter(Q(username__icontains=value) | Q(full_name__icontains=value))


class TargetFilter(df.FilterSet):
    year = df.NumberFilter(label="年度")
    indicator__programme = df.ChoiceFilter(label="业务", choices=Programme.choices)
    # only units in the user's scope: the drop-down must not reveal the rest of the tree
    unit = df.ModelChoiceFilter(label="单位", queryset=lambda request: OrgUnit.objects.visible_to(request.user))

    class Meta:
        model = Target
        fields = ["year", "indicator__programme", "unit"]


class AuditFilter(df.FilterSet):
    actor_name = df.CharFilter(label="操作人", lookup_expr="iexact")
    action = df.ChoiceFilter(label="操作", choices=AuditAction.choices)
    object_type = df.ChoiceFilter(label="对象类型", choices=lambda: __import__(
        "countyworks.core.selectors", fromlist=["audit_type_choices"]).audit_type_choices())
    object_id = df.CharFilter(label="对象编号")
    start = df.DateFilter(label="开始日期", field_name="at", lookup_expr="date__gte", widget=DateInput())
    end = df.DateFilter(label="结束日期", field_name="at", lookup_expr="date__lte", widget=DateInput())
    q = df.CharFilter(label="关键词", method="search")

    class Meta:
        model = AuditEntry
        fields = ["actor_name", "action", "object_type", "object_id", "start", "end"]

    def search(self, qs, name, value):
        return qs.filter(Q(object_repr__icontains=value) | Q(message__icontains=value))


class PersonFilter(df.FilterSet):
    q = df.CharFilter(label="姓名或职务", method="search")
    active = df.BooleanFilter(label="在任")

    class Meta:
        model = Person
        fields = ["q", "active"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(post__icontains=value))
