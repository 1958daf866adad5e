"""Security events from django.contrib.auth and django-axes go to the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_log
from .middleware import client_ip
from .models import AuditAction


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(action=AuditAction.LOGIN, obj=user, actor=user, ip=_ip(request), message="登录成功")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action=AuditAction.LOGOUT, obj=user, actor=user, ip=_ip(request), message="退出登录")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit_log(
        action=AuditAction.LOGIN_FAILED, actor_name=username, ip=_ip(request), object_type="core.user",
        object_repr=username, message="登录失败：用户名或密码错误",
    )


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_log(
        action=AuditAction.LOCKOUT, actor_name=username or "", ip=ip_address or _ip(request),
        object_type="core.user", object_repr=username or "", message="连续登录失败，账户已被临时锁定",
    )
