"""`countyworks backup` / `restore`: a round trip gives back every table and file; a damaged,
tampered or wrongly-keyed archive is refused before anything is touched."""

import io
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from countyworks.core import services
from countyworks.core.audit import audit_verify
from countyworks.core.backup import BackupError, create_backup, read_backup, restore_backup
from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory
from countyworks.core.models import AuditEntry, Enterprise, OrgUnit

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT_TABLES = {"core_auditentry", "core_auditchainhead"}  # the restore appends its own entry


def everything():
    """Every row of every table (by primary key) and every uploaded file."""
    from django.conf import settings

    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            rows[model._meta.db_table] = list(model._base_manager.order_by("pk").values_list())
    media = Path(settings.MEDIA_ROOT)
    files = {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()} \
        if media.exists() else {}
    return rows, files


@pytest.fixture
def installation(db):
    district = OrgUnitFactory(name="备份区", kind=OrgUnit.Kind.DISTRICT)
    OrgUnitFactory(name="备份街道", parent=district)
    ent = EnterpriseFactory(name="江门市备份测试有限公司")
    services.attachment_add(target=ent, upload=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 licence"), actor=None)
    services.enterprise_update(enterprise=ent, actor=None, city="台山")
    return ent


def damage(path: Path, offset=200):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_round_trip_gives_back_every_table_and_file(installation, tmp_path, settings):
    archive = tmp_path / "bk" / "countyworks.tar"
    result = create_backup(archive)
    assert archive.exists() and (tmp_path / "bk" / "countyworks.tar.sha256").read_text().startswith(result.sha256)
    rows_before, files_before = everything()
    assert files_before and result.tables["core_enterprise"] == 1

    # the day goes on: a record deleted, one added, a file changed, one added
    Enterprise.objects.all().delete()
    OrgUnitFactory(name="备份后新增街道")
    media = Path(settings.MEDIA_ROOT)
    first = next(p for p in media.rglob("*") if p.is_file())
    first.write_bytes(b"overwritten")
    (media / "stray.txt").write_bytes(b"added after the backup")

    manifest = restore_backup(archive)
    rows_after, files_after = everything()
    assert files_after == files_before
    for table, rows in rows_before.items():
        if table not in AUDIT_TABLES:
            assert rows_after[table] == rows, table
    audit_before = rows_before["core_auditentry"]
    assert rows_after["core_auditentry"][: len(audit_before)] == audit_before
    assert AuditEntry.objects.order_by("-seq").first().message.startswith("从备份恢复")
    assert audit_verify().ok
    assert manifest["tables"]["core_enterprise"] == 1


def test_damaged_archive_is_refused_and_nothing_is_touched(installation, tmp_path):
    archive = tmp_path / "countyworks.tar"
    create_backup(archive)
    Enterprise.objects.all().delete()
    damage(archive)
    with pytest.raises(BackupError, match="校验失败"):
        restore_backup(archive)
    assert not Enterprise.objects.exists()  # still as it was: nothing restored


def test_tampered_member_is_found_even_without_the_sidecar(installation, tmp_path):
    archive = tmp_path / "countyworks.tar"
    create_backup(archive)
    (tmp_path / "countyworks.tar.sha256").unlink()
    raw = io.BytesIO(archive.read_bytes())
    out = io.BytesIO()
    with tarfile.open(fileobj=raw) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for m in src.getmembers():
            body = src.extractfile(m).read()
            if m.name.startswith("media/"):
                body = b"swapped file"
                m.size = len(body)
            dst.addfile(m, io.BytesIO(body))
    archive.write_bytes(out.getvalue())
    with pytest.raises(BackupError, match="与清单不符"):
        read_backup(archive)


def test_path_traversal_member_is_refused(tmp_path):
    archive = tmp_path / "evil.tar"
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name in ("manifest.json", "../../etc/cron.d/evil"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"{}"))
    archive.write_bytes(out.getvalue())
    with pytest.raises(BackupError, match="不允许的条目"):
        read_backup(archive)


def test_encrypted_backup_needs_the_passphrase(installation, tmp_path):
    archive = tmp_path / "secret.tar"
    create_backup(archive, passphrase="江海区备份口令2024")
    assert b"core_enterprise" not in archive.read_bytes()  # not readable without the key
    with pytest.raises(BackupError, match="请提供口令"):
        read_backup(archive)
    with pytest.raises(BackupError, match="口令错误"):
        read_backup(archive, passphrase="wrong passphrase!")
    manifest, _ = read_backup(archive, passphrase="江海区备份口令2024")
    assert manifest["tables"]["core_enterprise"] == 1


def test_commands_ask_before_overwriting(installation, tmp_path, monkeypatch):
    archive = tmp_path / "cmd.tar"
    out = io.StringIO()
    monkeypatch.setenv("CW_BACKUP_PASS", "a-long-passphrase-1")
    call_command("backup", str(archive), "--passphrase-env", "CW_BACKUP_PASS", stdout=out)
    assert "已备份到" in out.getvalue() and "已加密" in out.getvalue()
    Enterprise.objects.all().delete()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), "--passphrase-env", "CW_BACKUP_PASS", stdout=io.StringIO())
    assert not Enterprise.objects.exists()
    call_command("restore", str(archive), "--passphrase-env", "CW_BACKUP_PASS", "--yes", stdout=io.StringIO())
    assert Enterprise.objects.get().name == "江门市备份测试有限公司"
    monkeypatch.setenv("CW_SHORT", "short")
    with pytest.raises(CommandError, match="少于12个字符"):
        call_command("backup", str(tmp_path / "x.tar"), "--passphrase-env", "CW_SHORT")
