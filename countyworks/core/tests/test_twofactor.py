"""Two-factor login (TOTP + recovery codes): required for the 三员 and district-level roles when the
policy says so, optional for the others; enrolment, verification and a reset are audited."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import AuditEntry, OrgUnit, Programme, RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR = "required"


@pytest.fixture
def district():
    return OrgUnitFactory(name="双因素区", kind=OrgUnit.Kind.DISTRICT)


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user):
    client.force_login(user)
    page = client.get(reverse("core:twofactor_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    resp = client.post(reverse("core:twofactor_setup"), {"token": code_for(device)})
    codes = re.findall(r"<li>([0-9a-z]+)</li>", resp.content.decode())
    assert len(codes) == 10
    return device, codes


def test_a_district_manager_must_set_it_up_before_anything_else(client, required, district):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    client.force_login(manager)
    resp = client.get(reverse("investment:project_list"))
    assert resp.status_code == 302 and resp["Location"] == reverse("core:twofactor_setup")
    page = client.get(reverse("core:twofactor_setup")).content.decode()
    assert "须启用双因素认证" in page and "otp-secret" in page
    resp = client.post(reverse("core:twofactor_setup"), {"token": "000000"})
    assert "验证码不正确" in resp.content.decode()
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    time.sleep(1.1)  # django-otp throttles guessing: 1 s after one failure, doubling after each
    device = TOTPDevice.objects.get(user=manager)
    resp = client.post(reverse("core:twofactor_setup"), {"token": code_for(device)})
    assert "恢复码" in resp.content.decode()
    assert client.get(reverse("investment:project_list")).status_code == 200
    assert AuditEntry.objects.filter(action="security", message__startswith="启用双因素认证").exists()


def test_a_new_session_asks_for_the_code_and_a_recovery_code_works_once(required, district):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    _, codes = enrol(Client(), manager)
    browser = Client()
    browser.force_login(manager)  # the password step
    resp = browser.get(reverse("investment:project_list"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("core:twofactor_verify"))
    verify = resp["Location"]
    assert "验证码不正确" in browser.post(verify, {"token": "123456"}).content.decode()
    assert AuditEntry.objects.filter(action="security", message="双因素认证失败", actor=manager).exists()
    time.sleep(1.1)  # the throttle after a failure
    resp = browser.post(verify, {"token": codes[0]})
    assert resp.status_code == 302 and resp["Location"] == reverse("investment:project_list")
    assert browser.get(reverse("investment:project_list")).status_code == 200
    again = Client()
    again.force_login(manager)
    assert "验证码不正确" in again.post(reverse("core:twofactor_verify"), {"token": codes[0]}).content.decode()


def test_the_code_step_cannot_send_anyone_elsewhere(required, district):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    _, codes = enrol(Client(), manager)  # (the app's current code was just used: a code works once)
    browser = Client()
    browser.force_login(manager)
    resp = browser.post(reverse("core:twofactor_verify"), {"token": codes[1], "next": "https://evil.example/"})
    assert resp["Location"] == reverse("home")


def test_the_api_by_session_waits_for_the_second_factor(required, district):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    enrol(Client(), manager)
    browser = Client()
    browser.force_login(manager)
    resp = browser.get("/api/v1/investment/projects/")
    assert resp.status_code == 302 and reverse("core:twofactor_verify") in resp["Location"]


def test_a_village_operator_may_but_need_not(client, required, district):
    village = OrgUnitFactory(name="双因素村", kind=OrgUnit.Kind.VILLAGE,
                             parent=OrgUnitFactory(name="双因素街道", parent=district))
    operator = user_with_role(RoleKind.OPERATOR, Programme.RURAL, village)
    client.force_login(operator)
    assert client.get(reverse("rural:plan_list")).status_code == 200


def test_the_trio_must_use_it(client, required):
    auditor = user_with_role(RoleKind.AUDITOR)
    client.force_login(auditor)
    assert client.get(reverse("core:audit_list"))["Location"] == reverse("core:twofactor_setup")


def test_optional_policy_forces_nobody(client, settings, district):
    settings.TWO_FACTOR = "optional"
    client.force_login(user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district))
    assert client.get(reverse("investment:project_list")).status_code == 200


def test_the_security_admin_resets_a_lost_phone(client, required, district):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district, username="lost_phone")
    enrol(Client(), manager)
    sec = user_with_role(RoleKind.SECADMIN)
    device, _ = enrol(client, sec)  # the 安全管理员 is one of the 三员: verified in this session by enrolling
    resp = client.post(reverse("core:security"), {"reset_2fa": "lost_phone"}, follow=True)
    assert "已重置" in resp.content.decode()
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert AuditEntry.objects.filter(action="security", message__startswith="重置双因素认证", actor=sec).exists()


def test_an_account_without_a_device_is_not_looked_up_on_every_page(client, settings, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TWO_FACTOR = "optional"
    client.force_login(user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district))
    url = reverse("investment:project_list")
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert any("otp_totp" in q["sql"] for q in first.captured_queries)
    assert not any("otp_totp" in q["sql"] for q in second.captured_queries)
