"""Generic view tests, written once and applied to every list/detail/create/edit view
(NetBox's utilities/testing/views.py is the model).

A test module subclasses `ViewContract` and implements `make_world()`, returning a `World`:
a record inside the permitted user's scope, a record outside it, a user with the right role,
a user with no role, and URL builders. The inherited tests then check:
anonymous → login page; no role → 403; another unit's record → 404; permitted → 200;
a write → an audit entry; a create adds exactly one object holding what was posted, with exactly
one audit entry for it; a create naming another unit is refused and writes nothing; a read-only
role is refused every write; a world without write URLs must say so (read_only_views).

Beyond the register's own four views a world lists its other pages (`pages`: GET pages, a URL or
a callable of a record), its POST-only actions (`actions`: callables of a record) and its API
endpoints; every one of them gets the same scope checks. Each contract class declares the URL names
it covers (`covers`), the contract checks the declaration against the world, and
core/tests/test_url_coverage.py checks that every URL pattern of the project is covered by some
contract or listed there as exempt with a reason."""

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.urls import resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
    # the stronger contract (NetBox's utilities/testing/views.py): set what applies
    model: Any = None  # the model create_url creates: a create adds exactly one, with one audit entry
    created_fields: dict | None = None  # field → the value the created object must hold
    foreign_create_data: dict | None = None  # create_data naming a unit outside the permitted scope
    read_only: Any = None  # a user whose role only reads this programme (a leader): every write refused
    read_only_views: bool = False  # the register has no write views: says so, so no write test passes vacuously
    # the register's other views, under the same scope checks
    pages: list = field(default_factory=list)  # GET pages: a URL, or a callable(record) → URL of a per-record page
    # GET pages per record whose success depends on the machine (a PDF needs LibreOffice): only their
    # refusals are checked here (anonymous → login, no role → 403/404, another unit's → 404)
    guarded_pages: list = field(default_factory=list)
    actions: list = field(default_factory=list)  # POST-only endpoints: callable(record) → URL, or (callable, data)
    writes_tested_by: str = ""  # the register writes by POSTs to its pages: the test of this module that checks them
    api_list_url: str | None = None  # the register's API list endpoint
    api_detail_url: Callable[[Any], str] | None = None
    api_pages: list = field(default_factory=list)  # other API GET endpoints: a URL, or callable(record) → URL


MATRIX = {"pairs": 0}  # (URL, role) pairs the role matrix checked; printed at the end of the run

MATRIX_KINDS = ("operator", "reviewer", "manager", "leader")


def _unit_of(record):
    """The org unit a record belongs to (its own, or its household's / object's / project's …)."""
    from .models import OrgUnit

    if isinstance(record, OrgUnit):
        return record
    for name in ("unit", "household", "object", "project", "lead", "designation", "plan"):
        value = getattr(record, name, None)
        if isinstance(value, OrgUnit):
            return value
        if value is not None and isinstance(getattr(value, "unit", None), OrgUnit):
            return value.unit
    return None


def _url(page, record):
    return page(record) if callable(page) else page


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _action(action, record):
    """(URL, data) of an action on a record: a refused POST must be refused whatever it carries."""
    url, data = action if isinstance(action, tuple) else (action, {})
    return url(record), data


def _writes():
    return AuditEntry.objects.exclude(action__in=("login", "logout")).count()


def _ids(resp):
    data = resp.json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return {row["id"] for row in rows}


@pytest.mark.django_db
class ViewContract:
    covers: ClassVar[frozenset | set | tuple] = ()  # the URL names this contract exercises (see the module doc)

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
        urls.extend(_url(p, w.own) for p in w.pages)
        return urls

    def _record_urls(self, w):
        """Per-record GET views, applied to the foreign record they must answer 404."""
        return ([w.detail_url] if w.detail_url else []) + [p for p in w.pages + w.guarded_pages if callable(p)]

    def test_covers_what_it_declares(self, world):
        urls = self._urls(world) + [_action(a, world.own)[0] for a in world.actions]
        urls.extend(p(world.own) for p in world.guarded_pages)
        if world.api_list_url:
            urls.append(world.api_list_url)
        if world.api_detail_url:
            urls.append(world.api_detail_url(world.own))
        urls.extend(_url(p, world.own) for p in world.api_pages)
        names = {resolve(u.split("?")[0]).view_name for u in urls}
        assert names == set(self.covers), f"declared {sorted(set(self.covers))}, the world exercises {sorted(names)}"

    def test_anonymous_goes_to_login(self, client, world):
        for url in self._urls(world) + [p(world.own) for p in world.guarded_pages]:
            resp = client.get(url)
            assert resp.status_code == 302, url
            assert resp["Location"].startswith(reverse("login")), url

    def test_user_without_role_gets_403(self, client, world):
        client.force_login(world.outsider)
        for url in self._urls(world) + [p(world.own) for p in world.guarded_pages]:
            if url in {p(world.own) for p in world.pages + world.guarded_pages if callable(p)}:  # a record's page: refused or not there
                assert client.get(url).status_code in (403, 404), url
            else:
                assert client.get(url).status_code == 403, url

    def test_other_units_record_is_404(self, client, world):
        if world.foreign is None:
            pytest.skip("the permitted user's scope covers every record of this register")
        if not (self._record_urls(world) or world.update_url or world.actions):
            pytest.skip("no per-record views")
        client.force_login(world.permitted)
        for page in self._record_urls(world):
            assert client.get(page(world.foreign)).status_code == 404, page(world.foreign)
        entries = _writes()
        for action in world.actions:
            url, data = _action(action, world.foreign)
            assert client.post(url, data).status_code == 404, url
        assert _writes() == entries, "a refused action wrote an audit entry"
        if world.update_url:
            assert client.get(world.update_url(world.foreign)).status_code == 404
            assert client.post(world.update_url(world.foreign), world.update_data(world.foreign)).status_code == 404

    def test_actions_refuse_anonymous_and_users_without_role(self, client, world):
        if not world.actions:
            pytest.skip("no POST-only actions")
        entries = _writes()
        for action in world.actions:
            url, data = _action(action, world.own)
            resp = client.post(url, data)
            assert resp.status_code == 302 and resp["Location"].startswith(reverse("login")), url
        client.force_login(world.outsider)  # refused outright, or the record is not there for them
        for action in world.actions:
            url, data = _action(action, world.own)
            assert client.post(url, data).status_code in (403, 404), url
        if world.read_only is not None:
            client.force_login(world.read_only)
            for action in world.actions:
                url, data = _action(action, world.own)
                assert client.post(url, data).status_code in (403, 404), url
        assert _writes() == entries, "a refused action wrote an audit entry"

    def test_api_follows_the_same_scope(self, world):
        if not (world.api_list_url or world.api_detail_url or world.api_pages):
            pytest.skip("no API endpoint for this register")
        urls = [u for u in (world.api_list_url, world.api_detail_url and world.api_detail_url(world.own)) if u]
        for url in urls + [_url(p, world.own) for p in world.api_pages]:
            assert _api().get(url).status_code in (401, 403), url
            assert _api(world.outsider).get(url).status_code in (403, 404), url
        client = _api(world.permitted)
        for page in world.api_pages:
            assert client.get(_url(page, world.own)).status_code == 200, _url(page, world.own)
            if callable(page) and world.foreign is not None:
                assert client.get(page(world.foreign)).status_code == 404, page(world.foreign)
        if world.api_list_url:
            resp = client.get(world.api_list_url)
            assert resp.status_code == 200
            ids = _ids(resp)
            assert world.own.pk in ids
            if world.foreign is not None:
                assert world.foreign.pk not in ids
            assert client.post(world.api_list_url, {}).status_code in (403, 405), "the API is read-only"
        if world.api_detail_url:
            assert client.get(world.api_detail_url(world.own)).status_code == 200
            if world.foreign is not None:
                assert client.get(world.api_detail_url(world.foreign)).status_code == 404

    def test_every_role_of_another_unit_sees_nothing_of_this_one(self, client, world):
        """The permission matrix: each programme role kind, held on the other record's unit, against
        every page, action and list of this record: refused or not there, and nothing written."""
        from .factories import user_with_role
        from .scope import programme_roles

        unit = _unit_of(world.foreign) if world.foreign is not None else None
        roles = programme_roles(world.permitted)
        if unit is None or not roles:
            pytest.skip("no other unit's record, or the register is not a programme's")
        programme = roles[0].programme
        record_pages = [p(world.own) for p in self._record_urls(world)]
        if world.update_url:
            record_pages.append(world.update_url(world.own))
        entries = _writes()
        for kind in MATRIX_KINDS:
            client.force_login(user_with_role(kind, programme, unit))
            for url in record_pages:
                assert client.get(url).status_code in (403, 404), f"{kind}@{unit}: {url}"
                MATRIX["pairs"] += 1
            for action in world.actions:
                url, data = _action(action, world.own)
                assert client.post(url, data).status_code in (403, 404), f"{kind}@{unit}: POST {url}"
                MATRIX["pairs"] += 1
            if world.list_url:
                resp = client.get(world.list_url)
                assert resp.status_code in (200, 403)
                if resp.status_code == 200:
                    assert world.list_text(world.own).encode() not in resp.content, f"{kind}@{unit} lists it"
                MATRIX["pairs"] += 1
        assert _writes() == entries, "a refused request wrote an audit entry"

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
        if not (world.create_url or world.update_url):
            if world.writes_tested_by:  # "test_name" of this module, or "package.module::TestName"
                where, _, name = world.writes_tested_by.rpartition("::")
                module = importlib.import_module(where) if where else sys.modules[type(self).__module__]
                assert name.startswith("test") or name.startswith("Test"), world.writes_tested_by
                assert callable(getattr(module, name, None)), f"no test {world.writes_tested_by}"
                return
            assert world.read_only_views, "this world has no write URLs: set read_only_views=True if that is so"
            return
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

    def test_create_adds_exactly_one_object_with_one_audit_entry(self, client, world):
        if not (world.create_url and world.model is not None):
            pytest.skip("no create view, or the world does not name its model")
        client.force_login(world.permitted)
        before = set(world.model.objects.values_list("pk", flat=True))
        resp = client.post(world.create_url, world.create_data)
        assert resp.status_code == 302, getattr(resp, "context", None) and resp.context.get("form").errors
        new = set(world.model.objects.values_list("pk", flat=True)) - before
        assert len(new) == 1, f"a create added {len(new)} objects"
        obj = world.model.objects.get(pk=new.pop())
        for name, expected in (world.created_fields or {}).items():
            assert getattr(obj, name) == expected, name
        label = world.model._meta.label_lower
        assert AuditEntry.objects.filter(action="create", object_type=label, object_id=str(obj.pk)).count() == 1

    XSS = '<script>alert("cw")</script><img src=x onerror=alert(1)>'

    def test_free_text_is_escaped_on_every_page_and_export(self, client, world):
        """A script typed into every free-text field of the create form: the answer, the list, the
        record's page and the export show it as text (escaped), never as markup; an exported cell
        starting with = is no formula."""
        from django.db import models as m

        if not (world.create_url and world.model is not None):
            pytest.skip("no create view, or the world does not name its model")
        text_fields = {f.name: f for f in world.model._meta.get_fields()
                       if isinstance(f, (m.CharField, m.TextField)) and not f.choices and f.name in world.create_data}
        if not text_fields:
            pytest.skip("the create form has no free-text field")
        data = dict(world.create_data)
        for i, (name, f) in enumerate(text_fields.items()):  # the first also tries a spreadsheet formula
            data[name] = (("=1+1" if i == 0 else "") + self.XSS + f"{name}")[: f.max_length or 10_000]
        client.force_login(world.permitted)
        before = set(world.model.objects.values_list("pk", flat=True))
        resp = client.post(world.create_url, data)
        raw = b"<script>alert("
        assert raw not in resp.content
        pages = ([world.list_url] if world.list_url else []) + [p for p in world.pages if isinstance(p, str)]
        new = set(world.model.objects.values_list("pk", flat=True)) - before
        if new:
            obj = world.model.objects.get(pk=new.pop())
            if world.detail_url:
                pages.append(world.detail_url(obj))
        shown = b"&lt;script&gt;" in resp.content
        for url in pages:
            page = client.get(url)
            if not page.get("Content-Type", "").startswith("text/html"):
                continue
            assert page.status_code == 200 and raw not in page.content, url
            shown = shown or b"&lt;script&gt;" in page.content
        assert shown, "the payload was neither saved nor shown back: the test would prove nothing"
        if world.list_url:
            import io

            import openpyxl

            export = client.get(world.list_url + "?export=xlsx")
            wb = openpyxl.load_workbook(io.BytesIO(export.content))
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        assert not (isinstance(c.value, str) and c.data_type == "f"), f"formula in {c.coordinate}"

    def test_create_into_another_unit_is_refused_and_writes_nothing(self, client, world):
        if not (world.create_url and world.foreign_create_data is not None and world.model is not None):
            pytest.skip("the world gives no create data naming another unit")
        client.force_login(world.permitted)
        before, entries = world.model.objects.count(), AuditEntry.objects.count()
        resp = client.post(world.create_url, world.foreign_create_data)
        assert resp.status_code in (200, 403, 404)
        assert world.model.objects.count() == before
        assert not AuditEntry.objects.filter(action="create", object_type=world.model._meta.label_lower).exclude(
            pk__in=AuditEntry.objects.order_by("pk").values("pk")[:entries]).exists()

    def test_read_only_role_is_refused_every_write(self, client, world):
        if world.read_only is None:
            pytest.skip("the world names no read-only user")
        client.force_login(world.read_only)
        model = world.model or type(world.own)
        before = model.objects.count()
        if world.create_url:
            assert client.post(world.create_url, world.create_data).status_code in (403, 404)
        if world.update_url:
            snapshot = {f.attname: getattr(world.own, f.attname) for f in model._meta.concrete_fields}
            assert client.post(world.update_url(world.own), world.update_data(world.own)).status_code in (403, 404)
            fresh = model.objects.get(pk=world.own.pk)
            assert {f.attname: getattr(fresh, f.attname) for f in model._meta.concrete_fields} == snapshot
        assert model.objects.count() == before
