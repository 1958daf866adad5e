from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "countyworks.safety"
    label = "safety"
    verbose_name = "安全生产检查"

    def ready(self):
        from . import importers, programme, workflows  # noqa: F401  register import kinds, flows, the programme
