"""The safety programme's read-only API (registered through the programme registry): hazards and
inspections in the user's safety scope, the same records the web shows them."""

from rest_framework import serializers

from countyworks.core.api import ScopedReadOnlyViewSet as _Scoped
from countyworks.core.models import Programme

from . import selectors
from .models import Hazard, Inspection


class HazardSerializer(serializers.ModelSerializer):
    object_name = serializers.CharField(source="object.name", read_only=True)
    category = serializers.CharField(source="object.category.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = ["id", "code", "campaign", "campaign_name", "team", "team_name", "object", "object_name", "category",
                  "unit", "unit_name", "level", "description", "responsible", "requirement", "found_on", "deadline",
                  "status", "status_display", "overdue", "notice_no", "notice_date", "closed_on", "supervised",
                  "supervising_unit"]

    def get_overdue(self, h) -> bool:
        return selectors.is_overdue(h)


class ResultSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.text")
    result = serializers.CharField()
    note = serializers.CharField()


class InspectionSerializer(serializers.ModelSerializer):
    object_name = serializers.CharField(source="object.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    checklist_version = serializers.IntegerField(source="checklist.version", read_only=True)
    results = ResultSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "date", "campaign", "team", "team_name", "object", "object_name", "checklist_version",
                  "inspectors", "results"]


class HazardViewSet(_Scoped):
    """安全隐患 in the user's safety scope (the team's or the area's)."""

    model, programme, serializer_class = Hazard, Programme.SAFETY, HazardSerializer
    queryset = Hazard.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("object__category", "unit", "team", "campaign") \
            .order_by("-found_on", "-id")


class InspectionViewSet(_Scoped):
    """检查记录 with their item results."""

    model, programme, serializer_class = Inspection, Programme.SAFETY, InspectionSerializer
    queryset = Inspection.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("object", "team", "checklist") \
            .prefetch_related("results__item").order_by("-date", "-id")
