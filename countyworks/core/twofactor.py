"""Two-factor login (等保 身份鉴别): a TOTP authenticator app (django-otp) plus ten one-time
recovery codes. Who must use it: the 三员 and every role held on a district (or county) — when
`settings.TWO_FACTOR` is "required" (production's default); anyone may enrol. Enrolment, a
successful or failed verification and a reset by the 安全管理员 are audited."""

import io

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SYSTEM_ROLE_KINDS, OrgUnit

TOP_KINDS = (OrgUnit.Kind.DISTRICT, OrgUnit.Kind.COUNTY)
RECOVERY_CODES = 10


def required_for(user) -> bool:
    """Must this account log in with a second factor?"""
    if getattr(settings, "TWO_FACTOR", "optional") != "required" or not user.is_authenticated:
        return False
    roles = list(user.roles.select_related("unit"))
    return any(r.kind in SYSTEM_ROLE_KINDS or (r.unit is not None and r.unit.kind in TOP_KINDS) for r in roles)


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (one per account; a new setup restarts it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def qr_svg(device) -> str:
    """The otpauth:// URL as an inline SVG (drawn here, nothing fetched)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    img = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg"):]


def secret_b32(device) -> str:
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))  # groups of four, as the apps show them


def confirm(user, device, token) -> list[str] | None:
    """Check the first code from the app; on success confirm the device and issue the recovery
    codes (shown once; each works once)."""
    from .audit import audit_log
    from .models import AuditAction

    if not device.verify_token((token or "").strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    audit_log(action=AuditAction.SECURITY, obj=user, actor=user, message="启用双因素认证（身份验证器），生成恢复码")
    return codes


def verify(request, token):
    """A code from the app or a recovery code (used once): log the session in as verified."""
    from django_otp import login as otp_login
    from django_otp import match_token

    from .audit import audit_log
    from .models import AuditAction

    token = (token or "").strip().replace(" ", "")
    device = match_token(request.user, token) if token else None
    if device is None:
        audit_log(action=AuditAction.SECURITY, obj=request.user, actor=request.user, message="双因素认证失败")
        return False
    otp_login(request, device)
    how = "恢复码" if isinstance(device, StaticDevice) else "身份验证器"
    audit_log(action=AuditAction.SECURITY, obj=request.user, actor=request.user, message=f"双因素认证通过（{how}）")
    return True


def reset(user, actor):
    """The 安全管理员 removes an account's authenticator and recovery codes (a lost phone)."""
    from .audit import audit_log
    from .models import AuditAction

    n = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    audit_log(action=AuditAction.SECURITY, obj=user, actor=actor, message=f"重置双因素认证（删除{n}项）")
    return n
