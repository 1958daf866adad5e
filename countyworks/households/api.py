"""The households programme's read-only API: protected values only masked, never in full (the
API has no "reveal"); members' health details not at all."""

from rest_framework import serializers

from countyworks.core.api import ScopedReadOnlyViewSet as _Scoped
from countyworks.core.models import Programme

from .masking import mask
from .models import Household


class MaskedField(serializers.CharField):
    """A protected value as the API shows it: masked (a string in the OpenAPI document)."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return mask(self.kind, value)


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField(source="get_relation_display")
    id_number = MaskedField("id")
    phone = MaskedField("phone")


class HouseholdSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phone = MaskedField("phone")
    bank_account = MaskedField("bank")
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "code", "head_name", "unit", "unit_name", "category", "category_display", "channel",
                  "status", "status_display", "at_risk", "risk_reasons", "phone", "bank_account", "members"]


class HouseholdViewSet(_Scoped):
    """监测户 in the user's households scope, protected values masked."""

    model, programme, serializer_class = Household, Programme.HOUSEHOLDS, HouseholdSerializer
    queryset = Household.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit").prefetch_related("members").order_by("code")
