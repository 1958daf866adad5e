"""One notion of today: COUNTYWORKS_TODAY pins it for the demo; production ignores it."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from countyworks.core import clock


def test_pinned_today_is_used_everywhere_it_is_asked(settings):
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    assert clock.today() == date(2024, 3, 29)
    assert clock.now().date() == date(2024, 3, 29)
    assert clock.is_pinned()


def test_production_ignores_the_pin(settings):
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    settings.PRODUCTION = True
    assert clock.today() != date(2024, 3, 29)
    assert not clock.is_pinned()


def test_a_malformed_pin_is_a_configuration_error_in_chinese(settings):
    settings.COUNTYWORKS_TODAY = "29/03/2024"
    with pytest.raises(ImproperlyConfigured, match="YYYY-MM-DD"):
        clock.today()


@pytest.mark.django_db
def test_the_banner_shows_the_pinned_date(client, settings):
    from countyworks.core.factories import user_with_role

    settings.COUNTYWORKS_TODAY = "2024-03-29"
    client.force_login(user_with_role())
    page = client.get("/").content.decode()
    assert "演示数据 · 系统日期 2024-03-29" in page
    settings.COUNTYWORKS_TODAY = ""
    assert "演示数据" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_record_codes_use_the_records_own_year(settings):
    from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory
    from countyworks.investment import services

    settings.COUNTYWORKS_TODAY = "2026-12-02"
    unit = OrgUnitFactory()
    lead = services.lead_create(actor=None, unit=unit, enterprise=EnterpriseFactory(), title="某项目",
                                source="expo", registered_on=date(2023, 5, 6))
    assert lead.code.startswith("XS2023-")
