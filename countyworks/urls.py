from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from countyworks.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("core/", include("countyworks.core.urls")),
    path("investment/", include("countyworks.investment.urls")),
    path("dispatch/", include("countyworks.dispatch.urls")),
    path("cockpit/", include("countyworks.dispatch.cockpit_urls")),
    path("api/", include("countyworks.api.urls")),
]
