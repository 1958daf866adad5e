from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from countyworks.core import programmes as registry
from countyworks.core import views as core_views

handler500 = "countyworks.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("core/", include("countyworks.core.urls")),
    path("cockpit/", include("countyworks.reporting.cockpit_urls")),
    path("reporting/", include("countyworks.reporting.urls")),
    path("api/", include("countyworks.api.urls")),
]
# every programme's pages, at /<url_prefix>/ (its URLconf's app_name is the namespace)
urlpatterns += [path(f"{spec.url_prefix}/", include(spec.urls)) for spec in registry.programmes() if spec.urls]
