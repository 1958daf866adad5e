"""招商引资: leads, activities, the six-good evaluation, admission review, projects and their
milestones, service requests. Business rules live in services.py and selectors.py."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from countyworks.core.models import Enterprise, Industry, OrgUnit, Programme
from countyworks.core.scope import ScopedQuerySet

UNIT_100M = 10_000  # 万元: "亿元以上" = planned investment ≥ 1亿元
UNIT_1B = 100_000  # 万元: "10亿元以上"


class InvestmentQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.INVESTMENT


class Lead(models.Model):
    class Source(models.TextChoices):
        FIELD_OFFICE = "field_office", "驻点招商"
        EXPO = "expo", "展会/推介会"
        BUSINESS = "business", "以商招商"
        AGENT = "agent", "中介"
        VISIT = "visit", "上门"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        NEW = "new", "新线索"
        FOLLOWING = "following", "跟进中"
        EVALUATING = "evaluating", "评估中"
        IN_REVIEW = "in_review", "准入评审"
        CONVERTED = "converted", "已签约"
        SHELVED = "shelved", "搁置"
        LOST = "lost", "流失"

    OPEN_STATUSES = (Status.NEW, Status.FOLLOWING, Status.EVALUATING, Status.IN_REVIEW)

    code = models.CharField("线索编号", max_length=20, unique=True)
    title = models.CharField("项目意向", max_length=200)
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="leads")
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    source_unit = models.ForeignKey(OrgUnit, verbose_name="来源单位", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name="跟进单位", on_delete=models.PROTECT, related_name="leads")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="跟进人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    industry = models.ForeignKey(Industry, verbose_name="产业类别", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    intended_investment = models.DecimalField("意向投资(万元)", max_digits=14, decimal_places=4, null=True, blank=True)
    land_need_mu = models.DecimalField("用地需求(亩)", max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    status_reason = models.CharField("搁置/流失原因", max_length=200, blank=True)
    description = models.TextField("情况说明", blank=True)
    registered_on = models.DateField("登记日期", default=date.today, db_index=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "招商线索"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("investment:lead_detail", args=[self.pk])


class Activity(models.Model):
    class Kind(models.TextChoices):
        OUTBOUND = "outbound", "外出招商"
        VISIT = "visit", "拜访企业"
        INSPECTION = "inspection", "来访考察"
        PROMOTION = "promotion", "推介会"
        NEGOTIATION = "negotiation", "项目洽谈"

    kind = models.CharField("活动类型", max_length=20, choices=Kind.choices)
    date = models.DateField("日期", db_index=True)
    title = models.CharField("活动名称", max_length=200)
    city = models.CharField("地点/城市", max_length=50, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="activities")
    other_units = models.ManyToManyField(OrgUnit, verbose_name="参与单位", blank=True, related_name="+")
    leaders_present = models.CharField("出席领导", max_length=200, blank=True)
    enterprises = models.ManyToManyField(Enterprise, verbose_name="对接企业", blank=True, related_name="activities")
    leads = models.ManyToManyField(Lead, verbose_name="形成线索", blank=True, related_name="activities")
    notes = models.TextField("情况记录", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "招商活动"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("investment:activity_detail", args=[self.pk])


# --- six-good evaluation (六好项目评价法) ---------------------------------------------------------


class EvalDimension(models.Model):
    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("维度", max_length=20)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "评价维度"
        ordering = ["sort_order"]

    def __str__(self):
        return self.name


class EvalCriterion(models.Model):
    dimension = models.ForeignKey(EvalDimension, verbose_name="维度", on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField("评分标准", max_length=300)
    max_points = models.PositiveSmallIntegerField("满分")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "评分标准"
        ordering = ["dimension__sort_order", "sort_order"]

    def __str__(self):
        return f"{self.dimension.name}：{self.text}"


class VetoItem(models.Model):
    code = models.CharField("代码", max_length=20, unique=True)
    text = models.CharField("否决事项", max_length=200)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "一票否决事项"
        ordering = ["code"]

    def __str__(self):
        return self.text


class EvaluationQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.INVESTMENT
    scope_unit_field = "lead__unit"


class Evaluation(models.Model):
    """One evaluator's scorecard of one lead."""

    lead = models.ForeignKey(Lead, verbose_name="线索", on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.PROTECT,
                                  related_name="+")
    date = models.DateField("评价日期")
    vetoes = models.ManyToManyField(VetoItem, verbose_name="触发的否决事项", blank=True)
    comment = models.TextField("评价意见", blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "六好评价"
        constraints = [models.UniqueConstraint(fields=["lead", "evaluator"], name="evaluation_one_per_evaluator")]

    def __str__(self):
        return f"{self.lead} · {self.evaluator}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvalCriterion, verbose_name="评分标准", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("得分", max_digits=5, decimal_places=1)
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="score_unique")]

    def __str__(self):
        return f"{self.criterion_id}: {self.points}"


# --- admission review (项目准入联席评审) ------------------------------------------------------------


class ReviewMeeting(models.Model):
    date = models.DateField("会议日期")
    title = models.CharField("会议名称", max_length=200)
    place = models.CharField("地点", max_length=100, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(OrgUnit, verbose_name="参会单位", blank=True, related_name="+")
    chair = models.CharField("主持人", max_length=50, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    held = models.BooleanField("已召开", default=False)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "准入评审会"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("investment:meeting_detail", args=[self.pk])


class ReviewItem(models.Model):
    class Decision(models.TextChoices):
        PASS = "pass", "通过"
        CONDITIONAL = "conditional", "有条件通过"
        DEFER = "defer", "暂缓"
        REJECT = "reject", "不通过"

    APPROVING = (Decision.PASS, Decision.CONDITIONAL)

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="items")
    lead = models.ForeignKey(Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="review_items")
    order = models.PositiveSmallIntegerField("议程序号", default=0)
    decision = models.CharField("评审结论", max_length=20, choices=Decision.choices, blank=True)
    conditions = models.TextField("附加条件", blank=True)
    notes = models.TextField("评审意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评审议程"
        ordering = ["meeting", "order"]
        constraints = [models.UniqueConstraint(fields=["meeting", "lead"], name="review_item_unique")]

    def __str__(self):
        return f"{self.meeting} · {self.lead}"


# --- projects and milestones (全生命周期) -------------------------------------------------------------


class Project(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "新建"
        EXPANSION = "expansion", "增资扩产"

    class Agreement(models.TextChoices):
        FRAMEWORK = "framework", "框架协议"
        INVESTMENT = "investment", "投资协议"
        SUPPLEMENT = "supplement", "补充协议"

    code = models.CharField("项目编号", max_length=20, unique=True)
    name = models.CharField("项目名称", max_length=200)
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="projects")
    lead = models.OneToOneField(Lead, verbose_name="来源线索", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="project")
    kind = models.CharField("项目类型", max_length=20, choices=Kind.choices, default=Kind.NEW)
    industry = models.ForeignKey(Industry, verbose_name="产业类别", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    planned_investment = models.DecimalField(
        "计划总投资(万元)", max_digits=14, decimal_places=4,
        help_text="增资扩产项目填写新增投资额（只统计增量）",
    )
    unit = models.ForeignKey(OrgUnit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="projects")
    signed_date = models.DateField("签约日期", db_index=True)
    agreement = models.CharField("协议类型", max_length=20, choices=Agreement.choices, default=Agreement.INVESTMENT)
    leader = models.ForeignKey("core.Person", verbose_name="包抓领导", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="projects")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="服务专员", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "签约项目"
        ordering = ["-signed_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "enterprise"], name="project_natural_key"),
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="project_investment_nonnegative"),
        ]
        indexes = [models.Index(fields=["unit", "signed_date"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("investment:project_detail", args=[self.pk])

    @staticmethod
    def audit_part_label(key):
        """Audit keys like "started.actual_date" name a milestone: its label for the viewer."""
        try:
            return Milestone.Kind(key).label
        except ValueError:
            return key


class MilestoneQuerySet(models.QuerySet):
    def overdue(self, as_of=None):
        """The one rule of an overdue milestone: its planned date has passed (before `as_of`,
        default today) without an actual date. `Milestone.is_overdue` is the same rule for one."""
        from countyworks.core import clock

        return self.filter(planned_date__lt=as_of or clock.today(), actual_date__isnull=True)


class Milestone(models.Model):
    class Kind(models.TextChoices):
        SIGNED = "signed", "签约"
        REGISTERED = "registered", "注册落地"
        LAND = "land", "供地"
        STARTED = "started", "开工"
        COMPLETED = "completed", "建成"
        PRODUCING = "producing", "投产"
        AT_CAPACITY = "at_capacity", "达产达效"

    ORDER = [Kind.SIGNED, Kind.REGISTERED, Kind.LAND, Kind.STARTED, Kind.COMPLETED, Kind.PRODUCING, Kind.AT_CAPACITY]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("节点", max_length=20, choices=Kind.choices)
    planned_date = models.DateField("计划日期", null=True, blank=True)
    actual_date = models.DateField("实际日期", null=True, blank=True, db_index=True)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目节点"
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="milestone_unique")]
        indexes = [models.Index(fields=["kind", "actual_date"])]

    def __str__(self):
        return f"{self.project} · {self.get_kind_display()}"

    @property
    def position(self):
        return Milestone.ORDER.index(self.kind)

    def is_overdue(self, as_of=None):
        """MilestoneQuerySet.overdue's rule for one milestone."""
        from countyworks.core import clock

        return self.planned_date is not None and self.actual_date is None and \
            self.planned_date < (as_of or clock.today())


class ServiceRequestQuerySet(models.QuerySet):
    def overdue(self, as_of=None):
        """The one rule of an overdue service request: still 待办理 and its 办理时限 before `as_of`
        (default: today). Used by the list's "仅超时" filter and the cockpit."""
        from countyworks.core import clock

        return self.filter(status=ServiceRequest.Status.OPEN, deadline__lt=as_of or clock.today())

    def visible_to(self, user, action="view"):
        """A service request is seen by the project's side and by the responsible bureau."""
        from countyworks.core.scope import scope_q

        return self.filter(
            scope_q(user, programme=Programme.INVESTMENT, unit_field="project__unit", action=action)
            | scope_q(user, programme=Programme.INVESTMENT, unit_field="bureau", action=action)
        )


class ServiceRequest(models.Model):
    class Category(models.TextChoices):
        APPROVAL = "approval", "审批手续"
        LAND = "land", "用地"
        POWER = "power", "用电"
        WATER = "water", "用水"
        STAFF = "staff", "用工"
        FINANCE = "finance", "融资"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "待办理"
        ANSWERED = "answered", "已答复"
        CLOSED = "closed", "已办结"

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="service_requests")
    category = models.CharField("诉求类别", max_length=20, choices=Category.choices)
    description = models.TextField("诉求内容")
    bureau = models.ForeignKey(OrgUnit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("办理时限")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField("答复", blank=True)
    replied_at = models.DateField("答复日期", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("企业评价(1-5星)", null=True, blank=True)
    rating_comment = models.CharField("评价意见", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "服务诉求"
        ordering = ["deadline"]

    def __str__(self):
        return f"{self.project} · {self.get_category_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("investment:service_detail", args=[self.pk])
