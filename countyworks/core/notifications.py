"""Notifications (the bell): one function every programme calls."""

from django.utils import timezone

from .models import Notification


def notify(users, text, url=""):
    """Put `text` (linking to `url`) in each user's bell; returns the users notified."""
    users = [u for u in dict.fromkeys(users) if u is not None and getattr(u, "is_active", True)]
    Notification.objects.bulk_create([Notification(user=u, text=text[:300], url=url[:300]) for u in users])
    return users


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids=None):
    """Mark the user's own notifications (all, or those ids) read. Not audited: a read-mark is
    not a change to any record."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
