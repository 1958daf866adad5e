from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import core

router = DefaultRouter()
router.register("orgunits", core.OrgUnitViewSet, basename="orgunit")
router.register("enterprises", core.EnterpriseViewSet, basename="enterprise")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
