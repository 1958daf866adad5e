from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from countyworks.core import programmes as registry
from countyworks.reporting.api import BulletinViewSet

from . import core

router = DefaultRouter()
router.register("orgunits", core.OrgUnitViewSet, basename="orgunit")
router.register("enterprises", core.EnterpriseViewSet, basename="enterprise")
router.register("dispatch/bulletins", BulletinViewSet, basename="bulletin")
for spec in registry.programmes():  # each programme registers its own read endpoints
    if spec.api:
        spec.api(router)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
