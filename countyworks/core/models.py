"""Core tables shared by every programme: org units, users & roles, enterprises, industries,
indicators & targets, the audit log and attachments."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .parsing import InvalidValue


class Programme(models.TextChoices):
    INVESTMENT = "investment", "招商引资"
    RURAL = "rural", "百千万工程"
    HOUSEHOLDS = "households", "防止返贫监测"
    SAFETY = "safety", "安全生产检查"
    DISPATCH = "dispatch", "周调度月通报"


class RoleKind(models.TextChoices):
    OPERATOR = "operator", "填报员"
    REVIEWER = "reviewer", "审核员"
    MANAGER = "manager", "业务管理员"
    LEADER = "leader", "领导"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计员"


SYSTEM_ROLE_KINDS = {RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR}
_SYSTEM_KIND_VALUES = sorted(k.value for k in SYSTEM_ROLE_KINDS)  # stable order for the migration
# Which programme role kinds may do what. Leaders read; operators and reviewers also write.
ACTION_KINDS = {
    "view": {RoleKind.OPERATOR, RoleKind.REVIEWER, RoleKind.MANAGER, RoleKind.LEADER},
    "change": {RoleKind.OPERATOR, RoleKind.REVIEWER, RoleKind.MANAGER},
    "review": {RoleKind.REVIEWER, RoleKind.MANAGER},
    "manage": {RoleKind.MANAGER},
}


def _validate_credit_code(value):
    from .identifiers import validate_credit_code

    try:
        validate_credit_code(value)
    except InvalidValue as exc:
        raise ValidationError(str(exc)) from exc


# --- org units ------------------------------------------------------------------------------


def path_q(prefix, field="path"):
    """`field` lies in the subtree whose materialised path is `prefix` ("/1/7/"). On SQLite a
    range (prefix ≤ path < prefix with its last "/" raised to "0") so the path index is searched
    rather than scanned (SQLite's LIKE cannot use it); elsewhere LIKE 'prefix%'. Paths hold only
    digits and "/", and "/" sorts just below "0", so the range holds exactly the subtree."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + "0"})
    return Q(**{f"{field}__startswith": prefix})


class OrgUnitQuerySet(models.QuerySet):
    def subtree_of(self, unit, *, include_self=True):
        qs = self.filter(path_q(unit.path))
        return qs if include_self else qs.exclude(pk=unit.pk)

    def active_on(self, day):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def visible_to(self, user, action="view"):
        """Org units a user may see: the subtrees of the units they hold any programme role on."""
        from .scope import scope_paths

        return _filter_paths(self, scope_paths(user, programme=None, action=action), "path")


def _filter_paths(qs, paths, field):
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    q = Q()
    for p in paths:
        q |= path_q(p, field)
    return qs.filter(q)


class OrgUnit(models.Model):
    """A node of the one org tree. `path` is a materialised path of primary keys ("/1/7/42/"):
    a subtree is one indexed prefix query, never a recursive walk."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "区"
        COUNTY = "county", "县"
        SUBDISTRICT = "subdistrict", "街道"
        TOWN = "town", "镇"
        VILLAGE = "village", "村"
        COMMUNITY = "community", "社区"
        BUREAU = "bureau", "部门"
        STATE_COMPANY = "state_company", "国资公司"
        FIELD_OFFICE = "field_office", "驻点办事处"
        TEAM = "team", "工作组"

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField("启用日期", null=True, blank=True)
    valid_to = models.DateField("停用日期", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "组织单位"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:orgunit_detail", args=[self.pk])

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "停用日期不能早于启用日期"})
        if self.parent_id and self.pk:
            if self.parent_id == self.pk or (self.parent.path or "").startswith(self.path or "\0"):
                raise ValidationError({"parent": "上级单位不能是本单位或其下级单位"})

    def ancestors(self, include_self=True):
        ids = [int(x) for x in self.path.strip("/").split("/") if x]
        if not include_self:
            ids = ids[:-1]
        return OrgUnit.objects.filter(pk__in=ids).order_by("depth")

    @property
    def is_administrative(self):
        return self.kind in {
            self.Kind.DISTRICT,
            self.Kind.COUNTY,
            self.Kind.SUBDISTRICT,
            self.Kind.TOWN,
            self.Kind.VILLAGE,
            self.Kind.COMMUNITY,
        }


# --- users and roles ------------------------------------------------------------------------


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        """The register of leading cadres is shared like the enterprise registry: anyone holding a
        programme role reads it (a subdistrict's task may have a district leader in charge); a
        programme manager changes the people of the units in their scope."""
        from .scope import has_any_programme_role, scope_paths

        if action == "view":
            return self if has_any_programme_role(user) else self.none()
        return _filter_paths(self, scope_paths(user, programme=None, action="manage"), "unit__path")


class Person(models.Model):
    """A leading cadre (包抓领导): a person with a post in a unit, who need not have an account
    (a leader in charge of a task is often not a user); a person may be linked to one account.
    Documents print the name and post ("郑丹辉 区委副书记、区长"), never an account's display text."""

    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=100, blank=True, help_text="如：区委副书记、区长")
    unit = models.ForeignKey(OrgUnit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="people")
    user = models.OneToOneField("User", verbose_name="关联账号", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="person")
    active = models.BooleanField("在任", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "领导干部"
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name", "post"], name="core_person_unique")]

    def __str__(self):
        return f"{self.name} {self.post}".strip()

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:person_update", args=[self.pk])


class Role(models.Model):
    """A role held on an org unit for a programme, or a system-wide duty (三员: 系统管理员,
    安全管理员, 审计员) which has neither unit nor programme."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("角色", max_length=20, choices=RoleKind.choices)
    programme = models.CharField("业务", max_length=20, choices=Programme.choices, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="roles")

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "programme", "unit"], name="role_unique"),
            models.UniqueConstraint(
                fields=["user", "kind"], condition=Q(unit__isnull=True), name="role_system_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=_SYSTEM_KIND_VALUES, programme="", unit__isnull=True)
                    | (~Q(kind__in=_SYSTEM_KIND_VALUES) & ~Q(programme="") & Q(unit__isnull=False))
                ),
                name="role_shape",
            ),
        ]

    def __str__(self):
        if self.kind in SYSTEM_ROLE_KINDS:
            return self.get_kind_display()
        return f"{self.unit} · {self.get_programme_display()} · {self.get_kind_display()}"

    def clean(self):
        if self.kind in SYSTEM_ROLE_KINDS:
            if self.programme or self.unit_id:
                raise ValidationError("系统角色（三员）不关联业务和单位")
        else:
            if not self.programme:
                raise ValidationError({"programme": "业务角色必须指定业务"})
            if not self.unit_id:
                raise ValidationError({"unit": "业务角色必须指定单位"})


# --- shared registers --------------------------------------------------------------------------


class Industry(models.Model):
    """The industry catalogue (configurable; Jianghai default "1+3+2")."""

    class Tier(models.TextChoices):
        FEATURED = "featured", "特色产业"
        LEADING = "leading", "主导产业"
        PILLAR = "pillar", "支柱产业"
        OTHER = "other", "其他"

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    tier = models.CharField("类别", max_length=20, choices=Tier.choices, default=Tier.OTHER)
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "产业类别"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        """The enterprise registry is shared by all programmes: anyone holding a programme role
        may read it, and operators/reviewers/managers may change it."""
        from .scope import has_any_programme_role

        return self if has_any_programme_role(user, action=action) else self.none()


class Enterprise(models.Model):
    class Size(models.TextChoices):
        LARGE = "large", "大型"
        MEDIUM = "medium", "中型"
        SMALL = "small", "小型"
        MICRO = "micro", "微型"

    name = models.CharField("企业名称", max_length=200, db_index=True)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[_validate_credit_code]
    )
    city = models.CharField("所在城市", max_length=50, blank=True)
    industry = models.ForeignKey(
        Industry, verbose_name="产业类别", null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    size = models.CharField("企业规模", max_length=10, choices=Size.choices, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:enterprise_detail", args=[self.pk])


# --- indicators and targets ------------------------------------------------------------------


class Indicator(models.Model):
    code = models.CharField("代码", max_length=50, unique=True)
    name = models.CharField("指标", max_length=100, unique=True)
    programme = models.CharField("业务", max_length=20, choices=Programme.choices)
    unit_label = models.CharField("计量单位", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标"
        ordering = ["programme", "code"]

    def __str__(self):
        return self.name


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        from .scope import scope_paths

        # a target is seen by whoever may see the indicator's programme for that unit
        q = Q()
        any_ok = False
        for programme in Programme.values:
            paths = scope_paths(user, programme=programme, action=action)
            if paths is None:
                q |= Q(indicator__programme=programme)
                any_ok = True
            elif paths:
                sub = Q()
                for p in paths:
                    sub |= path_q(p, "unit__path")
                q |= Q(indicator__programme=programme) & sub
                any_ok = True
        return self.filter(q) if any_ok else self.none()


class Target(models.Model):
    """Annual target of one unit for one indicator."""

    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="targets")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("目标值", max_digits=16, decimal_places=4)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度目标"
        ordering = ["-year", "unit__path", "indicator__code"]
        constraints = [models.UniqueConstraint(fields=["unit", "indicator", "year"], name="target_unique")]

    def __str__(self):
        return f"{self.year} {self.unit} {self.indicator}"


# --- audit -----------------------------------------------------------------------------------


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账户锁定"
    ROLE_GRANT = "role_grant", "授予角色"
    ROLE_REVOKE = "role_revoke", "撤销角色"
    PASSWORD = "password", "修改密码"
    REVEAL = "reveal", "查看敏感信息"
    SECURITY = "security", "安全设置"
    PRUNE = "prune", "清理过期日志"


class AuditEntry(models.Model):
    """One line of the tamper-evident audit log. `hash` = SHA-256 of the previous entry's hash
    and this entry's canonical content; `seq` has no gaps. Editing or deleting an entry breaks
    the chain, which `countyworks audit verify` reports."""

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    message = models.TextField("说明", blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.get_action_display()} {self.object_repr}"


class AuditChainHead(models.Model):
    """A single row holding the end of the chain; locked while appending so that entries are
    numbered and chained in commit order. `anchor_*` is where verification starts after the
    retention job has pruned old entries."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"审计日志链末端 #{self.last_seq}"


# --- attachments -----------------------------------------------------------------------------


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.original_name


# --- workflow history and notifications --------------------------------------------------------


class RoleRequestQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        """The 系统管理员 and the 安全管理员 see the requests for 三员 duties; nobody else."""
        from .scope import has_system_role

        ok = has_system_role(user, RoleKind.SYSADMIN) or has_system_role(user, RoleKind.SECADMIN)
        return self if ok else self.none()


class RoleRequest(models.Model):
    """A request to give an account one of the 三员 duties (系统管理员, 安全管理员, 审计员): made by
    one person, confirmed by a 安全管理员 who is not that person (flows.ROLE_REQUEST); only the
    confirmation grants the role."""

    class Status(models.TextChoices):
        NEW = "new", "新建"
        PENDING = "pending", "待安全管理员确认"
        APPROVED = "approved", "已确认授予"
        REJECTED = "rejected", "已驳回"
        WITHDRAWN = "withdrawn", "已撤回"

    user = models.ForeignKey("User", verbose_name="账号", on_delete=models.CASCADE, related_name="role_requests")
    kind = models.CharField("三员角色", max_length=20, choices=[(k, RoleKind(k).label) for k in
                                                            (RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR)])
    reason = models.CharField("申请理由", max_length=300)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW)
    requested_by = models.ForeignKey("User", verbose_name="申请人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    objects = RoleRequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "三员角色授予申请"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user.username} · {self.get_kind_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:security") + f"#request-{self.pk}"


class FlowTransition(models.Model):
    """One transition made through core.workflow: who moved which record from what to what, when
    and why. The UI lists these as the record's history."""

    flow = models.CharField(max_length=60)
    object_type = models.CharField(max_length=100)  # app_label.model
    object_id = models.BigIntegerField()
    transition = models.CharField(max_length=60)
    source = models.CharField(max_length=40)
    target = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    attachment = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流转记录"
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} {self.source}→{self.target}"


class Notification(models.Model):
    """A message in a user's bell (the table keeps its first name, dispatch_notification)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "dispatch_notification"
        ordering = ["-created_at"]

    def __str__(self):
        return self.text


class ImportJob(models.Model):
    """One import run in the background (a preview, or the confirmed write): what the web page polls
    for its progress bar, and the report it shows when done. The file stays in the import folder
    under `token` until the confirmed write succeeds."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    filename = models.CharField(max_length=200)
    token = models.CharField(max_length=80)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    commit = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, blank=True)  # 读取 / 校验 / 写入
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.filename} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        if self.finished:
            return 100
        return min(99, int(self.rows_done * 100 / self.rows_total)) if self.rows_total else 0
