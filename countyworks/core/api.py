"""The base of every programme's read-only API (DRF): the queryset comes from `visible_to(user)`, so
the API answers exactly what the web shows the same user (another unit's record is a 404)."""

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from countyworks.core.scope import programme_roles


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    programme = None
    model = None

    def get_queryset(self):
        if not programme_roles(self.request.user, self.programme):
            raise PermissionDenied("您没有该业务的角色")
        return self.model.objects.visible_to(self.request.user)
