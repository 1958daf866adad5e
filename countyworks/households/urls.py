from django.urls import path

from . import views

app_name = "households"

urlpatterns = [
    path("", views.HouseholdListView.as_view(), name="household_list"),
    path("new/", views.HouseholdCreateView.as_view(), name="household_create"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("<int:pk>/edit/", views.HouseholdUpdateView.as_view(), name="household_update"),
    path("reveal/<str:model>/<int:pk>/<str:field>/", views.RevealView.as_view(), name="reveal"),
    path("identification/", views.IdentificationListView.as_view(), name="identification_list"),
    path("identification/<int:pk>/", views.IdentificationDetailView.as_view(), name="identification_detail"),
    path("identification/<int:pk>/notice.<str:fmt>", views.NoticeView.as_view(), name="notice"),
    path("elimination/", views.EliminationListView.as_view(), name="elimination_list"),
    path("elimination/<int:pk>/", views.EliminationDetailView.as_view(), name="elimination_detail"),
    path("lines/", views.LineView.as_view(), name="lines"),
    path("stats/", views.StatsView.as_view(), name="stats"),
]
