from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="bulletin_list"),
    path("bulletins/settings/", views.BulletinSettingsView.as_view(), name="bulletin_settings"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="bulletin_create"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="bulletin_detail"),
    path("bulletins/<int:pk>/publish/", views.BulletinActionView.as_view(), {"op": "publish"}, name="bulletin_publish"),
    path("bulletins/<int:pk>/delete/", views.BulletinActionView.as_view(), {"op": "delete"}, name="bulletin_delete"),
    path("bulletins/<int:pk>/download.<str:fmt>", views.BulletinDownloadView.as_view(), name="bulletin_download"),
    path("bulletins/<int:pk>/figures/<str:key>/", views.BulletinFigureView.as_view(), name="bulletin_figure"),
]
