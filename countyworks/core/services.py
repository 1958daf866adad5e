"""Every write to the core tables. Keyword-only, validated with full_clean(), audited, atomic."""

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from .audit import audit_log, diff, snapshot, update_with_audit
from .models import (
    SYSTEM_ROLE_KINDS,
    Attachment,
    AuditAction,
    Enterprise,
    OrgUnit,
    Person,
    Role,
    RoleKind,
    RoleRequest,
    Target,
    User,
    path_q,  # noqa: I001
)
from .scope import has_system_role, require_unit_in_scope


def _require_sysadmin(actor):
    if actor is not None and not has_system_role(actor, RoleKind.SYSADMIN):
        raise PermissionDenied("仅系统管理员可以执行此操作")


def _is_trio(user):
    """Holds one of the three system duties (三员: 系统管理员, 安全管理员, 审计员)."""
    return user.pk is not None and user.roles.filter(kind__in=SYSTEM_ROLE_KINDS).exists()


def _require_account_manager(actor, user):
    """三员分立: a 三员 account is managed only by the 安全管理员 (never by the 系统管理员, who could
    otherwise take over the 审计员 and read the log of what they did); other accounts by the
    系统管理员. Everyone may manage their own password."""
    if actor is None or actor.pk == user.pk:
        return
    if _is_trio(user):
        if not has_system_role(actor, RoleKind.SECADMIN):
            raise PermissionDenied("三员账号只能由安全管理员管理")
    else:
        _require_sysadmin(actor)


# --- org units ---------------------------------------------------------------------------------


def _refresh_parent_path(unit):
    """Read the parent's path as stored now: the caller's copy may predate a move of its subtree
    (an import moving a unit and adding a child below it in the same file)."""
    if unit.parent_id:
        unit.parent.path, unit.parent.depth = OrgUnit.objects.values_list("path", "depth").get(pk=unit.parent_id)


def _set_path(unit):
    parent_path = unit.parent.path if unit.parent_id else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = parent_path.count("/") - 1


@transaction.atomic
def orgunit_create(*, actor, **fields):
    """Create an org unit under its parent; its path is the parent's path plus its own id."""
    _require_sysadmin(actor)
    unit = OrgUnit(**fields)
    _refresh_parent_path(unit)
    unit.full_clean(exclude=["path"])
    unit.save()
    _set_path(unit)
    unit.save(update_fields=["path", "depth"])
    audit_log(action=AuditAction.CREATE, obj=unit, actor=actor, changes=diff({}, snapshot(unit)))
    return unit


@transaction.atomic
def orgunit_update(*, unit, actor, **fields):
    """Change an org unit. Moving it under another parent rewrites the paths of its whole subtree
    in one UPDATE."""
    _require_sysadmin(actor)

    def move_subtree(u, before):  # the path is derived from the parent: the audit entry holds the parent
        old_path = u.path
        _set_path(u)
        if u.path != old_path:
            OrgUnit.objects.filter(path_q(old_path)).exclude(pk=u.pk).update(
                path=Concat(Value(u.path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + u.path.count("/") - old_path.count("/"),
            )

    unit, _ = update_with_audit(unit, actor=actor, fields=fields, prepare=_refresh_parent_path,
                                clean_exclude=["path"], before_save=move_subtree)
    return unit


@transaction.atomic
def orgunit_delete(*, unit, actor):
    _require_sysadmin(actor)
    if unit.children.exists():
        raise ValidationError("该单位还有下级单位，不能删除；可设置停用日期")
    from django.db.models import ProtectedError

    before = snapshot(unit)
    audit_log(action=AuditAction.DELETE, obj=unit, actor=actor, changes=diff(before, {}))
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError:
        raise ValidationError("该单位仍被角色、目标或业务数据引用，不能删除；可设置停用日期")


# --- enterprises ---------------------------------------------------------------------------------


def _require_enterprise_writer(actor):
    from .scope import has_any_programme_role

    if actor is not None and not has_any_programme_role(actor, action="change"):
        raise PermissionDenied("无权维护企业信息")


@transaction.atomic
def enterprise_create(*, actor, **fields):
    """Register an enterprise; the 统一社会信用代码 must be valid and not registered yet."""
    from .identifiers import normalize_credit_code

    _require_enterprise_writer(actor)
    if fields.get("credit_code"):
        fields["credit_code"] = normalize_credit_code(fields["credit_code"])
    ent = Enterprise(**fields)
    ent.full_clean()
    ent.save()
    audit_log(action=AuditAction.CREATE, obj=ent, actor=actor, changes=diff({}, snapshot(ent, _ENT_FIELDS)))
    return ent


_ENT_FIELDS = {"name", "credit_code", "city", "industry", "size", "contact_name", "contact_phone"}


@transaction.atomic
def enterprise_update(*, enterprise, actor, **fields):
    _require_enterprise_writer(actor)
    ent, _ = update_with_audit(enterprise, actor=actor, fields=fields, audit_fields=_ENT_FIELDS)
    return ent


# --- leading cadres (包抓领导) ---------------------------------------------------------------------------


def _person_check(actor):
    def check(person):
        require_unit_in_scope(actor, person.unit, programme=None, action="manage")
        if person.user_id and Person.objects.filter(user_id=person.user_id).exclude(pk=person.pk).exists():
            raise ValidationError({"user": "该账号已关联其他领导干部"})

    return check


@transaction.atomic
def person_create(*, actor, name, post, unit, user=None, active=True, sort_order=0):
    """Add a leading cadre to the register; the unit must be in the actor's manage scope."""
    person = Person(name=(name or "").strip(), post=(post or "").strip(), unit=unit, user=user, active=active,
                    sort_order=sort_order)
    _person_check(actor)(person)
    person.full_clean()
    person.save()
    audit_log(action=AuditAction.CREATE, obj=person, actor=actor, changes=diff({}, snapshot(person)))
    return person


@transaction.atomic
def person_update(*, person, actor, **fields):
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    person, _ = update_with_audit(person, actor=actor, fields=fields, check=_person_check(actor))
    return person


# --- users and roles -------------------------------------------------------------------------------

_USER_FIELDS = {"username", "full_name", "phone", "email", "unit", "is_active"}


@transaction.atomic
def user_create(*, actor, username, password=None, **fields):
    """Create an account (系统管理员 only). The password must pass the password policy."""
    _require_sysadmin(actor)
    user = User(username=username, **fields)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(action=AuditAction.CREATE, obj=user, actor=actor, changes=diff({}, snapshot(user, _USER_FIELDS)))
    return user


@transaction.atomic
def user_update(*, user, actor, **fields):
    if not (actor is None or has_system_role(actor, RoleKind.SYSADMIN) or has_system_role(actor, RoleKind.SECADMIN)):
        raise PermissionDenied("仅系统管理员可以执行此操作")
    def check(u):
        if snapshot(u, _USER_FIELDS) != before:
            _require_account_manager(actor, u)

    before = snapshot(User.objects.get(pk=user.pk), _USER_FIELDS)
    user, _ = update_with_audit(user, actor=actor, fields=fields, audit_fields=_USER_FIELDS, check=check,
                                clean_exclude=["password"])
    return user


@transaction.atomic
def user_set_password(*, user, password, actor):
    """Set a password (by the user themself or by the 系统管理员), policy-checked and audited."""
    _require_account_manager(actor, user)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log(action=AuditAction.PASSWORD, obj=user, actor=actor, message="修改密码")
    return user


@transaction.atomic
def role_grant(*, user, kind, actor, programme="", unit=None, confirmed_request=None):
    """Grant a role. Separation of duties (三员分立): one person holds at most one of the three
    system roles, and the 系统管理员 cannot grant themself anything. A 三员 duty is granted only
    by the 安全管理员's confirmation of a request made by another person (role_request_create,
    flows.ROLE_REQUEST); `actor=None` (installation, the demo) bootstraps without one."""
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("不能给自己授予角色")
    if kind in SYSTEM_ROLE_KINDS:
        # a 三员 duty is granted by the 安全管理员, never by the 系统管理员
        if actor is not None and not has_system_role(actor, RoleKind.SECADMIN):
            raise PermissionDenied("三员角色只能由安全管理员授予")
        if actor is not None and (confirmed_request is None or confirmed_request.user_id != user.pk
                                  or confirmed_request.kind != kind):
            raise PermissionDenied("三员角色须经申请并由另一名安全管理员确认后授予（两人办理）")
    else:
        _require_sysadmin(actor)
        if _is_trio(user):
            raise ValidationError("三员分立：系统管理员、安全管理员、审计员不能兼任业务角色")
    if kind in SYSTEM_ROLE_KINDS:
        held = set(user.roles.filter(kind__in=SYSTEM_ROLE_KINDS).values_list("kind", flat=True)) - {kind}
        if held:
            raise ValidationError("三员分立：系统管理员、安全管理员、审计员不能由同一人兼任")
        programme, unit = "", None
    role = Role(user=user, kind=kind, programme=programme, unit=unit)
    role.full_clean(validate_constraints=False)
    if Role.objects.filter(user=user, kind=kind, programme=programme, unit=unit).exists():
        raise ValidationError("该用户已拥有此角色")
    role.save()
    audit_log(action=AuditAction.ROLE_GRANT, obj=user, actor=actor, message=f"授予角色：{role}",
              changes={"role": [None, str(role)]})
    user.__dict__.pop("_cw_roles", None)
    return role


@transaction.atomic
def role_request_create(*, user, kind, actor, reason):
    """Ask for a 三员 duty for `user` (the 系统管理员 or a 安全管理员 asks; a 安全管理员 who is not
    the asker confirms, which grants it). Checked now as far as it can be, so a request that
    could never be granted is refused at once."""
    from .flows import ROLE_REQUEST

    if kind not in SYSTEM_ROLE_KINDS:
        raise ValidationError({"kind": "只有三员角色需要申请确认"})
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("不能为自己申请三员角色")
    if user.roles.exists():  # a 三员 duty is the one role its holder has
        raise ValidationError("三员分立：该账号已有其他角色，不能再担任三员角色")
    if RoleRequest.objects.filter(user=user, status=RoleRequest.Status.PENDING).exists():
        raise ValidationError("该账号已有一项待确认的三员角色申请")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申请理由"})
    req = RoleRequest.objects.create(user=user, kind=kind, reason=reason[:300], requested_by=actor)
    audit_log(action=AuditAction.CREATE, obj=req, actor=actor, message=f"申请授予三员角色：{req}（{reason}）")
    ROLE_REQUEST.apply(req, "request", actor=actor)
    return req


@transaction.atomic
def role_revoke(*, role, actor):
    if role.kind in SYSTEM_ROLE_KINDS:
        if actor is not None and not has_system_role(actor, RoleKind.SECADMIN):
            raise PermissionDenied("三员角色只能由安全管理员撤销")
    else:
        _require_sysadmin(actor)
    text = str(role)
    user = role.user
    role.delete()
    audit_log(action=AuditAction.ROLE_REVOKE, obj=user, actor=actor, message=f"撤销角色：{text}",
              changes={"role": [text, None]})


# --- targets -----------------------------------------------------------------------------------------


@transaction.atomic
def target_set(*, unit, indicator, year, value, actor):
    """Set (create or change) the annual target of a unit for an indicator; managers of the
    indicator's programme only, within their scope."""
    require_unit_in_scope(actor, unit, programme=indicator.programme, action="manage")
    target = Target.objects.select_for_update().filter(unit=unit, indicator=indicator, year=year).first()
    if target is None:
        target = Target(unit=unit, indicator=indicator, year=year, value=value)
        target.full_clean()
        target.save()
        audit_log(action=AuditAction.CREATE, obj=target, actor=actor, changes=diff({}, snapshot(target)))
    elif target.value != value:
        target, _ = update_with_audit(target, actor=actor, fields={"value": value}, lock=False)
    return target


# --- attachments ---------------------------------------------------------------------------------------

_MAGIC = {
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "webp": [b"RIFF"],
    "pdf": [b"%PDF"],
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "xls": [b"\xd0\xcf\x11\xe0"],
    "doc": [b"\xd0\xcf\x11\xe0"],
}


@transaction.atomic
def attachment_add(*, target, upload, actor, caption=""):
    """Attach a file to a record. The extension must be allowed, the size within the limit and
    the content must really be of that type (checked by its leading bytes)."""
    name = PurePath(upload.name).name
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = [e.lower() for e in settings.ATTACHMENT_EXTENSIONS]
    if ext not in allowed:
        raise ValidationError({"file": f"不支持的文件类型“.{ext}”，允许：{'、'.join(allowed)}"})
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": f"文件过大（{upload.size / 1048576:.1f} MB），上限 {settings.ATTACHMENT_MAX_BYTES // 1048576} MB"})
    upload.seek(0)
    head = upload.read(16)
    if ext in _MAGIC and not any(head.startswith(m) for m in _MAGIC[ext]):
        raise ValidationError({"file": f"文件内容与扩展名“.{ext}”不符"})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    att = Attachment(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk), original_name=name[:255],
        size=upload.size, sha256=digest.hexdigest(), caption=caption, uploaded_by=actor,
    )
    att.file.save(name, upload, save=False)
    att.save()
    audit_log(action=AuditAction.CREATE, obj=att, actor=actor,
              message=f"为“{target}”上传附件 {name}（{upload.size} 字节）")
    return att


@transaction.atomic
def attachment_delete(*, attachment, actor):
    audit_log(action=AuditAction.DELETE, obj=attachment, actor=actor, message=f"删除附件 {attachment.original_name}")
    attachment.file.delete(save=False)
    attachment.delete()
