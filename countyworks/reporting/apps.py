from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """The reporting layer every programme feeds: the bulletin builder and its documents, and the
    leaders' cockpit. It iterates the programme registry and imports no programme app."""

    name = "countyworks.reporting"
    label = "reporting"
    verbose_name = "统计报告"
