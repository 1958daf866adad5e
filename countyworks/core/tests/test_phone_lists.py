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
