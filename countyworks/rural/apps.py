from django.apps import AppConfig


class RuralConfig(AppConfig):
    name = "countyworks.rural"
    label = "rural"
    verbose_name = "百千万工程"

    def ready(self):
        # register the import kinds, the workflow and the programme (replaces the provisional
        # "rural" registration of the dispatch app, which is installed before this one)
        from . import flows, importers, programme  # noqa: F401
