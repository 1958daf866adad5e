"""The households demo: synthetic identifiers with valid check digits, the mix the journeys need,
and — over loading it and opening every page kind — no demo ID number or phone in the logs, and
none in plain text in the database."""

import logging

import pytest
from django.urls import reverse

from countyworks.core.identifiers import validate_id_number
from countyworks.core.models import User
from countyworks.demo.households import load_households
from countyworks.demo.jianghai import load_org_and_accounts
from countyworks.households.flows import procedure_clock
from countyworks.households.models import Elimination, Household, Identification, Member


@pytest.fixture
def demo(db, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-20"
    load_org_and_accounts()
    load_households()


def test_demo_mix_and_privacy(demo, client, caplog, settings):
    caplog.set_level(logging.DEBUG)
    members = list(Member.objects.all())
    assert Household.objects.count() >= 300
    ids = [m.id_number for m in members]
    phones = [h.phone for h in Household.objects.all() if h.phone]
    assert all(validate_id_number(i) == i for i in ids)
    assert Household.objects.filter(at_risk=True).exists()
    assert Household.objects.filter(status="monitored").count() >= 30
    assert Household.objects.filter(status="identifying").exists()
    assert Elimination.objects.filter(status="confirmed").exists()
    open_cases = Identification.objects.filter(status__in=Identification.OPEN)
    assert sum(procedure_clock(c)["overdue"] for c in open_cases) == 1
    # a village operator sees the own village's households only
    xq = User.objects.get(username="xiangqian")
    client.force_login(xq)
    page = client.get(reverse("households:household_list")).content.decode()
    assert "共 30 条" in page
    h = Household.objects.filter(unit__name="向前村", status="monitored").first()
    other = Household.objects.exclude(unit__name="向前村").first()
    assert client.get(other.get_absolute_url()).status_code == 404
    client.force_login(User.objects.get(username="lile_sh"))
    for url in (reverse("households:household_list"), h.get_absolute_url(), reverse("households:identification_list"),
                reverse("households:elimination_list"), reverse("households:stats"),
                reverse("households:household_list") + "?export=xlsx"):
        assert client.get(url).status_code == 200, url
    client.post(reverse("households:search"), {"number": h.members.first().id_number})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in ids + phones:
        assert value not in logged
    from countyworks.households.tests.conftest import database_dump

    dump = database_dump()
    for value in ids[:50] + phones[:50]:
        assert value not in dump
