from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "一键演示：migrate + load-demo + serve"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, bind, no_serve=False, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo")
        if not no_serve:
            call_command("serve", bind=bind)
