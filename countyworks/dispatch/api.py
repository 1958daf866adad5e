"""The weekly dispatch's read-only API (registered through the programme registry)."""

from rest_framework import serializers

from countyworks.core.api import ScopedReadOnlyViewSet as _Scoped
from countyworks.core.models import Programme

from .models import Submission


class SubmissionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "form", "unit", "unit_name", "week_start", "figures", "text", "status", "first_submitted_at",
                  "submitted_at", "reviewed_at", "return_reason"]



class SubmissionViewSet(_Scoped):
    """Weekly reports in the user's dispatch scope."""

    model, programme, serializer_class = Submission, Programme.DISPATCH, SubmissionSerializer
    queryset = Submission.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("-week_start", "unit__path")
