"""Read-only API endpoints of the programmes. Every queryset comes from `visible_to(user)`, so
the API answers exactly what the web shows the same user (another unit's record is a 404)."""

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from countyworks.core.models import Programme
from countyworks.core.scope import programme_roles
from countyworks.dispatch.models import Bulletin, Submission
from countyworks.investment.models import Lead, Project


class _Scoped(viewsets.ReadOnlyModelViewSet):
    programme = None

    def get_queryset(self):
        if not programme_roles(self.request.user, self.programme):
            raise PermissionDenied("您没有该业务的角色")
        return self.model.objects.visible_to(self.request.user)


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


class SubmissionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "form", "unit", "unit_name", "week_start", "figures", "text", "status", "first_submitted_at",
                  "submitted_at", "reviewed_at", "return_reason"]


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "programme", "period", "unit", "title", "status", "built_at", "published_at", "content"]


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


class SubmissionViewSet(_Scoped):
    """Weekly reports in the user's dispatch scope."""

    model, programme, serializer_class = Submission, Programme.DISPATCH, SubmissionSerializer
    queryset = Submission.objects.none()

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("-week_start", "unit__path")


class BulletinViewSet(_Scoped):
    """Monthly bulletins (their frozen content) in the user's dispatch scope."""

    model, programme, serializer_class = Bulletin, Programme.DISPATCH, BulletinSerializer
    queryset = Bulletin.objects.none()

    def get_queryset(self):
        return super().get_queryset().order_by("-period", "-built_at")
