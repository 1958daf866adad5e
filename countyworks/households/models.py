"""防止返贫监测: households and members, annual income, the monitoring line of each year, risk
factors, the identification procedure and risk elimination (declared in flows.py), assistance
measures and visits.

Protected personal information (ID numbers, phones, bank accounts, health and risk details, visit
notes) is held in `EncryptedTextField`s; ID numbers and phones also get a keyed blind index
(`*_index`) for exact search. Names of household heads are not encrypted: they are what the
village notice shows and what a cadre looks a family up by."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import ScopedQuerySet

from .crypto import EncryptedTextField


class HouseholdQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.HOUSEHOLDS


class ViaHouseholdQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.HOUSEHOLDS
    scope_unit_field = "household__unit"


class Household(models.Model):
    class Category(models.TextChoices):
        UNSTABLE = "unstable", "脱贫不稳定户"
        EDGE = "edge", "边缘易致贫户"
        SUDDEN = "sudden", "突发严重困难户"
        LIFTED = "lifted", "脱贫户"
        ORDINARY = "ordinary", "一般农户"

    MONITORED_CATEGORIES = (Category.UNSTABLE, Category.EDGE, Category.SUDDEN)

    class Channel(models.TextChoices):
        SELF = "self", "农户自主申报"
        CADRE = "cadre", "干部排查"
        DEPARTMENT = "department", "部门筛查预警"

    class Status(models.TextChoices):
        REGISTERED = "registered", "未纳入监测"
        IDENTIFYING = "identifying", "识别程序中"
        MONITORED = "monitored", "监测对象"
        ELIMINATING = "eliminating", "风险消除程序中"
        ELIMINATED = "eliminated", "风险已消除"

    code = models.CharField("户编号", max_length=20, unique=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="households")
    head_name = models.CharField("户主姓名", max_length=50)
    address = models.CharField("住址（村民小组）", max_length=200, blank=True)
    category = models.CharField("户类别", max_length=20, choices=Category.choices, default=Category.ORDINARY)
    channel = models.CharField("发现方式", max_length=20, choices=Channel.choices, default=Channel.CADRE)
    status = models.CharField("监测状态", max_length=20, choices=Status.choices, default=Status.REGISTERED,
                              db_index=True)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    bank_account = EncryptedTextField("银行账号（惠民惠农一卡通）", blank=True)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    at_risk = models.BooleanField("存在返贫致贫风险", default=False, db_index=True)
    risk_reasons = models.CharField("风险原因", max_length=300, blank=True)
    erased_at = models.DateTimeField("个人信息删除时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "监测户"
        ordering = ["unit__path", "code"]

    def __str__(self):
        return self.code  # never a name: str() of a record reaches the audit log

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("households:household_detail", args=[self.pk])

    @property
    def size(self):
        return self.members.count()


class Member(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    id_number = EncryptedTextField("居民身份证号")
    id_index = models.CharField(max_length=64, db_index=True, editable=False)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    health = EncryptedTextField("健康状况（大病、残疾等）", blank=True)
    working = models.BooleanField("务工", default=False)

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员"
        ordering = ["household", "id"]

    def __str__(self):
        return self.name


class MonitoringLine(models.Model):
    """The monitoring line of a year (人均纯收入, 元/年), set by the programme office."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    amount = models.DecimalField("监测线(元/人·年)", max_digits=10, decimal_places=2)
    note = models.CharField("依据", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "年度监测线"
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="hh_line_positive")]

    def __str__(self):
        return f"{self.year}年 {self.amount}元"


class IncomeRecord(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField("年度")
    per_capita = models.DecimalField("家庭人均纯收入(元)", max_digits=12, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度收入"
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="hh_income_unique"),
            models.CheckConstraint(condition=Q(per_capita__gte=0), name="hh_income_nonnegative"),
        ]

    def __str__(self):
        return f"{self.year}年"


class RiskFactor(models.Model):
    class Kind(models.TextChoices):
        ILLNESS = "illness", "大病"
        DISABILITY = "disability", "残疾"
        DISASTER = "disaster", "灾害"
        ACCIDENT = "accident", "意外事故"
        EDUCATION = "education", "教育支出"
        JOBLOSS = "jobloss", "失业/务工收入骤减"

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField("风险类型", max_length=20, choices=Kind.choices)
    amount = models.DecimalField("金额（支出或损失，元）", max_digits=12, decimal_places=2, null=True, blank=True)
    occurred_on = models.DateField("发生日期")
    detail = EncryptedTextField("具体情况", blank=True)
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    resolution = models.CharField("化解情况", max_length=200, blank=True)

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "风险因素"
        ordering = ["household", "-occurred_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0),
                                              name="hh_risk_amount_nonnegative")]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.occurred_on:%Y-%m-%d}）"

    @property
    def open(self):
        return self.resolved_on is None


class Identification(models.Model):
    """One run of the identification procedure (flows.IDENTIFICATION) for a household."""

    class Status(models.TextChoices):
        STARTED = "started", "待入户核实"
        VERIFIED = "verified", "已入户核实"
        CONSENTED = "consented", "已签署授权承诺"
        COMPARED = "compared", "已信息比对"
        DELIBERATED = "deliberated", "已民主评议"
        PUBLICIZED = "publicized", "村级公示中"
        TOWN_REVIEWED = "town_reviewed", "镇级已审核"
        CONFIRMED = "confirmed", "县级已确认"
        REJECTED = "rejected", "不予纳入"

    OPEN = (Status.STARTED, Status.VERIFIED, Status.CONSENTED, Status.COMPARED, Status.DELIBERATED,
            Status.PUBLICIZED, Status.TOWN_REVIEWED)

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE,
                                  related_name="identifications")
    status = models.CharField("程序状态", max_length=20, choices=Status.choices, default=Status.STARTED,
                              db_index=True)
    started_on = models.DateField("启动日期", db_index=True)
    proposed_category = models.CharField("拟纳入类别", max_length=20, choices=Household.Category.choices)
    reason = models.CharField("纳入理由", max_length=300)
    notice_from = models.DateField("公示开始", null=True, blank=True)
    notice_to = models.DateField("公示结束", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "识别程序"
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return f"{self.household.code}识别程序（{self.started_on:%Y-%m-%d}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("households:identification_detail", args=[self.pk])

    @property
    def unit(self):
        return self.household.unit


class Elimination(models.Model):
    """One run of the risk-elimination procedure (flows.ELIMINATION)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "拟消除"
        VERIFIED = "verified", "已入户核实"
        PUBLICIZED = "publicized", "村级公示中"
        TOWN_REVIEWED = "town_reviewed", "镇级已审核"
        CONFIRMED = "confirmed", "风险已消除"
        REJECTED = "rejected", "暂不消除"

    OPEN = (Status.PROPOSED, Status.VERIFIED, Status.PUBLICIZED, Status.TOWN_REVIEWED)

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE,
                                  related_name="eliminations")
    status = models.CharField("程序状态", max_length=20, choices=Status.choices, default=Status.PROPOSED,
                              db_index=True)
    started_on = models.DateField("启动日期")
    reason = models.CharField("消除理由", max_length=300)
    notice_from = models.DateField("公示开始", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "风险消除"
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return f"{self.household.code}风险消除（{self.started_on:%Y-%m-%d}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("households:elimination_detail", args=[self.pk])

    @property
    def unit(self):
        return self.household.unit


class Measure(models.Model):
    class Kind(models.TextChoices):
        INDUSTRY = "industry", "产业帮扶"
        EMPLOYMENT = "employment", "就业帮扶"
        EDUCATION = "education", "教育帮扶"
        MEDICAL = "medical", "医疗保障"
        HOUSING = "housing", "住房安全"
        SAFETY_NET = "safety_net", "兜底保障"
        OTHER = "other", "其他"

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("帮扶措施", max_length=20, choices=Kind.choices)
    description = models.CharField("措施内容", max_length=300)
    cadre = models.CharField("帮扶责任人", max_length=50)
    started_on = models.DateField("开始日期")
    result = models.CharField("帮扶成效", max_length=300, blank=True)

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "帮扶措施"
        ordering = ["household", "-started_on"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.description}"


class Visit(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField("走访日期")
    visitor = models.CharField("走访人", max_length=50)
    notes = EncryptedTextField("走访情况")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ViaHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访记录"
        ordering = ["household", "-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} 走访"

    @property
    def unit(self):
        return self.household.unit


# Which fields of which model are protected: (model, field) → masking kind.
PROTECTED = {
    "Household": {"phone": "phone", "bank_account": "bank"},
    "Member": {"id_number": "id", "phone": "phone", "health": "text"},
    "RiskFactor": {"detail": "text"},
    "Visit": {"notes": "text"},
}
