from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "countyworks.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self):
        from . import (
            flows,  # noqa: F401  the 三员 grant flow
            importers,  # noqa: F401  register the core import kinds
            signals,  # noqa: F401  security events → audit log
        )
