from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("forms/<int:pk>/", views.pending, name="form_detail"),
    path("submissions/<int:pk>/", views.pending, name="submission_detail"),
    path("tasks/<int:pk>/", views.pending, name="task_detail"),
    path("bulletins/<int:pk>/", views.pending, name="bulletin_detail"),
]
