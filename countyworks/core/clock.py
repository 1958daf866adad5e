"""The one notion of "today" (DESIGN §11). Every list, report, bulletin, clock and default span
asks here, never `date.today()` or `timezone.localdate()` directly.

`COUNTYWORKS_TODAY=2024-03-20` (environment) pins the date for a demo that lives on its data's
date or for a reproducible test run; unset, it is the local date of the server's time zone."""

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone


def _pinned():
    if getattr(settings, "PRODUCTION", False):  # production always runs on the real date
        return None
    raw = getattr(settings, "COUNTYWORKS_TODAY", "") or ""
    if isinstance(raw, date):
        return raw
    raw = str(raw).strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"COUNTYWORKS_TODAY 应为 YYYY-MM-DD 格式的日期，而不是“{raw}”")


def today() -> date:
    """The platform's today: COUNTYWORKS_TODAY when set, else the local date."""
    return _pinned() or timezone.localdate()


def now() -> datetime:
    """An aware datetime on the platform's today, at the current local time of day."""
    current = timezone.localtime()
    pinned = _pinned()
    if pinned is None:
        return current
    return current.replace(year=pinned.year, month=pinned.month, day=pinned.day)


def is_pinned() -> bool:
    return _pinned() is not None
