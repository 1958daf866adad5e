"""The audit log: written by every service write, hash-chained, verifiable, kept 184 days."""

import datetime as dt
import random
from io import StringIO
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from countyworks.core import services
from countyworks.core.audit import audit_log, audit_prune, audit_verify
from countyworks.core.factories import UserFactory, user_with_role
from countyworks.core.identifiers import random_credit_code
from countyworks.core.models import (
    AuditAction,
    AuditChainHead,
    AuditEntry,
    Indicator,
    OrgUnit,
    Programme,
    RoleKind,
)

pytestmark = pytest.mark.django_db


def last(action, object_type):
    return AuditEntry.objects.filter(action=action, object_type=object_type).order_by("-seq").first()


def test_every_service_write_leaves_an_entry_with_before_and_after():
    admin = user_with_role(RoleKind.SYSADMIN)
    district = services.orgunit_create(actor=admin, code="440704000000", name="江海区", kind=OrgUnit.Kind.DISTRICT)
    e = last(AuditAction.CREATE, "core.orgunit")
    assert e.actor == admin and e.actor_name == admin.username and e.object_id == str(district.pk)
    assert e.changes["name"] == [None, "江海区"] and e.changes["code"] == [None, "440704000000"]

    lile = services.orgunit_create(actor=admin, code="440704003000", name="礼乐街道", kind="subdistrict",
                                   parent=district)
    services.orgunit_update(unit=lile, actor=admin, name="礼乐街道办")
    assert last(AuditAction.UPDATE, "core.orgunit").changes == {"name": ["礼乐街道", "礼乐街道办"]}

    operator = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, lile)
    ent = services.enterprise_create(actor=operator, name="江门市甲有限公司",
                                     credit_code=random_credit_code(random.Random(1)), size="small")
    assert last(AuditAction.CREATE, "core.enterprise").changes["size"] == [None, "small"]
    services.enterprise_update(enterprise=ent, actor=operator, size="large", city="深圳")
    assert last(AuditAction.UPDATE, "core.enterprise").changes == {"city": ["", "深圳"], "size": ["small", "large"]}

    person = services.user_create(actor=admin, username="clerk", password="Jianghai#Clerk77", full_name="文员")
    assert last(AuditAction.CREATE, "core.user").changes["username"] == [None, "clerk"]
    assert "password" not in last(AuditAction.CREATE, "core.user").changes
    services.user_update(user=person, actor=admin, phone="13800138000")
    assert last(AuditAction.UPDATE, "core.user").changes == {"phone": ["", "13800138000"]}

    role = services.role_grant(user=person, kind=RoleKind.OPERATOR, programme=Programme.RURAL, unit=lile, actor=admin)
    assert last(AuditAction.ROLE_GRANT, "core.user").changes["role"] == [None, str(role)]
    services.role_revoke(role=role, actor=admin)
    assert last(AuditAction.ROLE_REVOKE, "core.user").changes["role"] == [str(role), None]

    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    ind = Indicator.objects.create(code="t_x", name="测试指标X", programme=Programme.INVESTMENT)
    services.target_set(unit=lile, indicator=ind, year=2024, value=3, actor=manager)
    assert last(AuditAction.CREATE, "core.target").changes["value"] == [None, "3"]
    services.target_set(unit=lile, indicator=ind, year=2024, value=4.5, actor=manager)
    assert last(AuditAction.UPDATE, "core.target").changes["value"] == ["3", "4.5"]

    att = services.attachment_add(target=ent, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), actor=operator)
    services.attachment_delete(attachment=att, actor=operator)
    assert last(AuditAction.DELETE, "core.attachment").object_repr == "a.pdf"

    team = services.orgunit_create(actor=None, code="JH-T01", name="检查组", kind="team", parent=district)
    services.orgunit_delete(unit=team, actor=None)
    gone = last(AuditAction.DELETE, "core.orgunit")
    assert gone.changes["name"] == ["检查组", None] and gone.actor_name == "system"
    assert audit_verify().ok


def test_verify_is_ok_on_an_untouched_chain():
    for i in range(5):
        audit_log(action=AuditAction.SECURITY, message=f"第{i}条", changes={"n": i, "when": dt.date(2024, 3, 7)})
    result = audit_verify()
    assert result.ok and result.checked == 5 and result.problems == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _, _ in seqs] == [1, 2, 3, 4, 5]
    assert all(seqs[i][1] == seqs[i - 1][2] for i in range(1, 5))


def test_verify_on_empty_log():
    assert audit_verify().ok


@pytest.fixture
def chain():
    return [audit_log(action=AuditAction.UPDATE, object_repr=f"对象{i}", message=f"说明{i}", changes={"v": [i, i + 1]})
            for i in range(1, 6)]


def test_editing_a_message_is_detected(chain):
    AuditEntry.objects.filter(seq=3).update(message="悄悄改过")
    result = audit_verify()
    assert not result.ok
    assert any("第3号" in p and "篡改" in p for p in result.problems), result.problems


def test_editing_changes_or_actor_is_detected(chain):
    AuditEntry.objects.filter(seq=2).update(changes={"v": [0, 0]})
    AuditEntry.objects.filter(seq=4).update(actor_name="someone_else")
    problems = audit_verify().problems
    assert any("第2号" in p for p in problems) and any("第4号" in p for p in problems)


def test_rehashing_an_edited_entry_is_still_detected(chain):
    """Whoever recomputes the hash of the edited entry breaks the link to the next one."""
    from countyworks.core.audit import entry_digest

    e = AuditEntry.objects.get(seq=3)
    e.message = "悄悄改过"
    e.hash = entry_digest(e.prev_hash, seq=e.seq, at=e.at, actor_name=e.actor_name, ip=e.ip, action=e.action, actor_id=e.actor_id,
                          object_type=e.object_type, object_id=e.object_id, object_repr=e.object_repr,
                          changes=e.changes, message=e.message)
    e.save()
    problems = audit_verify().problems
    assert any("第4号" in p and "前序哈希" in p for p in problems), problems


def test_deleting_a_middle_entry_is_detected(chain):
    AuditEntry.objects.filter(seq=3).delete()
    result = audit_verify()
    assert not result.ok
    assert any("第3～3号" in p and "缺失" in p for p in result.problems), result.problems


def test_deleting_the_last_entry_is_detected(chain):
    AuditEntry.objects.filter(seq=5).delete()
    result = audit_verify()
    assert not result.ok
    assert any("末端" in p for p in result.problems), result.problems


def test_deleting_everything_is_detected(chain):
    AuditEntry.objects.all().delete()
    assert not audit_verify().ok


def test_verify_command_exit_codes(chain):
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计日志链完整" in out.getvalue()
    AuditEntry.objects.filter(seq=2).update(message="改")
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert exc.value.code == 1
    assert "第2号" in err.getvalue() and "被破坏" in err.getvalue()


def test_entries_appended_after_a_break_do_not_hide_it(chain):
    """New entries appended after a break still chain onto the head, so the break stays visible."""
    AuditEntry.objects.filter(seq=5).delete()
    audit_log(action=AuditAction.SECURITY, message="之后的一条")
    assert not audit_verify().ok


def _entry_at(when, text):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit_log(action=AuditAction.SECURITY, message=text)


def test_prune_keeps_184_days_and_the_chain_still_verifies():
    now = timezone.now()
    for days, text in [(400, "很旧1"), (300, "很旧2"), (185, "刚过期"), (183, "未过期"), (10, "新"), (0, "今天")]:
        _entry_at(now - dt.timedelta(days=days), text)
    assert audit_verify().ok

    removed = audit_prune(days=30)  # asking for less than 184 days is not honoured
    assert removed == 3
    left = list(AuditEntry.objects.order_by("seq").values_list("message", flat=True))
    assert left[:3] == ["未过期", "新", "今天"] and "清理" in left[-1]
    assert not AuditEntry.objects.filter(at__gte=now - dt.timedelta(days=184), message__startswith="很旧").exists()
    result = audit_verify()
    assert result.ok, result.problems
    assert AuditChainHead.objects.get(pk=1).anchor_seq == 3

    # a second prune has nothing to remove, and the command refuses to go below 184 days
    assert audit_prune() == 0
    call_command("audit", "prune", "--days", "1", stdout=StringIO())
    assert AuditEntry.objects.filter(message="未过期").exists()
    assert audit_verify().ok


def test_prune_with_a_longer_period(settings):
    now = timezone.now()
    for days in (500, 300, 200):
        _entry_at(now - dt.timedelta(days=days), f"{days}天前")
    assert audit_prune(days=365) == 1
    assert set(AuditEntry.objects.filter(message__endswith="天前").values_list("message", flat=True)) == {
        "300天前", "200天前"}
    assert audit_verify().ok


def test_tampering_after_prune_is_still_detected():
    now = timezone.now()
    for days in (300, 200, 100, 50):
        _entry_at(now - dt.timedelta(days=days), f"{days}天前")
    audit_prune()
    AuditEntry.objects.filter(message="100天前").update(message="改")
    assert not audit_verify().ok


def test_security_events_are_logged(client):
    from countyworks.core.factories import TEST_PASSWORD

    user = UserFactory(username="lile_zs")
    client.post("/login/", {"username": "lile_zs", "password": "nope-nope-nope"}, REMOTE_ADDR="10.1.2.3")
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.actor_name == "lile_zs" and failed.ip == "10.1.2.3"
    client.post("/login/", {"username": "lile_zs", "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.2.3")
    ok = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert ok.actor == user and ok.ip == "10.1.2.3"
    client.post("/logout/")
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=user).exists()
    assert audit_verify().ok


# --- the attacks of someone who can write the database file but not the key or the data folder ----


def _rehash_everything_without_the_key():
    """What a database-only attacker can do: recompute every hash with a key of their own."""
    import hashlib
    import json as _json
    from datetime import UTC

    prev = "0" * 64
    for e in AuditEntry.objects.order_by("seq"):
        payload = _json.dumps([e.seq, e.at.astimezone(UTC).isoformat(), e.actor_id, e.actor_name, e.ip or "",
                               e.action, e.object_type, e.object_id, e.object_repr, e.changes, e.message],
                              ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256((prev + payload).encode()).hexdigest()
        AuditEntry.objects.filter(pk=e.pk).update(prev_hash=prev, hash=h)
        prev = h
    return prev


def test_recomputing_every_hash_after_an_edit_is_detected(chain):
    from countyworks.core.models import AuditChainHead

    AuditEntry.objects.filter(seq=2).update(message="悄悄改过")
    last = _rehash_everything_without_the_key()
    AuditChainHead.objects.filter(pk=1).update(last_hash=last)
    problems = audit_verify().problems
    assert any("篡改" in p for p in problems), problems


def test_changing_the_actor_id_is_detected(chain):
    from countyworks.core.factories import UserFactory

    AuditEntry.objects.filter(seq=4).update(actor=UserFactory())
    assert any("第4号" in p and "篡改" in p for p in audit_verify().problems)


def test_deleting_the_tail_and_rewinding_the_head_is_detected(chain):
    from countyworks.core.models import AuditChainHead

    third = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(seq__gt=3).delete()
    AuditChainHead.objects.filter(pk=1).update(last_seq=3, last_hash=third.hash)
    problems = audit_verify().problems
    assert any("日志链被回退" in p and "第5号" in p for p in problems), problems


def test_moving_the_retention_anchor_forward_is_detected(chain):
    from countyworks.core.models import AuditChainHead

    second = AuditEntry.objects.get(seq=2)
    AuditEntry.objects.filter(seq__lte=2).delete()
    AuditChainHead.objects.filter(pk=1).update(anchor_seq=2, anchor_hash=second.hash)
    problems = audit_verify().problems
    assert any("保留锚点被移动" in p for p in problems), problems


def test_a_forged_checkpoint_line_is_reported(chain, settings):
    from pathlib import Path

    path = Path(settings.DATA_DIR) / "audit_checkpoints.log"
    with open(path, "a") as fh:
        fh.write("99 " + "a" * 64 + " 0 " + "0" * 64 + " " + "b" * 64 + "\n")
    assert any("无法验证" in p for p in audit_verify().problems)


def test_a_missing_checkpoint_file_is_reported(chain, settings):
    from pathlib import Path

    (Path(settings.DATA_DIR) / "audit_checkpoints.log").unlink()
    assert any("未找到日志链检查点文件" in p for p in audit_verify().problems)


def test_production_needs_an_audit_key_outside_the_database(settings):
    from django.core.exceptions import ImproperlyConfigured

    from countyworks.core import audit

    settings.PRODUCTION, settings.AUDIT_KEY = True, ""
    audit._KEY_CACHE.clear()
    with pytest.raises(ImproperlyConfigured, match="COUNTYWORKS_AUDIT_KEY"):
        audit.audit_key()
    audit._KEY_CACHE.clear()
