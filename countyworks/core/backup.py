"""Backup and restore of the whole installation: the database, the uploaded files and the keys and
checkpoints of the data folder, in one checksummed archive (`countyworks backup` / `restore`).

The archive is a tar holding `manifest.json` (when, which database, the row count of every table and
the SHA-256 of every member), `database.sqlite3` (SQLite's online backup API: a consistent copy
while the application runs, taken page by page without stopping writers for long) or
`database.pgdump` (`pg_dump --format=custom`, one snapshot transaction), `media/…` and `data/…`
(the secret key file and the audit checkpoint file, when present). Next to it `FILE.sha256` holds the
archive's own checksum. With a passphrase the archive is encrypted (Fernet: AES-128-CBC + HMAC-SHA256,
the key derived from the passphrase by scrypt with a random salt), since it holds keys and personal data.

`restore` checks the sidecar checksum, decrypts, and checks every member against the manifest before
it touches anything; only then does it replace the database (the SQLite backup API again, into the
live database; `pg_restore --clean` for PostgreSQL), the uploaded files and the data files. The
checkpoint file that the restore replaces is kept beside it (a restore rewinds the audit chain, and
what was there before stays on record), and the restore itself is the first audit entry afterwards."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

MAGIC = b"CWBACKUP1\n"  # an encrypted archive: MAGIC + 16-byte salt + Fernet token
DATA_FILES = ("secret_key", "audit_checkpoints.log")


class BackupError(Exception):
    """A backup that cannot be made or restored; the message is for the operator (Chinese)."""


@dataclass
class BackupResult:
    path: Path
    sha256: str
    tables: dict
    files: int
    size: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fernet(passphrase: str, salt: bytes):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def table_counts() -> dict:
    """Rows per table of the project's models (what a restore must give back)."""
    from django.apps import apps

    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.count()
    return dict(sorted(counts.items()))


def _audit_file() -> Path:
    from .audit import _checkpoint_path

    return _checkpoint_path()


def _data_files() -> list[tuple[str, Path]]:
    out = []
    key = Path(settings.DATA_DIR) / "secret_key"
    if key.exists():
        out.append(("data/secret_key", key))
    cp = _audit_file()
    if cp.exists():
        out.append(("data/audit_checkpoints.log", cp))
    return out


def _dump_database(tmp: Path) -> tuple[str, Path]:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = tmp / "database.sqlite3"
        dst = sqlite3.connect(target)
        try:
            connection.connection.backup(dst, pages=1024)  # the online backup API, in steps
        finally:
            dst.close()
        return "database.sqlite3", target
    if connection.vendor == "postgresql":
        target = tmp / "database.pgdump"
        _pg(["pg_dump", "--format=custom", "--no-owner", "--file", str(target)])
        return "database.pgdump", target
    raise BackupError(f"不支持备份该数据库：{connection.vendor}")


def _pg(cmd: list[str]):
    s = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
    args = [*cmd, "--host", s.get("HOST") or "localhost", "--port", str(s.get("PORT") or 5432),
            "--username", s.get("USER") or "postgres", "--dbname", s["NAME"]]
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"找不到 {cmd[0]}（请安装 PostgreSQL 客户端）")
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603 - fixed argv, no shell
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} 失败：{done.stderr.strip()[:500]}")


def create_backup(output: Path, *, passphrase: str | None = None) -> BackupResult:
    """Write the archive (and FILE.sha256). Consistent while the application runs."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="cw-backup-") as tmpdir:
        tmp = Path(tmpdir)
        tables = table_counts()
        db_name, db_path = _dump_database(tmp)
        members = [(db_name, db_path)]
        if media.exists():
            members += [(f"media/{p.relative_to(media).as_posix()}", p) for p in sorted(media.rglob("*")) if p.is_file()]
        members += _data_files()
        manifest = {
            "format": 1, "created_at": timezone.now().isoformat(), "vendor": connection.vendor,
            "tables": tables, "members": {name: _file_sha256(path) for name, path in members},
        }
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        data = raw.getvalue()
    if passphrase:
        salt = os.urandom(16)
        data = MAGIC + salt + _fernet(passphrase, salt).encrypt(data)
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, output)  # never a half-written archive under the final name
    digest = _sha256(data)
    output.with_name(output.name + ".sha256").write_text(f"{digest}  {output.name}\n")
    return BackupResult(output, digest, tables, sum(1 for n, _ in members if n.startswith("media/")), len(data))


def read_backup(path: Path, *, passphrase: str | None = None) -> tuple[dict, dict[str, bytes]]:
    """Check and open an archive: the sidecar checksum, the decryption, every member's hash.
    Returns (manifest, {member: bytes}); raises BackupError naming what is wrong."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"找不到备份文件 {path}")
    data = path.read_bytes()
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text().split()[0] if sidecar.read_text().split() else ""
        if _sha256(data) != expected:
            raise BackupError("备份文件校验失败：与 .sha256 记录的校验值不符（文件损坏或被改动），未做任何恢复")
    if data.startswith(MAGIC):
        if not passphrase:
            raise BackupError("该备份已加密，请提供口令（--passphrase-env）")
        from cryptography.fernet import InvalidToken

        salt, token = data[len(MAGIC):len(MAGIC) + 16], data[len(MAGIC) + 16:]
        try:
            data = _fernet(passphrase, salt).decrypt(token)
        except InvalidToken:
            raise BackupError("口令错误或备份已损坏，无法解密，未做任何恢复") from None
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            files = {}
            for m in tar.getmembers():
                if not m.isfile() or m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise BackupError(f"备份中有不允许的条目：{m.name}")
                files[m.name] = tar.extractfile(m).read()
    except tarfile.TarError as exc:
        raise BackupError(f"不是有效的备份文件：{exc}") from None
    try:
        manifest = json.loads(files.pop("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("备份中缺少清单 manifest.json") from None
    listed = manifest.get("members", {})
    for name, digest in listed.items():
        if name not in files:
            raise BackupError(f"备份不完整：缺少 {name}")
        if _sha256(files[name]) != digest:
            raise BackupError(f"备份校验失败：{name} 与清单不符，未做任何恢复")
    extra = sorted(set(files) - set(listed))
    if extra:
        raise BackupError(f"备份中有清单未列出的文件：{'、'.join(extra[:5])}")
    return manifest, files


def restore_backup(path: Path, *, passphrase: str | None = None, actor=None) -> dict:
    """Verify everything first, then replace database, media and data files. Returns the manifest."""
    manifest, files = read_backup(path, passphrase=passphrase)
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(f"该备份来自 {manifest.get('vendor')} 数据库，当前为 {connection.vendor}，未做任何恢复")
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("恢复不能在事务中进行")
    with tempfile.TemporaryDirectory(prefix="cw-restore-") as tmpdir:
        tmp = Path(tmpdir)
        if connection.vendor == "sqlite":
            src_path = tmp / "database.sqlite3"
            src_path.write_bytes(files["database.sqlite3"])
            src = sqlite3.connect(src_path)
            try:
                check = src.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise BackupError(f"备份中的数据库不完整：{check}，未做任何恢复")
                src.backup(connection.connection)  # replaces the live database's pages in one step
            finally:
                src.close()
        else:
            dump = tmp / "database.pgdump"
            dump.write_bytes(files["database.pgdump"])
            _pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(dump)])
    media = Path(settings.MEDIA_ROOT)
    wanted = {n[len("media/"):]: b for n, b in files.items() if n.startswith("media/")}
    if media.exists():
        for p in sorted(media.rglob("*"), reverse=True):
            rel = p.relative_to(media).as_posix()
            if p.is_file() and rel not in wanted:
                p.unlink()
    for rel, body in wanted.items():
        target = media / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    cp = _audit_file()
    if cp.exists():
        cp.rename(cp.with_name(f"{cp.name}.before-restore-{timezone.now():%Y%m%d%H%M%S}"))
    for name, body in files.items():
        if name == "data/audit_checkpoints.log":
            cp.parent.mkdir(parents=True, exist_ok=True)
            cp.write_bytes(body)
        elif name == "data/secret_key":
            key = Path(settings.DATA_DIR) / "secret_key"
            if not key.exists():  # a running installation keeps its own key; a new machine takes the backup's
                key.parent.mkdir(parents=True, exist_ok=True)
                key.write_bytes(body)
    from .audit import audit_log
    from .models import AuditAction

    audit_log(action=AuditAction.SECURITY, actor=actor, object_type="core.backup", object_id=Path(path).name,
              object_repr=Path(path).name, message=f"从备份恢复（备份时间 {manifest.get('created_at')}）")
    return manifest
