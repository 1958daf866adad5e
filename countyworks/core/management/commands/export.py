"""`countyworks export KIND FILE` — the register in its import layout (.xlsx)."""

from django.core.management.base import BaseCommand, CommandError

from countyworks.core.importing import REGISTRY, export_xlsx
from countyworks.core.models import User


class Command(BaseCommand):
    help = "把登记数据导出为 Excel（与导入模板同一格式）"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导出类型：" + "、".join(sorted(REGISTRY)))
        parser.add_argument("file")
        parser.add_argument("--user", help="按该用户的权限范围导出；缺省导出全部")

    def handle(self, kind, file, user=None, **opts):
        if kind not in REGISTRY:
            raise CommandError(f"未知的导出类型“{kind}”，可用：{'、'.join(sorted(REGISTRY))}")
        actor = User.objects.filter(username=user).first() if user else None
        if user and actor is None:
            raise CommandError(f"找不到用户“{user}”")
        with open(file, "wb") as fh:
            n = export_xlsx(kind, fh, actor=actor)
        self.stdout.write(self.style.SUCCESS(f"已导出{n}条到 {file}"))

