"""`countyworks backup [FILE]` — database, uploaded files, keys and audit checkpoints in one
checksummed (optionally encrypted) archive, taken while the application runs (core/backup.py)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from countyworks.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库、上传文件和数据目录中的密钥与审计检查点（可加密），生成校验值"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="备份文件（缺省：数据目录 backups/countyworks-时间.tar）")
        parser.add_argument("--passphrase-env", metavar="VAR",
                            help="从该环境变量读取口令并加密备份（备份含密钥与个人信息，建议加密）")

    def handle(self, file=None, passphrase_env=None, **opts):
        from django.conf import settings

        passphrase = None
        if passphrase_env:
            passphrase = os.environ.get(passphrase_env, "")
            if len(passphrase) < 12:
                raise CommandError(f"环境变量 {passphrase_env} 中的口令为空或少于12个字符")
        path = Path(file) if file else Path(settings.DATA_DIR) / "backups" / f"countyworks-{timezone.now():%Y%m%d-%H%M%S}.tar"
        try:
            result = create_backup(path, passphrase=passphrase)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.tables.values())
        self.stdout.write(self.style.SUCCESS(
            f"已备份到 {result.path}（{result.size / 2**20:.1f} MB，{len(result.tables)}张表共{rows}行，"
            f"{result.files}个上传文件{'，已加密' if passphrase else ''}）"))
        self.stdout.write(f"SHA-256 {result.sha256}（已写入 {result.path.name}.sha256）")
