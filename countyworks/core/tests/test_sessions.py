"""The idle timeout without a session write on every page view."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from countyworks.core.factories import user_with_role


@pytest.mark.django_db
def test_page_views_within_a_minute_write_no_session(client, settings):
    settings.SESSION_TOUCH_INTERVAL = 60
    user = user_with_role()
    client.force_login(user)
    client.get("/")  # the first view renews the session
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            assert client.get("/").status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and
              q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []


@pytest.mark.django_db
def test_an_older_renewal_is_renewed(client, settings):
    user = user_with_role()
    client.force_login(user)
    settings.SESSION_TOUCH_INTERVAL = 0
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date >= before
    assert "_cw_touched" in Session.objects.get(session_key=key).get_decoded()
