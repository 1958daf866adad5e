from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import core, programmes

router = DefaultRouter()
router.register("orgunits", core.OrgUnitViewSet, basename="orgunit")
router.register("enterprises", core.EnterpriseViewSet, basename="enterprise")
router.register("investment/leads", programmes.LeadViewSet, basename="lead")
router.register("investment/projects", programmes.ProjectViewSet, basename="project")
router.register("dispatch/submissions", programmes.SubmissionViewSet, basename="submission")
router.register("dispatch/bulletins", programmes.BulletinViewSet, basename="bulletin")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
