"""安全生产检查: campaigns and their teams, inspected objects, versioned checklists, inspections
with item results, hazards rectified to closure and their extension requests.

Scope (who sees what): a record belongs to two units — the team that inspects / follows it up
(an org unit of kind 工作组) and the area (街道/村/社区) where the object lies. A user sees it when
either lies in the subtree of a unit where the user holds a safety role; a team also sees the
objects its campaigns assign to it (by area or by name). Business rules live in services.py,
selectors.py and workflows.py."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q

from countyworks.core.models import Attachment, Enterprise, OrgUnit, Programme, path_q
from countyworks.core.scope import scope_paths

P = Programme.SAFETY
TEAM = OrgUnit.Kind.TEAM


def _paths_q(paths, field):
    q = Q()
    for p in paths:
        q |= path_q(p, field)
    return q


def _team_ids(paths):
    return OrgUnit.objects.filter(_paths_q(paths, "path"), kind=TEAM).values("pk")


def covered_object_q(paths, *, id_field="pk", unit_path_field="unit__path"):
    """Objects assigned to a team in `paths` by one of its campaigns: by name, or lying in an
    area the team covers."""
    assignments = CampaignTeam.objects.filter(team__in=_team_ids(paths))
    q = Q(**{f"{id_field}__in": assignments.filter(assigned_objects__isnull=False).values("assigned_objects")})
    area_paths = list(OrgUnit.objects.filter(covering_teams__in=assignments).values_list("path", flat=True).distinct())
    if area_paths:
        q |= _paths_q(area_paths, unit_path_field)
    return q


class _Visible(models.QuerySet):
    def _paths(self, user, action):
        return scope_paths(user, programme=P, action=action)


class CategoryQuerySet(_Visible):
    def visible_to(self, user, action="view"):
        """Categories and checklists are the programme's reference data: read by anyone holding
        a safety role, changed by the programme office (manage)."""
        if action == "change":
            action = "manage"
        return self if self._paths(user, action) else self.none()


class ObjectCategory(models.Model):
    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("类别名称", max_length=50, unique=True)
    builtin = models.BooleanField("内置类别", default=False)
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查对象类别"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:category_detail", args=[self.pk])

    def current_checklist(self):
        return self.checklists.order_by("-version").first()


class Checklist(models.Model):
    """One version of a category's checklist. A new version is a new row: the inspections made
    with an older version keep pointing at it, so their results stay readable as recorded."""

    category = models.ForeignKey(ObjectCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="checklists")
    version = models.PositiveIntegerField("版本")
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修订人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("修订时间", auto_now_add=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查表"
        ordering = ["category__sort_order", "-version"]
        constraints = [models.UniqueConstraint(fields=["category", "version"], name="checklist_version_unique")]

    def __str__(self):
        return f"{self.category.name}检查表（第{self.version}版）"


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("序号")
    text = models.CharField("检查内容", max_length=200)
    basis = models.CharField("依据/标准", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查项"
        ordering = ["checklist", "seq"]
        constraints = [models.UniqueConstraint(fields=["checklist", "seq"], name="checklist_item_seq_unique")]

    def __str__(self):
        return f"{self.seq}. {self.text}"


# --- campaigns and teams ------------------------------------------------------------------------------


class CampaignQuerySet(_Visible):
    def visible_to(self, user, action="view"):
        """A campaign is seen by the lead bureau's subtree and by the teams taking part; the
        routine inspection (日常检查) by everyone holding a safety role."""
        paths = self._paths(user, action)
        if not paths:
            return self.none()
        q = Q(routine=True) if action == "view" else Q(pk__in=[])
        q |= _paths_q(paths, "lead_bureau__path")
        q |= Q(pk__in=CampaignTeam.objects.filter(team__in=_team_ids(paths)).values("campaign"))
        return self.filter(q)


class Campaign(models.Model):
    name = models.CharField("检查行动名称", max_length=100, unique=True)
    lead_bureau = models.ForeignKey(OrgUnit, verbose_name="牵头部门", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="safety_campaigns", limit_choices_to={"kind": OrgUnit.Kind.BUREAU})
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    categories = models.ManyToManyField(ObjectCategory, verbose_name="检查对象类别", blank=True, related_name="+")
    description = models.TextField("工作要求", blank=True)
    routine = models.BooleanField("日常检查", default=False, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查行动"
        ordering = ["routine", "-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                                   name="campaign_period_order"),
            models.UniqueConstraint(fields=["routine"], condition=Q(routine=True), name="campaign_one_routine"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:campaign_detail", args=[self.pk])

    @property
    def unit(self):
        return self.lead_bureau


class CampaignTeam(models.Model):
    """A team (专项督导检查组, an org unit of kind 工作组) in one campaign: its members and what it
    covers — whole areas (街道/村) and/or named objects."""

    campaign = models.ForeignKey(Campaign, verbose_name="检查行动", on_delete=models.CASCADE, related_name="teams")
    team = models.ForeignKey(OrgUnit, verbose_name="检查组", on_delete=models.PROTECT, related_name="safety_assignments",
                             limit_choices_to={"kind": TEAM})
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组长", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="组员", blank=True, related_name="safety_teams")
    areas = models.ManyToManyField(OrgUnit, verbose_name="负责区域", blank=True, related_name="covering_teams")
    assigned_objects = models.ManyToManyField("InspectedObject", verbose_name="检查对象", blank=True,
                                              related_name="assignments")

    class Meta:
        verbose_name = verbose_name_plural = "检查组分工"
        ordering = ["campaign", "team__sort_order", "team__code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "team"], name="campaign_team_unique")]

    def __str__(self):
        return f"{self.campaign} · {self.team}"


# --- inspected objects -------------------------------------------------------------------------------


class InspectedObjectQuerySet(_Visible):
    def visible_to(self, user, action="view"):
        paths = self._paths(user, action)
        if not paths:
            return self.none()
        return self.filter(_paths_q(paths, "unit__path") | covered_object_q(paths))


class InspectedObject(models.Model):
    name = models.CharField("对象名称", max_length=200)
    category = models.ForeignKey(ObjectCategory, verbose_name="对象类别", on_delete=models.PROTECT, related_name="objects_of")
    unit = models.ForeignKey(OrgUnit, verbose_name="所属街道/村", on_delete=models.PROTECT, related_name="safety_objects")
    address = models.CharField("地址", max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, verbose_name="责任企业", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="safety_objects")
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = InspectedObjectQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查对象"
        ordering = ["unit__path", "category__sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "unit"], name="inspected_object_name_unit_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:object_detail", args=[self.pk])


# --- inspections --------------------------------------------------------------------------------------


class TeamOrAreaQuerySet(_Visible):
    """Records carrying a team and an area: seen from either subtree."""

    team_field = "team"
    area_field = "unit"

    def visible_to(self, user, action="view"):
        paths = self._paths(user, action)
        if not paths:
            return self.none()
        return self.filter(_paths_q(paths, f"{self.team_field}__path") | _paths_q(paths, f"{self.area_field}__path"))


class InspectionQuerySet(TeamOrAreaQuerySet):
    area_field = "object__unit"


class Inspection(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="检查行动", on_delete=models.PROTECT, related_name="inspections")
    team = models.ForeignKey(OrgUnit, verbose_name="检查组", on_delete=models.PROTECT, related_name="safety_inspections")
    object = models.ForeignKey(InspectedObject, verbose_name="检查对象", on_delete=models.PROTECT, related_name="inspections")
    checklist = models.ForeignKey(Checklist, verbose_name="检查表版本", on_delete=models.PROTECT, related_name="inspections")
    date = models.DateField("检查日期", db_index=True)
    inspectors = models.CharField("检查人员", max_length=200, blank=True)
    note = models.TextField("检查情况", blank=True)
    client_key = models.CharField("提交标识", max_length=64, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campaign", "team"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.object.name}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:inspection_detail", args=[self.pk])

    @property
    def unit(self):
        return self.object.unit


class ResultQuerySet(TeamOrAreaQuerySet):
    team_field = "inspection__team"
    area_field = "inspection__object__unit"


class InspectionResult(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", "符合"
        FAIL = "fail", "不符合"
        NA = "na", "不适用"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, verbose_name="检查项", on_delete=models.PROTECT, related_name="+")
    result = models.CharField("结果", max_length=4, choices=Result.choices)
    note = models.CharField("问题描述", max_length=500, blank=True)
    photos = GenericRelation(Attachment, object_id_field="object_id", content_type_field="content_type")

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检查结果"
        ordering = ["inspection", "item__seq"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_unique")]

    def __str__(self):
        return f"{self.item.text}：{self.get_result_display()}"

    def get_absolute_url(self):
        return self.inspection.get_absolute_url()


# --- hazards -------------------------------------------------------------------------------------------


class Hazard(models.Model):
    class Level(models.TextChoices):
        GENERAL = "general", "一般隐患"
        MAJOR = "major", "重大隐患"

    class Status(models.TextChoices):
        FOUND = "found", "发现"
        NOTIFIED = "notified", "已下发整改通知书"
        RECTIFYING = "rectifying", "整改中"
        SUBMITTED = "submitted", "整改完成待复查"
        PASSED = "passed", "复查通过"
        CLOSED = "closed", "已销号"

    code = models.CharField("隐患编号", max_length=20, unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name="检查行动", on_delete=models.PROTECT, related_name="hazards")
    team = models.ForeignKey(OrgUnit, verbose_name="检查组", on_delete=models.PROTECT, related_name="safety_hazards")
    object = models.ForeignKey(InspectedObject, verbose_name="检查对象", on_delete=models.PROTECT, related_name="hazards")
    unit = models.ForeignKey(OrgUnit, verbose_name="所属街道/村", on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey(Inspection, verbose_name="检查记录", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="hazards")
    result = models.OneToOneField(InspectionResult, verbose_name="不符合项", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="hazard")
    level = models.CharField("隐患等级", max_length=10, choices=Level.choices, default=Level.GENERAL, db_index=True)
    description = models.TextField("隐患描述")
    responsible = models.CharField("责任单位/责任人", max_length=200)
    requirement = models.TextField("整改要求", blank=True)
    found_on = models.DateField("发现日期", db_index=True)
    deadline = models.DateField("整改期限", db_index=True)
    status = models.CharField("整改状态", max_length=12, choices=Status.choices, default=Status.FOUND, db_index=True)
    notice_no = models.CharField("整改通知书编号", max_length=40, blank=True, db_index=True)
    notice_date = models.DateField("通知书下发日期", null=True, blank=True)
    rectification_note = models.TextField("整改情况", blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True, db_index=True)
    supervised = models.BooleanField("挂牌督办", default=False, db_index=True)
    supervising_unit = models.ForeignKey(OrgUnit, verbose_name="督办单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    supervised_on = models.DateField("挂牌日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    photos = GenericRelation(Attachment, object_id_field="object_id", content_type_field="content_type")

    objects = TeamOrAreaQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "安全隐患"
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["campaign", "team", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("found_on")), name="hazard_deadline_after_found"),
            models.UniqueConstraint(fields=["notice_no"], condition=~Q(notice_no=""), name="hazard_notice_no_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.object.name}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:hazard_detail", args=[self.pk])


class ExtensionQuerySet(TeamOrAreaQuerySet):
    team_field = "hazard__team"
    area_field = "hazard__unit"


class HazardExtension(models.Model):
    """A request to move a hazard's deadline. The hazard's deadline changes only on approval;
    the approved rows, oldest first, are its deadline history."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "不予批准"

    hazard = models.ForeignKey(Hazard, verbose_name="隐患", on_delete=models.CASCADE, related_name="extensions")
    old_deadline = models.DateField("原整改期限")
    new_deadline = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    status = models.CharField("审批状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_on = models.DateField("申请日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["hazard", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hazard"], condition=Q(status="pending"), name="hazard_one_pending_extension"),
        ]

    def __str__(self):
        return f"{self.hazard.code} 延期至 {self.new_deadline:%Y-%m-%d}"

    def get_absolute_url(self):
        return self.hazard.get_absolute_url()
