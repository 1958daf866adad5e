"""Journey 8 in headless Chromium at 360 px (Playwright, sync API): team 3 inspects an e-bike
parking site on a phone, fails two items with photos, two hazards open with a printable notice;
the property company rectifies one with an after-photo; another inspector re-checks and closes
it, and reopens the other. And the offline submission: queued in the browser while the network
is down, sent once when it is back.

Run with `pytest -m browser`; needs Debian's /usr/bin/chromium (`make browser-deps`)."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from countyworks.browser_fixtures import login, screenshot
from countyworks.demo.jianghai import DEMO_PASSWORD, load_org_and_accounts

from .conftest import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = "金溪花园电动自行车集中停放点"


@pytest.fixture
def world(live_server, settings, tmp_path):
    """The Jianghai org and accounts, the built-in categories and checklists (a transactional test
    flushes what the data migration wrote), the e-bike campaign with team 3 over 外海街道, a second
    team-3 inspector and the property company's account on 金溪社区."""
    from countyworks.core import services as core
    from countyworks.core.models import OrgUnit, Programme, RoleKind
    from countyworks.safety import services
    from countyworks.safety.models import ObjectCategory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COUNTYWORKS_TODAY = "2024-03-18"
    importlib.import_module("countyworks.safety.migrations.0002_reference_data").load(apps, None)
    users = {u.username: u for u in load_org_and_accounts()}
    units = {u.code: u for u in OrgUnit.objects.all()}
    office = users["zjj"]
    for username, name, unit in (("team3_li", "李四", "JH-T03"), ("jinxi_wuye", "金溪物业", "440704002001")):
        u = core.user_create(actor=None, username=username, password=DEMO_PASSWORD, full_name=name, unit=units[unit])
        core.role_grant(user=u, kind=RoleKind.OPERATOR, programme=Programme.SAFETY, unit=units[unit], actor=None)
        users[username] = u
    ebike = ObjectCategory.objects.get(name="电动自行车集中停放点")
    campaign = services.campaign_create(actor=office, name="电动自行车消防安全专项检查", lead_bureau=units["JH-B04"],
                                        start=date(2024, 3, 1), end=date(2024, 4, 30), categories=[ebike])
    ent = core.enterprise_create(actor=None, name="江门市金溪物业服务有限公司", credit_code="91440704MA52K3JD76")
    site = services.object_create(actor=office, name=SITE, category=ebike, unit=units["440704002001"],
                                  address="金溪路8号", enterprise=ent)
    services.campaign_team_set(campaign=campaign, team=units["JH-T03"], actor=office, leader=users["team3"],
                               members=[users["team3_li"]], areas=[units["440704002000"]])
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    return {"users": users, "site": site, "photo": str(photo)}


def as_user(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username, DEMO_PASSWORD)


def fill_inspection(page, site_pk, photo):
    """Items 3 (无入楼入户停放) and 4 (无飞线充电) fail with a note and a photo; 1 and 2 pass."""
    from countyworks.safety.models import InspectedObject
    from countyworks.safety.selectors import current_checklist

    items = list(current_checklist(InspectedObject.objects.get(pk=site_pk).category).items.all())
    for it in items:
        value = "fail" if it.seq in (3, 4) else "pass"
        page.click(f"label[for=id_item_{it.pk}_{ {'pass': 0, 'fail': 1}[value]}]")
        if value == "fail":
            page.fill(f"#id_note_{it.pk}", f"{it.text}不符合：现场发现问题")
            page.set_input_files(f"#id_photos_{it.pk}", photo)


def test_journey_inspection_to_closure(world, live_server, phone_page):
    from countyworks.safety.models import Hazard, Inspection

    page, site = phone_page, world["site"]
    as_user(page, live_server, "team3")
    page.goto(f"{live_server.url}/safety/inspect/")
    page.click(f"text={SITE}")
    page.wait_for_selector("#inspection-form")
    assert page.get_attribute(f"#id_photos_{site.category.checklists.first().items.first().pk}", "capture") == "environment"
    fill_inspection(page, site.pk, world["photo"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "safety_inspection_phone")
    with page.expect_navigation():
        page.click("#inspection-submit")
    assert "登记隐患2条" in page.inner_text("main")
    assert Inspection.objects.count() == 1
    h1, h2 = Hazard.objects.order_by("pk")

    # the team issues both notices; the notice downloads as .docx
    for h in (h1, h2):
        page.goto(f"{live_server.url}/safety/hazards/{h.pk}/")
        with page.expect_navigation():
            page.click("button[value=issue_notice]")
    with page.expect_download() as dl:
        page.click("#notice-link")
    assert dl.value.suggested_filename.endswith(".docx")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # the property company rectifies both with after-photos
    as_user(page, live_server, "jinxi_wuye")
    for h in (h1, h2):
        page.goto(f"{live_server.url}/safety/hazards/{h.pk}/")
        with page.expect_navigation():
            page.click("button[value=start]")
        page.fill("#rectify-card textarea[name=note]", "已整改：拆除飞线，设置集中充电桩")
        page.set_input_files("#rectify-card input[name=photos]", world["photo"])
        with page.expect_navigation():
            page.click("#rectify-card button[type=submit]")
        assert "已提交整改，等待复查" in page.inner_text("main")
        # the submitter is not offered the re-check
        assert page.locator("button[value=recheck_pass]").count() == 0

    # another inspector re-checks: closes one, reopens the other with a reason
    as_user(page, live_server, "team3_li")
    page.goto(f"{live_server.url}/safety/hazards/{h1.pk}/")
    with page.expect_navigation():
        page.click("button[value=recheck_pass]")
    with page.expect_navigation():
        page.click("button[value=close]")
    page.goto(f"{live_server.url}/safety/hazards/{h2.pk}/")
    page.fill("input[name=reason]", "楼道内仍有电动车停放")
    with page.expect_navigation():
        page.click("button[value=recheck_fail]")
    screenshot(page, "safety_hazard_reopened")
    h1.refresh_from_db()
    h2.refresh_from_db()
    assert (h1.status, h2.status) == ("closed", "rectifying")
    assert "楼道内仍有电动车停放" in page.inner_text("main")


def test_offline_inspection_is_sent_once_when_back_online(world, live_server, phone_page):
    from countyworks.safety.models import Hazard, Inspection

    page, site = phone_page, world["site"]
    as_user(page, live_server, "team3")
    page.goto(f"{live_server.url}/safety/inspect/{site.pk}/")
    fill_inspection(page, site.pk, world["photo"])
    page.reload()  # what was filled in survives a reload (the photos are chosen again)
    from countyworks.safety.selectors import current_checklist

    item4 = current_checklist(site.category).items.get(seq=4)
    assert page.is_checked(f"#id_item_{item4.pk}_1")
    assert "不符合" in page.input_value(f"#id_note_{item4.pk}")
    page.set_input_files(f"#id_photos_{item4.pk}", world["photo"])
    page.context.set_offline(True)
    page.click("#inspection-submit")
    page.wait_for_selector("#offline-status:not(.d-none)")
    assert "网络恢复后自动提交" in page.inner_text("#offline-status")
    assert Inspection.objects.count() == 0
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#offline-status.d-none", state="attached", timeout=15000)
    for _ in range(50):
        if Inspection.objects.exists():
            break
        page.wait_for_timeout(200)
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 2
    insp = Inspection.objects.get()
    assert insp.results.get(item=item4).photos.count() == 1
    # the queue is empty: another "online" sends nothing more
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    assert Inspection.objects.count() == 1
