"""List pages at 360 px (a phone): every row is a card, nothing overflows sideways, and no cell is
squeezed narrower than four characters. Headless Chromium."""

from datetime import date

import pytest

from countyworks.browser_fixtures import login, screenshot
from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, Programme, Role, RoleKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/investment/projects/", "/investment/leads/", "/core/enterprises/", "/dispatch/tasks/",
         "/dispatch/submissions/", "/core/audit/"]

MEASURE = """() => {
  const fs = parseFloat(getComputedStyle(document.body).fontSize);
  const cells = [...document.querySelectorAll('.table-cards tbody td')].filter(td => td.offsetParent !== null);
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    cells: cells.length,
    narrow: cells.filter(td => td.getBoundingClientRect().width < 4 * fs).map(td => td.dataset.label + ':' + td.innerText).slice(0, 5),
    headVisible: [...document.querySelectorAll('.table-cards thead')].some(t => t.offsetParent !== null),
  };
}"""


@pytest.fixture
def lists_world(db):
    from countyworks.dispatch.models import Task
    from countyworks.investment.tests.conftest import make_project

    district = OrgUnitFactory(name="样例区", kind=OrgUnit.Kind.DISTRICT)
    town = OrgUnitFactory(name="样例街道", parent=district)
    village = OrgUnitFactory(name="样例村", parent=town, kind=OrgUnit.Kind.VILLAGE)
    for i in range(6):
        make_project(village if i % 2 else town, 12000 + i * 1000, date(2024, 2, 1 + i),
                     name=f"年产{i + 1}万吨新型环保材料生产线建设项目")
        EnterpriseFactory(name=f"广东样例新材料科技股份有限公司{i}")
        Task.objects.create(programme=Programme.DISPATCH, title=f"推进重点任务第{i + 1}项，按期完成节点", unit=town,
                            deadline=date(2024, 3, 1 + i))
    user = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district)
    Role.objects.create(user=user, kind=RoleKind.MANAGER, programme=Programme.DISPATCH, unit=district)
    return user


def test_list_pages_are_cards_on_a_phone(live_server, phone_page, lists_world):
    page = phone_page
    login(page, live_server, lists_world.username, "Test@Pass2024")
    seen = 0
    for url in PAGES:
        resp = page.goto(f"{live_server.url}{url}")
        if resp.status == 403:  # a page this role does not open (the audit log): nothing to measure
            continue
        assert resp.status == 200, url
        m = page.evaluate(MEASURE)
        assert m["overflow"] <= 1, (url, m)
        assert not m["narrow"], (url, m)
        if m["cells"]:
            seen += 1
            assert not m["headVisible"], url
        screenshot(page, "phone_list_" + url.strip("/").replace("/", "_"))
    assert seen >= 3  # projects, enterprises, tasks have rows here


def test_long_multi_select_is_searchable_on_a_phone(live_server, phone_page, lists_world):
    """对接企业 on the activity form: type part of a name, only matching companies stay; tapping
    toggles one without losing the others; what is chosen is listed under the box."""
    for i in range(40):
        EnterpriseFactory(name=f"江门其他行业企业{i:02d}有限公司")
    page = phone_page
    login(page, live_server, lists_world.username, "Test@Pass2024")
    page.goto(f"{live_server.url}/investment/activities/new/")
    box = page.locator("xpath=//select[@name='enterprises']/preceding-sibling::input[contains(@class,'ms-search')][1]")
    chosen = page.locator("xpath=//select[@name='enterprises']/following-sibling::div[contains(@class,'ms-chosen')][1]")
    assert box.count() == 1 and chosen.inner_text() == "未选择"
    box.fill("新材料")
    visible = page.evaluate("() => [...document.querySelector('select[name=enterprises]').options]"
                            ".filter(o => !o.hidden).length")
    assert visible == 6
    opts = page.locator("select[name=enterprises] option:not([hidden])")
    opts.nth(0).dispatch_event("mousedown")
    opts.nth(1).dispatch_event("mousedown")
    box.fill("")
    assert "已选 2 项" in chosen.inner_text() and "新材料" in chosen.inner_text()
    selected = page.evaluate("() => [...document.querySelector('select[name=enterprises]').selectedOptions].length")
    assert selected == 2
    screenshot(page, "phone_multiselect")
