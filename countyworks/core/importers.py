"""Excel registers of the core: org units, users with roles, enterprises."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from .audit import PendingEntry, audit_bulk, diff, snapshot
from .identifiers import validate_credit_code, validate_phone
from .importing import Importer, RowError, register
from .models import (
    SYSTEM_ROLE_KINDS,
    AuditAction,
    Enterprise,
    Industry,
    OrgUnit,
    Programme,
    Role,
    RoleKind,
    User,
)
from .parsing import normalize_text
from .scope import has_any_programme_role, has_system_role
from .spreadsheets import Column


def _chunks(seq, n=900):
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _text(max_len):
    def clean(raw):
        text = normalize_text(raw)
        if len(text) > max_len:
            raise RowError(f"不能超过{max_len}个字符")
        return text

    return clean


# --- enterprises -----------------------------------------------------------------------------------

ENTERPRISE_SIZES = {label: value for value, label in Enterprise.Size.choices}


@register
class EnterpriseImporter(Importer):
    kind = "enterprises"
    label = "企业"
    sheet_name = "企业名录"
    key_column = "统一社会信用代码"
    fields = ("name", "credit_code", "city", "industry_id", "size", "contact_name", "contact_phone")

    @property
    def columns(self):
        industries = tuple(Industry.objects.filter(active=True).values_list("name", flat=True))
        return [
            Column("企业名称", aliases=("名称", "单位名称", "企业(单位)名称")),
            Column("统一社会信用代码", aliases=("信用代码", "社会信用代码", "统一代码")),
            Column("所在城市", aliases=("城市", "总部所在地", "所在地"), required=False),
            Column("产业类别", aliases=("所属产业", "行业", "产业"), required=False, choices=industries),
            Column("企业规模", aliases=("规模",), required=False, choices=tuple(ENTERPRISE_SIZES)),
            Column("联系人", required=False),
            Column("联系电话", aliases=("电话", "手机"), required=False),
        ]

    examples = [["江门市示例科技有限公司", "91440704MA4UW2K50N", "江门", "新一代电子信息", "中型", "张三", "0750-3501234"]]

    def check_permission(self):
        if self.actor is not None and not has_any_programme_role(self.actor, action="change"):
            raise PermissionDenied("无权导入企业信息")

    def prepare(self, rows):
        self.industries = {i.name: i.pk for i in Industry.objects.all()}

    def clean_row(self, v, err):
        c = self.cell
        data = {
            "name": c(v, "企业名称", _text(200), err, required=True),
            "credit_code": c(v, "统一社会信用代码", validate_credit_code, err, required=True),
            "city": c(v, "所在城市", _text(50), err) or "",
            "industry_id": c(v, "产业类别", self._industry, err),
            "size": c(v, "企业规模", self._size, err) or "",
            "contact_name": c(v, "联系人", _text(50), err) or "",
            "contact_phone": c(v, "联系电话", validate_phone, err) or "",
        }
        return data

    def _industry(self, raw):
        name = normalize_text(raw)
        if name not in self.industries:
            raise RowError(f"“{name}”不在产业目录中，可选：{'、'.join(self.industries)}")
        return self.industries[name]

    @staticmethod
    def _size(raw):
        text = normalize_text(raw).removesuffix("企业")
        if text not in ENTERPRISE_SIZES:
            raise RowError(f"“{text}”不是有效选项，可选：{'、'.join(ENTERPRISE_SIZES)}")
        return ENTERPRISE_SIZES[text]

    def key(self, data):
        return data["credit_code"]

    def save(self, rows, chunk=2000):
        """Upsert on 统一社会信用代码, chunk by chunk so memory stays flat: one SELECT per chunk for
        the existing rows, one prepared multi-row INSERT for the new ones, a batched UPDATE for the
        changed ones, and each create/update streamed to the audit chain."""
        from django.utils import timezone

        from .bulk import fast_insert

        created = updated = 0
        total = len(rows)
        fields = list(self.fields)
        for start in range(0, total, chunk):
            part = {d["credit_code"]: d for _, d in rows[start : start + chunk]}
            existing = {rec["credit_code"]: rec for rec in
                        Enterprise.objects.filter(credit_code__in=list(part)).values("id", *fields)}
            new = [d for code, d in part.items() if code not in existing]
            changed = []
            for code, old in existing.items():
                d = part[code]
                diffs = {f: [old[f], d[f]] for f in fields if old[f] != d[f]}
                if diffs:
                    changed.append((old["id"], d, diffs))
            now = timezone.now()
            fast_insert(Enterprise, fields + ["created_at", "updated_at"],
                        ([d[f] for f in fields] + [now, now] for d in new))
            if changed:
                Enterprise.objects.bulk_update([Enterprise(id=pk, **d, updated_at=now) for pk, d, _ in changed],
                                               [f for f in fields if f != "credit_code"] + ["updated_at"], batch_size=500)
            ids = dict(Enterprise.objects.filter(credit_code__in=[d["credit_code"] for d in new])
                       .values_list("credit_code", "id")) if new else {}

            def entries(new=new, changed=changed, ids=ids):
                for d in new:
                    yield PendingEntry(AuditAction.CREATE, "core.enterprise", str(ids[d["credit_code"]]), d["name"],
                                       {f: [None, d[f]] for f in fields}, "导入新增")
                for pk, d, diffs in changed:
                    yield PendingEntry(AuditAction.UPDATE, "core.enterprise", str(pk), d["name"], diffs, "导入更新")

            audit_bulk(entries(), actor=self.actor)
            created += len(new)
            updated += len(changed)
        return created, updated, total - created - updated

    def preview_row(self, d):
        inv = {v: k for k, v in self.industries.items()}
        sizes = dict(Enterprise.Size.choices)
        return [d["name"], d["credit_code"], d["city"], inv.get(d["industry_id"], ""), sizes.get(d["size"], ""),
                d["contact_name"], d["contact_phone"]]

    def export_queryset(self):
        qs = Enterprise.objects.all() if self.actor is None else Enterprise.objects.visible_to(self.actor)
        return qs.order_by("name")

    def export_rows(self, qs):
        sizes = dict(Enterprise.Size.choices)
        for e in qs.select_related("industry").iterator(chunk_size=2000):
            yield [e.name, e.credit_code, e.city, e.industry.name if e.industry else "", sizes.get(e.size, ""),
                   e.contact_name, e.contact_phone]


# --- org units ---------------------------------------------------------------------------------------

UNIT_KINDS = {label: value for value, label in OrgUnit.Kind.choices}


@register
class OrgUnitImporter(Importer):
    """Headers 代码, 名称, 类型, 上级代码. Rows may come in any order: parents are created first;
    a parent code must be in the file or already registered."""

    kind = "orgunits"
    label = "组织单位"
    sheet_name = "组织单位"
    key_column = "代码"
    columns = [
        Column("代码", aliases=("单位代码", "区划代码", "统计用区划代码")),
        Column("名称", aliases=("单位名称",)),
        Column("类型", aliases=("单位类型",), choices=tuple(UNIT_KINDS)),
        Column("上级代码", aliases=("上级单位代码",), required=False),
        Column("启用日期", required=False),
        Column("停用日期", required=False),
    ]
    examples = [["440700000000", "某某区", "区", "", "", ""], ["440700001000", "某某街道", "街道", "440700000000", "", ""]]

    def check_permission(self):
        if self.actor is not None and not has_system_role(self.actor, RoleKind.SYSADMIN):
            raise PermissionDenied("仅系统管理员可以导入组织单位")

    def prepare(self, rows):
        # codes compare case-insensitively: "ab01" in a file is the registered unit "AB01"
        self.existing = {u.code.casefold(): u for u in OrgUnit.objects.all()}
        self.file_codes = {}
        for _, v in rows:
            code = normalize_text(v.get("代码")).replace(" ", "")
            self.file_codes.setdefault(code.casefold(), code)

    def clean_row(self, v, err):
        from .parsing import parse_date

        code = self._canonical(self.cell(v, "代码", self._code, err, required=True))
        parent = self._canonical(self.cell(v, "上级代码", self._code, err))
        data = {
            "code": code,
            "name": self.cell(v, "名称", _text(100), err, required=True),
            "kind": self.cell(v, "类型", self._kind, err, required=True),
            "parent_code": parent,
            "valid_from": self.cell(v, "启用日期", parse_date, err),
            "valid_to": self.cell(v, "停用日期", parse_date, err),
        }
        if parent and parent == code:
            err("上级代码", "上级代码不能是本单位代码")
        elif parent and parent.casefold() not in self.existing and parent.casefold() not in self.file_codes:
            err("上级代码", f"上级代码“{parent}”既不在文件中也未登记")
        if data["valid_from"] and data["valid_to"] and data["valid_to"] < data["valid_from"]:
            err("停用日期", "停用日期不能早于启用日期")
        return data

    def _canonical(self, code):
        """The code as registered (or as the file's own row writes it), whatever its case."""
        if not code:
            return code
        if code.casefold() in self.existing:
            return self.existing[code.casefold()].code
        return self.file_codes.get(code.casefold(), code)

    @staticmethod
    def _code(raw):
        code = normalize_text(raw).replace(" ", "")
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,20}", code):
            raise RowError("代码只能由数字、字母组成，最长20位")
        return code

    @staticmethod
    def _kind(raw):
        text = normalize_text(raw)
        if text not in UNIT_KINDS:
            raise RowError(f"“{text}”不是有效类型，可选：{'、'.join(UNIT_KINDS)}")
        return UNIT_KINDS[text]

    def key(self, data):
        return data["code"]

    def save(self, rows):
        from .services import orgunit_create, orgunit_update

        pending = {d["code"]: d for _, d in rows}
        created = updated = unchanged = 0
        units = {u.code: u for u in self.existing.values()}
        # topological order: a unit is written once its parent exists
        while pending:
            ready = [d for d in pending.values() if not d["parent_code"] or d["parent_code"] in units]
            if not ready:
                raise ValidationError(f"上级代码形成循环：{'、'.join(sorted(pending))}")
            for d in ready:
                del pending[d["code"]]
                fields = {k: d[k] for k in ("name", "kind", "valid_from", "valid_to")}
                fields["parent"] = units.get(d["parent_code"]) if d["parent_code"] else None
                old = units.get(d["code"])
                if old is None:
                    units[d["code"]] = orgunit_create(actor=self.actor, code=d["code"], **fields)
                    created += 1
                elif any(getattr(old, k) != v for k, v in fields.items()):
                    units[d["code"]] = orgunit_update(unit=old, actor=self.actor, **fields)
                    updated += 1
                else:
                    unchanged += 1
        return created, updated, unchanged

    def export_queryset(self):
        return OrgUnit.objects.visible_to(self.actor) if self.actor else OrgUnit.objects.all()

    def export_rows(self, qs):
        kinds = dict(OrgUnit.Kind.choices)
        for u in qs.select_related("parent").order_by("path"):
            yield [u.code, u.name, kinds[u.kind], u.parent.code if u.parent else "", u.valid_from, u.valid_to]


# --- users with roles -----------------------------------------------------------------------------------

PROGRAMMES = {label: value for value, label in Programme.choices}
ROLE_KINDS = {label: value for value, label in RoleKind.choices}


@register
class UserImporter(Importer):
    """Headers 用户名, 姓名, 所在单位, 联系电话, 电子邮箱, 角色, 状态. 角色 lists the roles the
    account should hold, separated by ；: "单位代码或名称 业务 角色" (e.g. "某某街道 招商引资 填报员")
    or a system role alone ("审计员"). Re-importing sets the roles to exactly the listed ones."""

    kind = "users"
    label = "用户"
    sheet_name = "用户"
    key_column = "用户名"
    columns = [
        Column("用户名", aliases=("账号", "登录名")),
        Column("姓名"),
        Column("所在单位", aliases=("单位", "单位代码"), required=False),
        Column("联系电话", aliases=("电话", "手机"), required=False),
        Column("电子邮箱", aliases=("邮箱", "Email"), required=False),
        Column("角色", required=False, note="多个角色用；分隔，格式“单位 业务 角色”，如“某某街道 招商引资 填报员”；三员直接写“审计员”"),
        Column("状态", required=False, choices=("启用", "停用")),
    ]
    examples = [["lile_op", "李四", "某某街道", "13800000000", "", "某某街道 招商引资 填报员", "启用"]]

    def check_permission(self):
        if self.actor is not None and not has_system_role(self.actor, RoleKind.SYSADMIN):
            raise PermissionDenied("仅系统管理员可以导入用户")

    def prepare(self, rows):
        from .unitnames import UnitResolver

        self.units = UnitResolver(not_found="找不到单位“{text}”")
        # 三员分立: who holds a 三员 duty now (a file may not add or remove one unless the importer is
        # the 安全管理员, nor change a 三员 account)
        self.trio = {}
        for name, kind in Role.objects.filter(kind__in=SYSTEM_ROLE_KINDS).values_list("user__username", "kind"):
            self.trio.setdefault(name.lower(), set()).add(kind)
        self.may_manage_trio = self.actor is None or has_system_role(self.actor, RoleKind.SECADMIN)

    def _unit(self, raw):
        return self.units.find(raw)

    def _roles(self, raw):
        roles = []
        for part in re.split(r"[；;，,\n]+", normalize_text(raw).replace("\r", "")):
            bits = part.split()
            if not bits:
                continue
            if len(bits) == 1:
                kind = ROLE_KINDS.get(bits[0])
                if kind not in SYSTEM_ROLE_KINDS:
                    raise RowError(f"“{part}”：单独填写的只能是系统管理员、安全管理员或审计员")
                roles.append((kind, "", None))
                continue
            if len(bits) != 3:
                raise RowError(f"“{part}”应写作“单位 业务 角色”")
            unit = self._unit(bits[0])
            if bits[1] not in PROGRAMMES:
                raise RowError(f"“{bits[1]}”不是业务，可选：{'、'.join(PROGRAMMES)}")
            kind = ROLE_KINDS.get(bits[2])
            if kind is None or kind in SYSTEM_ROLE_KINDS:
                raise RowError(f"“{bits[2]}”不是业务角色，可选：填报员、审核员、业务管理员、领导")
            roles.append((kind, PROGRAMMES[bits[1]], unit))
        if len({k for k, _, _ in roles if k in SYSTEM_ROLE_KINDS}) > 1:
            raise RowError("三员分立：系统管理员、安全管理员、审计员不能由同一人兼任")
        return roles

    def clean_row(self, v, err):
        def username(raw):
            name = normalize_text(raw)
            if not re.fullmatch(r"[\w.@+-]{2,150}", name):
                raise RowError("用户名只能包含字母、数字和 @ . + - _")
            return name

        def status(raw):
            text = normalize_text(raw)
            if text not in ("启用", "停用"):
                raise RowError("应为“启用”或“停用”")
            return text == "启用"

        def email(raw):
            from django.core.validators import validate_email

            text = normalize_text(raw)
            validate_email(text)
            return text

        active = self.cell(v, "状态", status, err)
        data = {
            "username": self.cell(v, "用户名", username, err, required=True),
            "full_name": self.cell(v, "姓名", _text(50), err, required=True),
            "unit": self.cell(v, "所在单位", self._unit, err),
            "phone": self.cell(v, "联系电话", validate_phone, err) or "",
            "email": self.cell(v, "电子邮箱", email, err) or "",
            "roles": self.cell(v, "角色", self._roles, err) or [],
            "is_active": True if active is None else active,
        }
        if not self.may_manage_trio and data["username"]:
            held = self.trio.get(data["username"].lower(), set())
            wanted = {k for k, _, _ in data["roles"] if k in SYSTEM_ROLE_KINDS}
            if wanted != held:
                err("角色", "三员角色只能由安全管理员授予或撤销，不能通过用户导入")
        return data

    def key(self, data):
        return data["username"].lower()

    def save(self, rows):
        from .services import role_grant, role_revoke, user_create, user_update

        created = updated = unchanged = 0
        existing = {u.username.lower(): u for u in User.objects.filter(
            Q(username__in=[d["username"] for _, d in rows])).prefetch_related("roles__unit")}
        for _, d in rows:
            fields = {k: d[k] for k in ("full_name", "unit", "phone", "email", "is_active")}
            user = existing.get(d["username"].lower())
            changed = False
            if user is None:
                user = user_create(actor=self.actor, username=d["username"], **fields)
                created += 1
                current = {}
            else:
                before = snapshot(user, set(fields))
                user = user_update(user=user, actor=self.actor, **fields)
                changed = bool(diff(before, snapshot(user, set(fields))))
                current = {(r.kind, r.programme, r.unit_id): r for r in user.roles.all()}
            wanted = {(k, p, u.pk if u else None): (k, p, u) for k, p, u in d["roles"]}
            for key, role in current.items():
                if key not in wanted:
                    role_revoke(role=role, actor=self.actor)
                    changed = True
            for key, (k, p, u) in wanted.items():
                if key not in current:
                    role_grant(user=user, kind=k, programme=p, unit=u, actor=self.actor)
                    changed = True
            if user.pk and d["username"].lower() in existing:
                updated += changed
                unchanged += not changed
        return created, updated, unchanged

    def preview_row(self, d):
        roles = "；".join(
            ROLE_LABEL[k] if not u else f"{u.name} {PROGRAMME_LABEL[p]} {ROLE_LABEL[k]}" for k, p, u in d["roles"]
        )
        return [d["username"], d["full_name"], d["unit"].name if d["unit"] else "", d["phone"], d["email"], roles,
                "启用" if d["is_active"] else "停用"]

    def export_queryset(self):
        return User.objects.all()

    def export_rows(self, qs):
        for u in qs.select_related("unit").prefetch_related("roles__unit").order_by("username"):
            roles = "；".join(
                ROLE_LABEL[r.kind] if not r.unit else f"{r.unit.code} {PROGRAMME_LABEL[r.programme]} {ROLE_LABEL[r.kind]}"
                for r in u.roles.all()
            )
            yield [u.username, u.full_name, u.unit.code if u.unit else "", u.phone, u.email, roles,
                   "启用" if u.is_active else "停用"]


ROLE_LABEL = dict(RoleKind.choices)
PROGRAMME_LABEL = dict(Programme.choices)
