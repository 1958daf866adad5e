from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("units/search/", views.unit_search, name="unit_search"),
    path("flow/<str:flow>/<int:pk>/", views.flow_transition, name="flow_transition"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("orgunits/", views.OrgUnitListView.as_view(), name="orgunit_list"),
    path("orgunits/new/", views.OrgUnitCreateView.as_view(), name="orgunit_create"),
    path("orgunits/<int:pk>/", views.OrgUnitDetailView.as_view(), name="orgunit_detail"),
    path("orgunits/<int:pk>/edit/", views.OrgUnitUpdateView.as_view(), name="orgunit_update"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person_update"),
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("enterprises/new/", views.EnterpriseCreateView.as_view(), name="enterprise_create"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseUpdateView.as_view(), name="enterprise_update"),
    path("enterprises/<int:pk>/attachments/", views.EnterpriseAttachmentView.as_view(), name="enterprise_attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/new/", views.TargetCreateView.as_view(), name="target_create"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/roles/", views.UserRoleView.as_view(), name="user_roles"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("2fa/setup/", views.twofactor_setup, name="twofactor_setup"),
    path("2fa/verify/", views.twofactor_verify, name="twofactor_verify"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/verify/", views.AuditVerifyView.as_view(), name="audit_verify"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("import/<str:kind>/", views.ImportView.as_view(), name="import"),
    path("import/<str:kind>/jobs/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<str:kind>/template.xlsx", views.import_template, name="import_template"),
    path("import/<str:kind>/errors/<str:token>.xlsx", views.import_errors, name="import_errors"),
    path("export/<str:kind>.xlsx", views.register_export, name="register_export"),
]
