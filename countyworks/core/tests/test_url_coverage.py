"""Every URL pattern of the project is covered by a view contract (core/testing.py: anonymous →
login, no role → 403, another unit's record → 404, writes audited, the API scoped like the web) or
is listed here as exempt, with the reason and the test that covers it instead."""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

import countyworks
from countyworks.core.testing import ViewContract

# name → why the generic contract does not apply, and where the view is tested instead
EXEMPT = {
    "login": "the login page is public (core/tests/test_sessions.py: lockout, session rotation)",
    "logout": "POST-only for everyone logged in (core/tests/test_sessions.py)",
    "set_language": "Django's own view, public by design (core/tests/test_i18n.py)",
    "home": "redirects every user to their own start page (core/tests/test_views.py::test_home_*)",
    "api-root": "DRF's list of endpoints, no data (api/tests/test_api.py)",
    "api-schema": "the OpenAPI document, no data; behind a token (api/tests/test_api.py)",
    "core:notifications": "every account's own notifications, no role needed (core/tests/test_services.py, "
                          "dispatch reminders)",
    "core:notification_open": "opens one's own notification only: another's is 404 (core/tests/test_services.py)",
    "core:twofactor_setup": "one's own authenticator, open to every logged-in account before verification "
                            "(core/tests/test_twofactor.py)",
    "core:twofactor_verify": "the second login step of one's own account (core/tests/test_twofactor.py)",
    "core:unit_search": "the unit picker's search answers within the asker's own scope, no role needed "
                        "(core/tests/test_unitpicker.py)",
}


def _names(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _names(p.url_patterns, inner or "")
        elif isinstance(p, URLPattern) and p.name:
            name = f"{ns}:{p.name}" if ns else p.name
            if "(?P<format>" in str(p.pattern):  # DRF's format-suffix twins of the API routes
                continue
            yield name


def _contracts():
    for module in pkgutil.walk_packages(countyworks.__path__, "countyworks."):
        if ".tests.test_" in module.name:
            importlib.import_module(module.name)
    seen, todo = [], list(ViewContract.__subclasses__())
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_every_url_is_covered_by_a_view_contract_or_exempt_with_a_reason():
    names = set(_names(get_resolver().url_patterns))
    covered = set().union(*(set(c.covers) for c in _contracts()))
    missing = sorted(names - covered - set(EXEMPT))
    assert not missing, f"URL patterns no view contract covers and no exemption names: {missing}"
    assert not sorted(set(EXEMPT) - names), "exempt names that are no URL pattern"
    assert not sorted(set(EXEMPT) & covered), "names both exempt and covered: drop the exemption"
    assert all(len(reason) > 20 for reason in EXEMPT.values())
    assert not sorted(covered - names), "contracts declare URL names that do not exist"
