from django.urls import path

from .cockpit_views import CockpitView

app_name = "cockpit"

urlpatterns = [
    path("", CockpitView.as_view(), name="index"),
]
