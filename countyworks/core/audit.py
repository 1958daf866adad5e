"""Writing and verifying the hash-chained audit log.

The chain is keyed: each entry's hash is an HMAC-SHA256 (key: COUNTYWORKS_AUDIT_KEY, or a key
file in the data folder, never in the database) over the previous hash and every field the viewer
shows, the actor's id included — so someone who can only write the database file cannot
recompute the hashes after an edit. The chain head and the retention anchor are also checkpointed
outside the database (an append-only, keyed checkpoint file in the data folder), so deleting
entries from the end and rewinding the head, or moving the anchor forward, is detected too.

Services call `audit_log()` inside their own transaction, so the change and its audit entry
commit together or not at all, whether the change came from a web request, an import or a
scheduled command. The request (if any) contributes the actor's IP through a context variable
set by `AuditContextMiddleware`.
"""

import contextvars
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditAction, AuditChainHead, AuditEntry

_request_ip = contextvars.ContextVar("countyworks_request_ip", default=None)
GENESIS = "0" * 64


def set_request_ip(ip):
    return _request_ip.set(ip)


def reset_request_ip(token):
    _request_ip.reset(token)


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value.pk)
    return str(value)


def normalise(data):
    """JSON round-trip so the hashed form and the stored form are identical."""
    return json.loads(json.dumps(data, default=_jsonable, ensure_ascii=False))


_KEY_CACHE = {}


def audit_key():
    """The chain's HMAC key: COUNTYWORKS_AUDIT_KEY, else (development) a random key created once in
    the data folder. Production refuses to run without an explicit key."""
    configured = getattr(settings, "AUDIT_KEY", "") or ""
    if configured:
        return configured.encode()
    from pathlib import Path

    path = Path(settings.DATA_DIR) / "audit_key"
    cached = _KEY_CACHE.get(str(path))
    if cached:
        return cached
    if getattr(settings, "PRODUCTION", False):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("生产环境须设置 COUNTYWORKS_AUDIT_KEY（审计日志链的密钥，不得存放在数据库中）")
    try:
        key = path.read_bytes().strip()
    except OSError:
        import secrets

        key = secrets.token_hex(32).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    _KEY_CACHE[str(path)] = key
    return key


def entry_digest(prev_hash, *, seq, at, actor_name, ip, action, object_type, object_id, object_repr, changes, message,
                 actor_id=None):
    payload = json.dumps(
        [seq, at.astimezone(UTC).isoformat(), actor_id, actor_name, ip or "", action, object_type, object_id,
         object_repr, changes, message],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.new(audit_key(), (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


# --- checkpoints outside the database -------------------------------------------------------------


def _checkpoint_path():
    from pathlib import Path

    return Path(getattr(settings, "AUDIT_CHECKPOINT_FILE", "") or Path(settings.DATA_DIR) / "audit_checkpoints.log")


def _checkpoint_line(last_seq, last_hash, anchor_seq, anchor_hash):
    body = f"{last_seq} {last_hash} {anchor_seq} {anchor_hash}"
    mac = hmac.new(audit_key(), b"checkpoint " + body.encode(), hashlib.sha256).hexdigest()
    return f"{body} {mac}\n"


def write_checkpoint(last_seq, last_hash, anchor_seq, anchor_hash):
    """Append the chain's state to the checkpoint file (after the commit that made it)."""
    path = _checkpoint_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="ascii") as fh:
            fh.write(_checkpoint_line(last_seq, last_hash, anchor_seq, anchor_hash))
    except OSError:  # a read-only data folder must not stop the work; verify then reports no checkpoint
        pass


def _checkpoint_after_commit(head):
    """Record the head once the transaction that moved it has committed (a rolled-back write must
    leave no checkpoint). Tests that run inside one transaction write it at once."""
    point = (head.last_seq, head.last_hash, head.anchor_seq, head.anchor_hash)
    if getattr(settings, "AUDIT_CHECKPOINT_ON_COMMIT", True):
        transaction.on_commit(lambda: write_checkpoint(*point))
    else:
        write_checkpoint(*point)


def read_checkpoint():
    """The furthest genuine checkpoint: (last_seq, last_hash, anchor_seq, anchor_hash), the number of
    forged lines, or (None, 0) when there is none."""
    try:
        lines = _checkpoint_path().read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None, 0
    best, forged = None, 0
    for line in lines:
        parts = line.split()
        if len(parts) != 5 or not parts[0].isdigit() or not parts[2].isdigit():
            forged += 1
            continue
        expected = _checkpoint_line(int(parts[0]), parts[1], int(parts[2]), parts[3]).split()[-1]
        if not hmac.compare_digest(expected, parts[4]):
            forged += 1
            continue
        state = (int(parts[0]), parts[1], int(parts[2]), parts[3])
        if best is None or (state[0], state[2]) >= (best[0], best[2]):
            best = state
    return best, forged


def snapshot(instance, fields=None):
    """The auditable field values of a model instance (foreign keys as ids)."""
    data = {}
    for f in instance._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in {"password", "path", "depth"}:
            continue
        data[f.name] = getattr(instance, f.attname)
    return normalise(data)


def diff(before, after):
    """{field: [before, after]} for the fields that changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


@dataclass
class PendingEntry:
    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    changes: dict | None = None
    message: str = ""


def _object_fields(obj):
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200]


def _lock_head():
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


_FIELDS = ["seq", "at", "actor", "actor_name", "ip", "action", "object_type", "object_id", "object_repr", "changes",
           "message", "prev_hash", "hash"]


def audit_bulk(entries, *, actor=None, actor_name=None, ip=None, return_entries=False):
    """Append entries (an iterable, consumed once) to the chain, in the caller's transaction.
    Rows are streamed to the database with one prepared INSERT, so an import of 100,000 rows
    does not hold 100,000 entry objects. Returns the number appended (or the entries)."""
    with transaction.atomic():
        head = _lock_head()
        now = timezone.now()
        name = actor_name if actor_name is not None else (actor.get_username() if actor else "system")
        ip = ip if ip is not None else _request_ip.get()
        actor_id = getattr(actor, "pk", None)
        state = {"seq": head.last_seq, "prev": head.last_hash}
        kept = []

        def rows():
            for e in entries:
                state["seq"] += 1
                changes = e.changes or {}
                if not _plain(changes):
                    changes = normalise(changes)
                repr_ = e.object_repr[:200]
                h = entry_digest(
                    state["prev"], seq=state["seq"], at=now, actor_name=name, ip=ip, action=e.action,
                    object_type=e.object_type, object_id=e.object_id, object_repr=repr_, changes=changes,
                    message=e.message, actor_id=actor_id,
                )
                row = [state["seq"], now, actor_id, name, ip, e.action, e.object_type, e.object_id, repr_, changes,
                       e.message, state["prev"], h]
                if return_entries:
                    kept.append(AuditEntry(**dict(zip(_FIELDS[:2], row[:2], strict=True)), actor_id=actor_id,
                                           **dict(zip(_FIELDS[3:], row[3:], strict=True))))
                state["prev"] = h
                yield row

        from .bulk import fast_insert

        n = fast_insert(AuditEntry, _FIELDS, rows())
        if n:
            head.last_seq, head.last_hash = state["seq"], state["prev"]
            head.save(update_fields=["last_seq", "last_hash"])
            _checkpoint_after_commit(head)
        return kept if return_entries else n


def audit_log(*, action, obj=None, actor=None, changes=None, message="", object_type=None, object_id=None,
              object_repr=None, actor_name=None, ip=None):
    """Append one entry. `obj` fills the object fields; explicit ones override."""
    ot, oid, orepr = _object_fields(obj)
    entry = PendingEntry(
        action=action,
        object_type=object_type if object_type is not None else ot,
        object_id=str(object_id) if object_id is not None else oid,
        object_repr=object_repr if object_repr is not None else orepr,
        changes=changes,
        message=message,
    )
    return audit_bulk([entry], actor=actor, actor_name=actor_name, ip=ip, return_entries=True)[0]


def record_version(obj):
    """A fingerprint of a record's stored fields. An edit form (or API client) carries the one it
    read; `update_with_audit(expected_version=...)` refuses the save when the record has changed
    since (optimistic locking: the second of two editors is told, nothing is overwritten)."""
    values = {f.attname: str(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:20]


class EditConflict(Exception):
    """The record changed after the editor read it (see `record_version`)."""

    def __init__(self, current):
        super().__init__("该记录已被他人修改")
        self.current = current


def update_with_audit(obj, *, actor, fields, check=None, prepare=None, audit_fields=None, clean=True,
                      clean_exclude=None, message="", expected_version=None, lock=True, m2m=None,
                      snapshot_fn=None, before_save=None, object_repr=None):
    """The one way a service changes a record: lock the row, check, apply `fields`, check again,
    validate, save only when something changed, and write one UPDATE audit entry holding the
    {field: [before, after]} diff, all in the caller's transaction (or one of its own).

    - `check(obj)` runs on the locked row before and after the fields are applied (scope: the
      record must be in the actor's scope, and must stay in it); it raises PermissionDenied or
      ValidationError.
    - `prepare(obj)` derives fields after they are applied (e.g. a done date when the status says done).
    - `audit_fields` limits what the diff (and so the change test) looks at; default every field.
    - `expected_version` (a `record_version` the editor read) raises EditConflict when stale.
    - `m2m` {relation: records or None}: many-to-many sets applied after the save, in the same
      diff (as sorted primary keys); None leaves a relation as it is.
    - `snapshot_fn(obj)` replaces the field snapshot (e.g. one that masks personal data).
    - `before_save(obj, before)` runs after validation, before the save (e.g. rewrite a subtree).
    - `object_repr(obj)` names the record in the entry (default str(obj); personal data masked).
    Returns (obj, changes); `changes` is empty when nothing changed (then nothing is written)."""
    from django.core.exceptions import ValidationError

    with transaction.atomic():
        model = type(obj)
        if lock:
            current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
            if current is None:
                raise ValidationError("该记录已被删除，修改未保存")
            obj = current
        if expected_version and expected_version != record_version(obj):
            raise EditConflict(obj)
        if check is not None:
            check(obj)
        m2m = {k: v for k, v in (m2m or {}).items() if v is not None}

        def state(o, relations=None):
            snap = dict(snapshot_fn(o) if snapshot_fn else snapshot(o, audit_fields))
            for name in m2m:
                snap[name] = sorted(relations[name] if relations else getattr(o, name).values_list("pk", flat=True))
            return snap

        before = state(obj)
        for k, v in fields.items():
            setattr(obj, k, v)
        if prepare is not None:
            prepare(obj)
        if check is not None:
            check(obj)
        if clean:
            obj.full_clean(exclude=clean_exclude)
        wanted = {name: [getattr(x, "pk", x) for x in records] for name, records in m2m.items()}
        changes = diff(before, state(obj, wanted))
        if changes:
            if before_save is not None:
                before_save(obj, before)
            obj.save()
            for name in m2m:
                if name in changes:
                    getattr(obj, name).set(wanted[name])
            audit_log(action=AuditAction.UPDATE, obj=obj, actor=actor, changes=changes, message=message,
                      **({"object_repr": object_repr(obj)} if object_repr else {}))
    return obj, changes


def pending_for(action, obj, changes=None, message=""):
    ot, oid, orepr = _object_fields(obj)
    return PendingEntry(action=action, object_type=ot, object_id=oid, object_repr=orepr, changes=changes, message=message)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list


def audit_verify():
    """Walk the chain in `seq` order from the retention anchor and report every break:
    a changed entry (hash mismatch), a missing entry (gap in seq or prev_hash mismatch), or a
    head that does not match the last entry (entries deleted from the end)."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    prev_hash, prev_seq = head.anchor_hash, head.anchor_seq
    problems, checked = [], 0
    qs = AuditEntry.objects.filter(seq__gt=head.anchor_seq).order_by("seq")
    for e in qs.iterator(chunk_size=5000):
        checked += 1
        if e.seq != prev_seq + 1:
            problems.append(f"第{prev_seq + 1}～{e.seq - 1}号日志缺失（已被删除）")
        if e.prev_hash != prev_hash:
            problems.append(f"第{e.seq}号日志的前序哈希与上一条不符")
        expected = entry_digest(
            e.prev_hash, seq=e.seq, at=e.at, actor_name=e.actor_name, ip=e.ip, action=e.action,
            object_type=e.object_type, object_id=e.object_id, object_repr=e.object_repr, changes=e.changes,
            message=e.message, actor_id=e.actor_id,
        )
        if expected != e.hash:
            problems.append(f"第{e.seq}号日志内容已被篡改（哈希不符）")
        prev_hash, prev_seq = e.hash, e.seq
    if head.last_seq != prev_seq or head.last_hash != prev_hash:
        problems.append(f"日志链末端不符：应到第{head.last_seq}号，实际到第{prev_seq}号（末尾日志可能被删除）")
    point, forged = read_checkpoint()
    if forged:
        problems.append(f"检查点文件中有{forged}行无法验证（被改写或伪造）")
    if point is not None:
        cp_seq, cp_hash, cp_anchor_seq, cp_anchor_hash = point
        if cp_seq > head.last_seq:
            problems.append(f"日志链被回退：检查点记录已到第{cp_seq}号，数据库中只到第{head.last_seq}号（末尾日志被删除）")
        elif cp_seq > head.anchor_seq:
            at_cp = AuditEntry.objects.filter(seq=cp_seq).values_list("hash", flat=True).first()
            if at_cp is not None and at_cp != cp_hash:
                problems.append(f"第{cp_seq}号日志与检查点不符（日志链被重写）")
        if head.anchor_seq > cp_anchor_seq and not _pruned_to(head.anchor_seq):
            problems.append(f"保留锚点被移动：检查点锚点为第{cp_anchor_seq}号，数据库为第{head.anchor_seq}号")
    elif head.last_seq:
        problems.append("未找到日志链检查点文件（数据目录中的 audit_checkpoints.log），无法确认末尾日志未被删除")
    return VerifyResult(ok=not problems, checked=checked, problems=problems)


def _pruned_to(anchor_seq):
    """A move of the anchor is genuine when the checkpoint file records the prune that made it."""
    point, _ = read_checkpoint()
    return point is not None and point[2] >= anchor_seq


def audit_prune(*, days=None, actor=None):
    """Delete entries older than the retention period (never less than 184 days), moving the
    verification anchor to the last deleted entry so the remaining chain still verifies."""
    days = max(settings.AUDIT_RETENTION_DAYS, days or 0)
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        head = _lock_head()
        last_old = AuditEntry.objects.filter(at__lt=cutoff).order_by("-seq").first()
        if last_old is None:
            return 0
        count, _ = AuditEntry.objects.filter(seq__lte=last_old.seq).delete()
        head.anchor_seq, head.anchor_hash = last_old.seq, last_old.hash
        head.save(update_fields=["anchor_seq", "anchor_hash"])
        _checkpoint_after_commit(head)
    audit_log(action=AuditAction.PRUNE, actor=actor, message=f"清理{days}天前的审计日志{count}条，至第{last_old.seq}号")
    return count


def vendor():
    return connection.vendor
