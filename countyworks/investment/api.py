"""The investment programme's read-only API (registered through the programme registry)."""

from rest_framework import serializers

from countyworks.core.api import ScopedReadOnlyViewSet as _Scoped
from countyworks.core.models import Programme

from .models import Lead, Project


class LeadSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Lead
        fields = ["id", "code", "title", "enterprise", "enterprise_name", "credit_code", "source", "unit",
                  "unit_name", "industry", "intended_investment", "land_need_mu", "status", "status_display",
                  "registered_on"]


class MilestoneSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    planned_date = serializers.DateField(allow_null=True)
    actual_date = serializers.DateField(allow_null=True)


class ProjectSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "code", "name", "enterprise", "enterprise_name", "kind", "industry", "planned_investment",
                  "unit", "unit_name", "signed_date", "agreement", "milestones"]


class LeadViewSet(_Scoped):
    """招商线索 in the user's investment scope."""

    model, programme, serializer_class = Lead, Programme.INVESTMENT, LeadSerializer
    queryset = Lead.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "unit").order_by("-registered_on", "-id")


class ProjectViewSet(_Scoped):
    """签约项目 in the user's investment scope, with their milestones."""

    model, programme, serializer_class = Project, Programme.INVESTMENT, ProjectSerializer
    queryset = Project.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "unit").prefetch_related("milestones") \
            .order_by("-signed_date", "-id")
