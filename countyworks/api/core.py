"""API endpoints of the core registers; querysets come from `visible_to`, like the web views."""

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from countyworks.core.models import Enterprise, OrgUnit
from countyworks.core.scope import has_any_programme_role


class OrgUnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "kind_display", "parent", "parent_code", "depth", "valid_from", "valid_to"]


class EnterpriseSerializer(serializers.ModelSerializer):
    industry_name = serializers.CharField(source="industry.name", read_only=True, default=None)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "city", "industry", "industry_name", "size"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrgUnitSerializer
    queryset = OrgUnit.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if not has_any_programme_role(self.request.user):
            raise PermissionDenied("您没有访问组织机构的权限")
        return OrgUnit.objects.visible_to(self.request.user).select_related("parent").order_by("path")


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EnterpriseSerializer
    queryset = Enterprise.objects.none()

    def get_queryset(self):
        if not has_any_programme_role(self.request.user):
            raise PermissionDenied("您没有访问企业名录的权限")
        qs = Enterprise.objects.visible_to(self.request.user).select_related("industry").order_by("name")
        code = self.request.query_params.get("credit_code")
        return qs.filter(credit_code=code.upper()) if code else qs
