from django.core.management.base import BaseCommand

from countyworks.demo.jianghai import DEMO_PASSWORD, account_lines
from countyworks.demo.loader import load_demo


class Command(BaseCommand):
    help = "载入（或刷新）江海区演示数据，不启动服务"

    def handle(self, **opts):
        load_demo()
        self.stdout.write(self.style.SUCCESS(f"江海区演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for line in account_lines():
            self.stdout.write(line)
