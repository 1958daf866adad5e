import django_tables2 as tables
from django.utils.html import format_html

from .identifiers import mask_phone
from .models import AuditEntry, Enterprise, OrgUnit, Person, Target, User


class OrgUnitTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="名称", order_by=("path",))
    parent = tables.Column(verbose_name="上级单位")

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "parent", "valid_from", "valid_to"]
        order_by = "name"

    def render_name(self, record, value):
        return format_html('<span class="tree-indent" style="padding-left:{}rem">{}</span>', record.depth * 1.2, value)

    def value_name(self, record, value):
        return value


class EnterpriseTable(tables.Table):
    name = tables.Column(linkify=True)
    contact_phone = tables.Column(verbose_name="联系电话")

    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "city", "industry", "size", "contact_name", "contact_phone"]

    def render_contact_phone(self, value):
        return mask_phone(value)

    def value_contact_phone(self, value):
        return mask_phone(value)


class PersonTable(tables.Table):
    name = tables.Column(linkify=True)
    user = tables.Column(verbose_name="关联账号", accessor="user__username", default="—")

    class Meta:
        model = Person
        fields = ["name", "post", "unit", "user", "active"]


class UserTable(tables.Table):
    username = tables.Column(linkify=("core:user_detail", {"pk": tables.A("pk")}))
    roles = tables.Column(verbose_name="角色", empty_values=(), orderable=False)

    class Meta:
        model = User
        fields = ["username", "full_name", "unit", "is_active", "last_login"]

    def render_roles(self, record):
        return "；".join(str(r) for r in record.roles.all()) or "—"

    def value_roles(self, record):
        return self.render_roles(record)


class TargetTable(tables.Table):
    class Meta:
        model = Target
        fields = ["year", "unit", "indicator", "value"]


class AuditTable(tables.Table):
    seq = tables.Column(linkify=("core:audit_detail", {"pk": tables.A("pk")}))
    at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    before = tables.Column("修改前", accessor="changes", visible=False, orderable=False)
    after = tables.Column("修改后", accessor="changes", visible=False, orderable=False)

    class Meta:
        model = AuditEntry
        fields = ["seq", "at", "actor_name", "ip", "action", "object_type", "object_repr", "message"]

    def render_object_type(self, value):
        from .selectors import audit_type_label

        return audit_type_label(value)

    def value_object_type(self, value):
        return self.render_object_type(value)

    def value_at(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")

    def value_before(self, record):
        from .selectors import audit_entry_display

        return "；".join(f"{label}：{b}" for label, b, a, is_pair in audit_entry_display(record)[1] if is_pair)

    def value_after(self, record):
        from .selectors import audit_entry_display

        return "；".join(f"{label}：{a if is_pair else b}" for label, b, a, is_pair in audit_entry_display(record)[1])
