"""The unit picker: at scale a search box, never the whole tree in the page; the search answers
only units of the user's scope; the field still refuses a unit outside it."""

import pytest
from django.urls import reverse

from countyworks.core import unitpicker
from countyworks.core.factories import OrgUnitFactory, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind

P = Programme.INVESTMENT


@pytest.fixture
def tree(db):
    top = OrgUnitFactory(name="某区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(name="甲街道", parent=top)
    b = OrgUnitFactory(name="乙街道", parent=top)
    villages = [OrgUnitFactory(name=f"甲{i}村", parent=a, kind=OrgUnit.Kind.VILLAGE) for i in range(5)]
    OrgUnitFactory(name="乙一村", parent=b, kind=OrgUnit.Kind.VILLAGE)
    return {"top": top, "a": a, "b": b, "villages": villages, "op": user_with_role(RoleKind.OPERATOR, P, a)}


def test_many_units_render_a_search_box_not_a_list(tree, client, monkeypatch):
    monkeypatch.setattr(unitpicker, "PICKER_THRESHOLD", 3)
    client.force_login(tree["op"])
    page = client.get(reverse("investment:project_list")).content.decode()
    form = page[page.index('name="unit"') - 600: page.index('name="unit"') + 600]
    assert "unit-picker" in form and "甲3村" not in page.split("<table")[0]


def test_few_units_stay_a_plain_select(tree, client):
    client.force_login(tree["op"])
    page = client.get(reverse("investment:project_list")).content.decode()
    assert "甲3村</option>" in page and "unit-picker-input" not in page


def test_search_answers_only_the_users_scope(tree, client):
    client.force_login(tree["op"])
    found = client.get(reverse("core:unit_search"), {"q": "村", "programme": P}).json()["results"]
    assert {r["name"] for r in found} == {f"甲{i}村" for i in range(5)}
    assert client.get(reverse("core:unit_search"), {"q": "乙"}).json()["results"] == []
    assert client.get(reverse("core:unit_search"), {"q": ""}).json()["results"] == []


def test_the_field_refuses_a_unit_outside_the_scope_whatever_was_posted(tree, monkeypatch):
    monkeypatch.setattr(unitpicker, "PICKER_THRESHOLD", 3)
    from countyworks.core.scope import units_in_scope

    field = unitpicker.UnitChoiceField(units_in_scope(tree["op"], programme=P), programme=P)
    assert isinstance(field.widget, unitpicker.UnitPickerWidget)
    assert field.clean(str(tree["villages"][0].pk)) == tree["villages"][0]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        field.clean(str(tree["b"].pk))


def test_anonymous_search_goes_to_login(client):
    resp = client.get(reverse("core:unit_search"), {"q": "村"})
    assert resp.status_code == 302
