"""The rural programme's read-only API (registered through the programme registry): the same
records the web shows the same user."""

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from countyworks.core import clock
from countyworks.core.api import ScopedReadOnlyViewSet as _Scoped
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.parsing import InvalidValue, parse_date
from countyworks.core.scope import unit_in_scope

from . import selectors
from .models import CampaignEvent, Designation, GreeningPlan, MaintenanceGrid

P = Programme.RURAL


class DesignationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)

    class Meta:
        model = Designation
        fields = ["id", "unit", "unit_name", "level", "level_name", "year", "designated_on"]


class PlanSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = GreeningPlan
        fields = ["id", "unit", "unit_name", "year", "seedlings_planned", "trees_planned", "season_start",
                  "season_end", "species", "meeting_date", "status", "status_display"]


class GridSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = MaintenanceGrid
        fields = ["id", "unit", "unit_name", "name", "party_member", "trees_in_care", "area", "active"]


class SpeciesSerializer(serializers.Serializer):
    species = serializers.CharField()
    trees = serializers.IntegerField()


class EventSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    organiser_name = serializers.CharField(source="organiser.name", read_only=True)
    species = SpeciesSerializer(many=True, read_only=True)

    class Meta:
        model = CampaignEvent
        fields = ["id", "title", "organiser", "organiser_name", "unit", "unit_name", "place", "date", "volunteers",
                  "species", "report"]


class DesignationViewSet(_Scoped):
    """典型村镇 in the user's rural scope."""

    model, programme, serializer_class = Designation, P, DesignationSerializer
    queryset = Designation.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "level").order_by("level__rank", "unit__path", "id")


class PlanViewSet(_Scoped):
    """乡村绿化工作计划 in the user's rural scope; `stats/?unit=ID&through=YYYY-MM-DD` gives the
    greening statistics (the same as `countyworks stats greening`)."""

    model, programme, serializer_class = GreeningPlan, P, PlanSerializer
    queryset = GreeningPlan.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("-year", "unit__path", "id")

    @action(detail=False, methods=["get"])
    def stats(self, request):
        self.get_queryset()  # the programme role check
        try:
            unit = OrgUnit.objects.get(pk=int(request.query_params.get("unit", "")))
        except (ValueError, OrgUnit.DoesNotExist):
            raise NotFound("找不到该单位")
        if not unit_in_scope(request.user, unit, programme=P):
            raise NotFound("找不到该单位")
        try:
            through = parse_date(request.query_params.get("through")) or clock.today()
        except InvalidValue as exc:
            raise NotFound(f"through: {exc}")
        return Response(selectors.greening_stats(unit=unit, through=through))


class GridViewSet(_Scoped):
    model, programme, serializer_class = MaintenanceGrid, P, GridSerializer
    queryset = MaintenanceGrid.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("unit__path", "name", "id")


class EventViewSet(_Scoped):
    model, programme, serializer_class = CampaignEvent, P, EventSerializer
    queryset = CampaignEvent.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "organiser").prefetch_related("species").order_by("-date", "-id")


def register_api(router):
    router.register("rural/typical", DesignationViewSet, basename="rural-typical")
    router.register("rural/plans", PlanViewSet, basename="rural-plan")
    router.register("rural/grids", GridViewSet, basename="rural-grid")
    router.register("rural/events", EventViewSet, basename="rural-event")
