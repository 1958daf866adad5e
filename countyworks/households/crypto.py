"""Protected personal fields (PIPL arts. 28, 51): encryption at rest, keyed blind indexes, masking.

Cipher: `cryptography`'s Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through MultiFernet so
that several keys can be in force at once: the FIRST key encrypts, every key decrypts. Keys come
from the environment, `COUNTYWORKS_FIELD_KEYS` = comma-separated Fernet keys (newest first). A
development/demo installation without the variable gets a key generated into
DATA_DIR/field_keys (like SECRET_KEY); a production one (COUNTYWORKS_PRODUCTION) refuses to start
without it.

Blind index: HMAC-SHA256 of the normalised value under a key derived (HKDF) from each field key.
Exact search computes the digest under every key in force, so a search keeps working between
adding a new key and running `countyworks households rotate-keys`, which re-encrypts every
protected value under the newest key and recomputes the indexes.
"""

import base64
import hashlib
import hmac
import os
import re
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

ENV = "COUNTYWORKS_FIELD_KEYS"
_lock = threading.Lock()
_cache: dict = {}
_file_keys: dict = {}  # DATA_DIR/field_keys, read once per process


def _raw_keys() -> list[str]:
    configured = getattr(settings, ENV, None) or os.environ.get(ENV, "")
    if isinstance(configured, (list, tuple)):
        keys = [str(k).strip() for k in configured if str(k).strip()]
    else:
        keys = [k.strip() for k in str(configured).split(",") if k.strip()]
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(f"生产环境须通过环境变量 {ENV} 配置个人信息加密密钥")
    path = Path(settings.DATA_DIR) / "field_keys"
    cached = _file_keys.get(path)
    if cached:
        return cached
    with _lock:
        try:
            keys = [k.strip() for k in path.read_text().split() if k.strip()]
        except OSError:
            keys = []
        if not keys:
            keys = [Fernet.generate_key().decode()]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(keys[0] + "\n")
            try:
                path.chmod(0o600)
            except OSError:
                pass
        _file_keys[path] = keys
    return keys


class Keyring:
    def __init__(self, keys: list[str]):
        try:
            self.fernets = [Fernet(k.encode()) for k in keys]
        except (ValueError, TypeError):
            raise ImproperlyConfigured(f"{ENV} 中有无效的密钥（应为 Fernet 密钥：32字节的URL安全Base64）")
        self.multi = MultiFernet(self.fernets)
        self.index_keys = [_derive(k) for k in keys]

    def encrypt(self, text: str) -> str:
        return self.multi.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.multi.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured("个人信息无法解密：当前配置的密钥中没有加密该数据的密钥") from None

    def is_current(self, token: str) -> bool:
        """Whether the newest key decrypts the token (rotation skips such values)."""
        try:
            self.fernets[0].decrypt(token.encode())
            return True
        except InvalidToken:
            return False

    def index(self, value: str) -> str:
        return _digest(self.index_keys[0], value)

    def index_candidates(self, value: str) -> list[str]:
        return [_digest(k, value) for k in self.index_keys]


def _derive(key: str) -> bytes:
    raw = base64.urlsafe_b64decode(key.encode())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"countyworks-households-blind-index").derive(raw)


def normalise(value: str) -> str:
    return re.sub(r"[\s\-]", "", str(value or "")).upper()


def _digest(key: bytes, value: str) -> str:
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()


def keyring() -> Keyring:
    keys = tuple(_raw_keys())
    ring = _cache.get(keys)
    if ring is None:
        ring = _cache[keys] = Keyring(list(keys))
    return ring


def blind_index(value: str) -> str:
    """The keyed hash stored beside a protected value ("" for an empty value)."""
    return keyring().index(value) if value else ""


def index_candidates(value: str) -> list[str]:
    return keyring().index_candidates(value) if value else []


def audit_digest(value: str) -> str:
    """What the audit log records for a changed protected value: a short keyed hash, never the
    value (so the hash chain holds no personal data)."""
    return ("hmac:" + blind_index(value)[:16]) if value else ""


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token. Python code sees the plain value; the database,
    its WAL and backups only ever hold ciphertext. Lookups on it are meaningless: search by
    the companion blind index."""

    description = "加密文本"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return keyring().encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return keyring().decrypt(value)
