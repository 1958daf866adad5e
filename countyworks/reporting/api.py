"""The bulletins' read-only API."""

from rest_framework import serializers

from countyworks.core.api import ScopedReadOnlyViewSet
from countyworks.core.models import Programme

from .models import Bulletin


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "programme", "period", "unit", "title", "status", "built_at", "published_at",
                  "supersedes", "correction_note", "content"]


class BulletinViewSet(ScopedReadOnlyViewSet):
    """Monthly bulletins (their frozen content) in the user's dispatch scope."""

    model, programme, serializer_class = Bulletin, Programme.DISPATCH, BulletinSerializer
    queryset = Bulletin.objects.none()

    def get_queryset(self):
        return super().get_queryset().order_by("-period", "-built_at")
