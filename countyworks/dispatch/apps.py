from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "countyworks.dispatch"
    label = "dispatch"
    verbose_name = "周调度月通报"

    def ready(self):
        from . import programme  # noqa: F401  register with the programme registry
