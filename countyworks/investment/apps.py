from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "countyworks.investment"
    label = "investment"
    verbose_name = "招商引资"

    def ready(self):
        from . import importers, programme  # noqa: F401  register the import kinds and the programme
