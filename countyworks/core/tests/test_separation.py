"""三员分立: the 系统管理员 cannot take over the 审计员 (or any 三员 account); the 安全管理员 manages
the 三员 accounts and duties but creates no accounts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from countyworks.core import services
from countyworks.core.factories import UserFactory, user_with_role
from countyworks.core.flows import ROLE_REQUEST
from countyworks.core.models import AuditEntry, Role, RoleKind, RoleRequest


@pytest.fixture
def trio(db):
    return {k: user_with_role(k) for k in (RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR)}


def test_the_sysadmin_cannot_reset_the_auditors_password_or_deactivate_them(trio):
    admin, auditor = trio[RoleKind.SYSADMIN], trio[RoleKind.AUDITOR]
    with pytest.raises(PermissionDenied, match="三员账号只能由安全管理员管理"):
        services.user_set_password(user=auditor, password="Another#Pass2024x", actor=admin)
    with pytest.raises(PermissionDenied):
        services.user_update(user=auditor, actor=admin, is_active=False)
    auditor.refresh_from_db()
    assert auditor.is_active and not auditor.check_password("Another#Pass2024x")


def test_the_sysadmin_cannot_create_an_account_and_make_it_an_auditor(trio):
    admin = trio[RoleKind.SYSADMIN]
    mine = services.user_create(actor=admin, username="shadow", password="Shadow#Pass2024x")
    with pytest.raises(PermissionDenied, match="三员角色只能由安全管理员授予"):
        services.role_grant(user=mine, kind=RoleKind.AUDITOR, actor=admin)
    assert not Role.objects.filter(user=mine).exists()


def test_the_security_admin_grants_and_manages_trio_duties_but_creates_no_accounts(trio, client):
    sec = trio[RoleKind.SECADMIN]
    someone = UserFactory()
    req = services.role_request_create(user=someone, kind=RoleKind.AUDITOR, actor=trio[RoleKind.SYSADMIN],
                                       reason="审计员调岗，新任审计员接替")
    ROLE_REQUEST.apply(req, "approve", actor=sec)
    services.user_set_password(user=trio[RoleKind.AUDITOR], password="Reset#Pass2024xy", actor=sec)
    with pytest.raises(PermissionDenied):
        services.user_create(actor=sec, username="x2", password="Shadow#Pass2024x")
    client.force_login(sec)
    assert client.get(reverse("core:user_create")).status_code == 403
    assert client.get(reverse("core:user_detail", args=[someone.pk])).status_code == 200


def test_a_trio_account_takes_no_programme_role(trio):
    with pytest.raises(ValidationError, match="不能兼任业务角色"):
        services.role_grant(user=trio[RoleKind.AUDITOR], kind=RoleKind.MANAGER, actor=trio[RoleKind.SYSADMIN],
                            programme="investment", unit=None)


# --- two people for a 三员 duty -------------------------------------------------------------------------


def test_a_trio_duty_is_granted_only_by_a_second_persons_confirmation(trio, client):
    admin, sec = trio[RoleKind.SYSADMIN], trio[RoleKind.SECADMIN]
    newcomer = UserFactory(username="new_auditor")
    with pytest.raises(PermissionDenied, match="两人办理"):  # the 安全管理员 alone cannot
        services.role_grant(user=newcomer, kind=RoleKind.AUDITOR, actor=sec)
    client.force_login(admin)  # the 系统管理员 asks on the account's page
    resp = client.post(reverse("core:user_roles", args=[newcomer.pk]),
                       {"kind": RoleKind.AUDITOR, "programme": "", "unit": "", "reason": "原审计员退休"}, follow=True)
    assert "待另一名安全管理员" in resp.content.decode()
    assert not newcomer.roles.exists()
    req = RoleRequest.objects.get(user=newcomer)
    assert req.status == RoleRequest.Status.PENDING and req.requested_by == admin
    client.force_login(sec)  # the 安全管理员 sees it and confirms
    page = client.get(reverse("core:security")).content.decode()
    assert "new_auditor" in page and "确认授予" in page
    resp = client.post(reverse("core:flow_transition", args=["core.role_request", req.pk]),
                       {"transition": "approve", "state": "pending"})
    assert resp.status_code == 302
    assert newcomer.roles.get().kind == RoleKind.AUDITOR
    assert AuditEntry.objects.filter(action="role_grant", object_repr__contains="new_auditor").exists() or \
        AuditEntry.objects.filter(action="role_grant", object_id=str(newcomer.pk)).exists()


def test_the_asker_cannot_confirm_their_own_request(trio):
    sec = trio[RoleKind.SECADMIN]
    other = UserFactory()
    req = services.role_request_create(user=other, kind=RoleKind.SYSADMIN, actor=sec, reason="增设系统管理员")
    with pytest.raises(ValidationError, match="同一人"):
        ROLE_REQUEST.apply(req, "approve", actor=sec)
    assert not other.roles.exists()
    second = user_with_role(RoleKind.SECADMIN)
    ROLE_REQUEST.apply(req, "approve", actor=second)
    assert other.roles.get().kind == RoleKind.SYSADMIN


def test_a_rejection_needs_a_reason_and_grants_nothing(trio, client):
    req = services.role_request_create(user=UserFactory(), kind=RoleKind.AUDITOR, actor=trio[RoleKind.SYSADMIN],
                                       reason="x")
    with pytest.raises(ValidationError, match="理由"):
        ROLE_REQUEST.apply(req, "reject", actor=trio[RoleKind.SECADMIN])
    ROLE_REQUEST.apply(req, "reject", actor=trio[RoleKind.SECADMIN], reason="人选未经审批")
    req.refresh_from_db()
    assert req.status == RoleRequest.Status.REJECTED and not req.user.roles.exists()


def test_only_admins_see_requests_and_the_auditor_cannot_confirm(trio, client):
    req = services.role_request_create(user=UserFactory(), kind=RoleKind.AUDITOR, actor=trio[RoleKind.SYSADMIN],
                                       reason="x")
    url = reverse("core:flow_transition", args=["core.role_request", req.pk])
    for user in (trio[RoleKind.AUDITOR], user_with_role(RoleKind.MANAGER, "investment")):
        client.force_login(user)
        assert client.post(url, {"transition": "approve", "state": "pending"}).status_code == 404
    client.force_login(trio[RoleKind.SYSADMIN])  # sees it, but may not confirm
    assert client.post(url, {"transition": "approve", "state": "pending"}).status_code == 403
    assert not req.user.roles.exists()


def test_a_request_that_could_never_be_granted_is_refused_at_once(trio):
    admin = trio[RoleKind.SYSADMIN]
    clerk = user_with_role(RoleKind.OPERATOR, "investment")
    with pytest.raises(ValidationError, match="三员分立"):
        services.role_request_create(user=clerk, kind=RoleKind.AUDITOR, actor=admin, reason="兼任")
    with pytest.raises(ValidationError, match="申请理由"):
        services.role_request_create(user=UserFactory(), kind=RoleKind.AUDITOR, actor=admin, reason=" ")
    with pytest.raises(PermissionDenied):
        services.role_request_create(user=admin, kind=RoleKind.AUDITOR, actor=admin, reason="给自己")
