from django.urls import path

from . import views

app_name = "rural"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("typical/", views.TypicalListView.as_view(), name="typical_list"),
    path("typical/levels/", views.LevelView.as_view(), name="levels"),
    path("typical/new/", views.TypicalCreateView.as_view(), name="typical_create"),
    path("typical/<int:pk>/", views.TypicalDetailView.as_view(), name="typical_detail"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("files/<int:pk>/", views.attachment_inline, name="attachment_inline"),
    path("grids/", views.GridListView.as_view(), name="grid_list"),
    path("grids/new/", views.GridCreateView.as_view(), name="grid_create"),
    path("grids/<int:pk>/", views.GridDetailView.as_view(), name="grid_detail"),
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/new/", views.EventCreateView.as_view(), name="event_create"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
    path("points/", views.VillagerListView.as_view(), name="villager_list"),
    path("points/new/", views.VillagerCreateView.as_view(), name="villager_create"),
    path("points/<int:pk>/", views.VillagerDetailView.as_view(), name="villager_detail"),
    path("points/rules/", views.RuleListView.as_view(), name="rule_list"),
    path("points/rules/new/", views.RuleCreateView.as_view(), name="rule_create"),
    path("points/notice/<int:unit>/", views.PointsNoticeView.as_view(), name="points_notice"),
    path("greening/", views.GreeningView.as_view(), name="greening"),
    path("rules/", views.RulesView.as_view(), name="rules"),
]
