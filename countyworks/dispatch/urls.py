from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("forms/new/", views.ReportFormEditView.as_view(), name="form_create"),
    path("forms/<int:pk>/", views.HomeView.as_view(), name="form_detail"),
    path("forms/<int:pk>/edit/", views.ReportFormEditView.as_view(), name="form_update"),
    path("forms/<int:form_pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("submissions/", views.SubmissionListView.as_view(), name="submission_list"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/edit/", views.TaskUpdateView.as_view(), name="task_update"),
]
