"""The JSON API: token authentication, the same scoping as the web, an OpenAPI document."""

from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import Programme, RoleKind
from countyworks.investment.tests.conftest import make_project


@pytest.fixture
def api(db):
    a, b = OrgUnitFactory(name="接口甲街道"), OrgUnitFactory(name="接口乙街道")
    op = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, a)
    mine, theirs = make_project(a, 20000, date(2024, 1, 5)), make_project(b, 30000, date(2024, 1, 6))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=op).key}")
    return client, mine, theirs


def test_token_sees_only_its_scope(api):
    client, mine, theirs = api
    data = client.get("/api/v1/investment/projects/").json()
    assert [p["id"] for p in data["results"]] == [mine.pk]
    assert data["results"][0]["milestones"][0]["label"] == "签约"
    assert client.get(f"/api/v1/investment/projects/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/dispatch/submissions/").status_code == 403  # no dispatch role


def test_no_token_no_data_and_schema_is_served(api):
    assert APIClient().get("/api/v1/investment/projects/").status_code in (401, 403)
    client, _, _ = api
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/investment/projects/" in schema.content
