from django.urls import path

from . import views

app_name = "investment"

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead_list"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead_create"),
    path("leads/check/", views.LeadDuplicateCheckView.as_view(), name="lead_check"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/edit/", views.LeadUpdateView.as_view(), name="lead_update"),
    path("leads/<int:pk>/move/", views.LeadTransitionView.as_view(), name="lead_move"),
    path("leads/<int:pk>/evaluate/", views.EvaluationView.as_view(), name="lead_evaluate"),
    path("leads/<int:pk>/scorecard/", views.ScorecardView.as_view(), name="lead_scorecard"),
    path("leads/<int:pk>/sign/", views.LeadSignView.as_view(), name="lead_sign"),
    path("pipeline/", views.PipelineView.as_view(), name="pipeline"),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/field-offices/", views.FieldOfficeStatsView.as_view(), name="field_office_stats"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/record/", views.MeetingRecordView.as_view(), name="meeting_record"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("projects/<int:pk>/requests/new/", views.ServiceRequestCreateView.as_view(), name="service_create"),
    path("requests/", views.ServiceRequestListView.as_view(), name="service_list"),
    path("requests/<int:pk>/", views.ServiceRequestDetailView.as_view(), name="service_detail"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("rules/", views.RulesView.as_view(), name="rules"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
]
