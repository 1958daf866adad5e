"""`countyworks households rotate-keys` re-encrypts every protected value under the newest key of
COUNTYWORKS_FIELD_KEYS; `countyworks households new-key` prints a fresh key to put in front."""

from django.core.management.base import BaseCommand, CommandError

from countyworks.core.audit import audit_log
from countyworks.core.models import AuditAction


class Command(BaseCommand):
    help = "防止返贫监测：个人信息加密密钥管理（rotate-keys 轮换重加密，new-key 生成新密钥）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rot = sub.add_parser("rotate-keys", help="用最新密钥（COUNTYWORKS_FIELD_KEYS 的第一个）重新加密全部个人信息")
        rot.add_argument("--batch", type=int, default=500, help="每批处理的记录数（缺省500）")
        sub.add_parser("new-key", help="生成一个新的加密密钥")

    def handle(self, *args, action, batch=500, **options):
        from countyworks.households import crypto
        from countyworks.households.rotation import rotate

        if action == "new-key":
            self.stdout.write(crypto.generate_key())
            self.stderr.write("把新密钥放在 COUNTYWORKS_FIELD_KEYS 的最前面（旧密钥保留在后面），"
                              "重启服务后运行 countyworks households rotate-keys；完成后可删去旧密钥。")
            return
        if batch < 1:
            raise CommandError("--batch 应为正整数")
        done = rotate(batch=batch, out=self.stdout.write)
        total = sum(done.values())
        audit_log(action=AuditAction.SECURITY, actor=None, object_type="households.keys",
                  object_repr="个人信息加密密钥轮换", message=f"重新加密{total}条记录",
                  changes={k: v for k, v in done.items()})
        self.stdout.write(self.style.SUCCESS(
            "已用最新密钥重新加密：" + "，".join(f"{k}{v}条" for k, v in done.items())))
