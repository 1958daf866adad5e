from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.CampaignUpdateView.as_view(), name="campaign_update"),
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("categories/<int:pk>/", views.CategoryDetailView.as_view(), name="category_detail"),
    path("objects/", views.ObjectListView.as_view(), name="object_list"),
    path("objects/new/", views.ObjectCreateView.as_view(), name="object_create"),
    path("objects/<int:pk>/", views.ObjectDetailView.as_view(), name="object_detail"),
    path("objects/<int:pk>/edit/", views.ObjectUpdateView.as_view(), name="object_update"),
    path("inspections/", views.InspectionListView.as_view(), name="inspection_list"),
    path("inspect/", views.InspectionStartView.as_view(), name="inspection_start"),
    path("inspect/<int:object_pk>/", views.InspectionCreateView.as_view(), name="inspection_create"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="inspection_detail"),
    path("hazards/", views.HazardListView.as_view(), name="hazard_list"),
    path("hazards/new/", views.HazardCreateView.as_view(), name="hazard_create"),
    path("hazards/<int:pk>/", views.HazardDetailView.as_view(), name="hazard_detail"),
    path("hazards/<int:pk>/edit/", views.HazardUpdateView.as_view(), name="hazard_update"),
    path("hazards/<int:pk>/notice.docx", views.HazardNoticeView.as_view(), name="hazard_notice"),
    path("hazards/<int:pk>/notice.pdf", views.HazardNoticeView.as_view(), {"fmt": "pdf"}, name="hazard_notice_pdf"),
    path("stats/", views.StatsView.as_view(), name="stats"),
]
