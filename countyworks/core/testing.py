"""Generic view tests, written once and applied to every list/detail/create/edit view
(NetBox's utilities/testing/views.py is the model).

A test module subclasses `ViewContract` and implements `make_world()`, returning a `World`:
a record inside the permitted user's scope, a record outside it, a user with the right role,
a user with no role, and URL builders. The inherited tests then check:
anonymous → login page; no role → 403; another unit's record → 404; permitted → 200;
a write → an audit entry."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse

from .models import AuditEntry


@dataclass
class World:
    permitted: Any  # user who may use the views
    outsider: Any  # logged-in user without a role for this programme
    own: Any  # a record in the permitted user's scope
    foreign: Any = None  # a record outside it; None where the register has no per-unit scope
    list_url: str | None = None
    detail_url: Callable[[Any], str] | None = None
    create_url: str | None = None
    create_data: dict = field(default_factory=dict)
    update_url: Callable[[Any], str] | None = None
    update_data: Callable[[Any], dict] | None = None
    list_text: Callable[[Any], str] = str  # how the list page shows a record (default: str(record))


@pytest.mark.django_db
class ViewContract:
    def make_world(self) -> World:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    @pytest.fixture
    def world(self, db):
        return self.make_world()

    def _urls(self, w):
        urls = []
        if w.list_url:
            urls.append(w.list_url)
        if w.detail_url:
            urls.append(w.detail_url(w.own))
        if w.create_url:
            urls.append(w.create_url)
        if w.update_url:
            urls.append(w.update_url(w.own))
        return urls

    def test_anonymous_goes_to_login(self, client, world):
        for url in self._urls(world):
            resp = client.get(url)
            assert resp.status_code == 302, url
            assert resp["Location"].startswith(reverse("login")), url

    def test_user_without_role_gets_403(self, client, world):
        client.force_login(world.outsider)
        for url in self._urls(world):
            assert client.get(url).status_code == 403, url

    def test_other_units_record_is_404(self, client, world):
        if world.foreign is None:
            pytest.skip("the permitted user's scope covers every record of this register")
        if not (world.detail_url or world.update_url):
            pytest.skip("no per-record views")
        client.force_login(world.permitted)
        if world.detail_url:
            assert client.get(world.detail_url(world.foreign)).status_code == 404
        if world.update_url:
            assert client.get(world.update_url(world.foreign)).status_code == 404
            assert client.post(world.update_url(world.foreign), world.update_data(world.foreign)).status_code == 404

    def test_permitted_user_gets_200(self, client, world):
        client.force_login(world.permitted)
        for url in self._urls(world):
            assert client.get(url).status_code == 200, url
        if world.list_url:
            resp = client.get(world.list_url)
            assert world.list_text(world.own).encode() in resp.content
            if world.foreign is not None:
                assert world.list_text(world.foreign).encode() not in resp.content

    def test_list_exports_xlsx(self, client, world):
        if not world.list_url:
            pytest.skip("no list view")
        client.force_login(world.permitted)
        resp = client.get(world.list_url + "?export=xlsx")
        assert resp.status_code == 200
        assert resp.content[:2] == b"PK"
        assert AuditEntry.objects.filter(action="export", actor=world.permitted).exists()

    def test_write_leaves_audit_entry(self, client, world):
        client.force_login(world.permitted)
        before = AuditEntry.objects.count()
        if world.create_url:
            resp = client.post(world.create_url, world.create_data)
            assert resp.status_code == 302, getattr(resp, "context", None) and resp.context.get("form").errors
            assert AuditEntry.objects.filter(action="create", actor=world.permitted).count() >= 1
        if world.update_url:
            resp = client.post(world.update_url(world.own), world.update_data(world.own))
            assert resp.status_code == 302, getattr(resp, "context", None) and resp.context.get("form").errors
            assert AuditEntry.objects.filter(action="update", actor=world.permitted).exists()
        if world.create_url or world.update_url:
            assert AuditEntry.objects.count() > before
