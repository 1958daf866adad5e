"""`countyworks restore FILE --yes` — checks the archive completely before it touches anything,
then replaces the database, the uploaded files and the audit checkpoints (core/backup.py)."""

import os

from django.core.management.base import BaseCommand, CommandError

from countyworks.core.backup import BackupError, read_backup, restore_backup


class Command(BaseCommand):
    help = "从备份恢复（先完整校验备份，再替换数据库、上传文件和审计检查点）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--passphrase-env", metavar="VAR", help="从该环境变量读取备份口令")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据")
        parser.add_argument("--check", action="store_true", help="只校验备份，不恢复")

    def handle(self, file, passphrase_env=None, yes=False, check=False, **opts):
        passphrase = os.environ.get(passphrase_env, "") if passphrase_env else None
        try:
            if check or not yes:
                manifest, files = read_backup(file, passphrase=passphrase)
                self.stdout.write(f"备份完整：{manifest['created_at']}，{manifest['vendor']}，"
                                  f"{len(manifest['tables'])}张表共{sum(manifest['tables'].values())}行，{len(files)}个文件")
                if not yes and not check:
                    raise CommandError("恢复会覆盖当前全部数据：确认后加 --yes 再运行")
                return
            manifest = restore_backup(file, passphrase=passphrase)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"已从 {file} 恢复（备份时间 {manifest['created_at']}，{sum(manifest['tables'].values())}行）"))
