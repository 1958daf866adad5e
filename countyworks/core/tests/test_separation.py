"""三员分立: the 系统管理员 cannot take over the 审计员 (or any 三员 account); the 安全管理员 manages
the 三员 accounts and duties but creates no accounts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from countyworks.core import services
from countyworks.core.factories import UserFactory, user_with_role
from countyworks.core.models import Role, RoleKind


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
    services.role_grant(user=someone, kind=RoleKind.AUDITOR, actor=sec)
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
