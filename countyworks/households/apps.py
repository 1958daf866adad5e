from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "countyworks.households"
    label = "households"
    verbose_name = "防止返贫监测"

    def ready(self):
        from . import flows, importers, programme  # noqa: F401  register the flows, import kinds and programme
