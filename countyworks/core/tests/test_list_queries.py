"""A list page costs the same number of queries whatever the number of rows (one COUNT, not two)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return ctx.captured_queries


@pytest.mark.django_db
def test_project_list_queries_do_not_grow_with_rows_and_count_once(client):
    from countyworks.investment.tests.conftest import make_project

    top = OrgUnitFactory(name="某区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(name="甲街道", parent=top)
    client.force_login(user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, top))
    url = reverse("investment:project_list")
    make_project(a, 20000, date(2024, 3, 1))
    client.get(url)  # warm: the session renewal happens on the first view
    few = _queries(client, url)
    for i in range(30):
        make_project(a, 20000 + i, date(2024, 3, 2))
    many = _queries(client, url)
    assert len(many) == len(few)
    counts = [q["sql"] for q in many if q["sql"].startswith("SELECT COUNT(*)") and "investment_project" in q["sql"]]
    assert len(counts) == 1, counts
