from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "countyworks.api"
    label = "api"
    verbose_name = "接口"
