from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_TODAY = "2024-03-29"


class Command(BaseCommand):
    help = "一键演示：migrate + load-demo + serve"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, bind, no_serve=False, **opts):
        import os

        from django.conf import settings

        # the Jianghai demo describes March 2024: it runs on that date unless told otherwise
        if not settings.PRODUCTION and not getattr(settings, "COUNTYWORKS_TODAY", ""):
            os.environ["COUNTYWORKS_TODAY"] = DEMO_TODAY
            settings.COUNTYWORKS_TODAY = DEMO_TODAY
            self.stdout.write(f"演示数据的系统日期：{DEMO_TODAY}（设置 COUNTYWORKS_TODAY 可改变）")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo")
        if not no_serve:
            call_command("serve", bind=bind)
