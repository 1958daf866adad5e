"""Rural revitalisation (百千万工程, DESIGN §4): typical villages and towns with their designation
history and cultivation tasks, greening work plans, maintenance grids and upkeep checks, campaign
(planting) events and the villager points ledger. The weekly greening figures themselves are the
dispatch app's Submissions of the report form with code "greening" (see selectors.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import ScopedQuerySet

VILLAGE_KINDS = (OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY)
TOWN_KINDS = (OrgUnit.Kind.TOWN, OrgUnit.Kind.SUBDISTRICT)


class RuralQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.RURAL


# --- typical villages and towns -----------------------------------------------------------------


class DesignationLevel(models.Model):
    """A designation level and batch (省级首批典型村, 市级典型镇 …): configurable by the programme
    office. `rank` orders levels from the highest (1 = provincial)."""

    class Target(models.TextChoices):
        VILLAGE = "village", "村（社区）"
        TOWN = "town", "镇（街道）"

    name = models.CharField("级别批次", max_length=50, unique=True)
    tier = models.CharField("层级", max_length=20, choices=[("province", "省级"), ("city", "市级"),
                                                            ("district", "区县级")])
    target = models.CharField("对象", max_length=10, choices=Target.choices, default=Target.VILLAGE)
    rank = models.PositiveSmallIntegerField("排序", default=10)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "典型村镇级别"
        ordering = ["rank", "name"]

    def __str__(self):
        return self.name


class Designation(models.Model):
    """One designation of a village or town at one level (典型村镇). A village promoted from 市级
    to 省级 keeps both designations: the history is the list of its designations by year."""

    unit = models.ForeignKey(OrgUnit, verbose_name="村（镇）", on_delete=models.PROTECT, related_name="designations")
    level = models.ForeignKey(DesignationLevel, verbose_name="级别批次", on_delete=models.PROTECT,
                              related_name="designations")
    year = models.PositiveSmallIntegerField("认定年度")
    designated_on = models.DateField("认定日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "典型村镇"
        ordering = ["level__rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "level"], name="rural_designation_unique")]

    def __str__(self):
        return f"{self.unit.name}（{self.level.name}）"

    def get_absolute_url(self):
        return reverse("rural:typical_detail", args=[self.pk])


class TaskQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.RURAL
    scope_unit_field = "designation__unit"


class CultivationTask(models.Model):
    """A cultivation task (培育任务) of a typical village or town: target, deadline, leader in
    charge (包抓领导) and progress. Progress % = progress ÷ target (capped at 100)."""

    designation = models.ForeignKey(Designation, verbose_name="典型村镇", on_delete=models.CASCADE,
                                    related_name="tasks")
    title = models.CharField("培育任务", max_length=200)
    indicator = models.CharField("指标", max_length=50, blank=True)
    target = models.DecimalField("目标值", max_digits=14, decimal_places=2)
    progress = models.DecimalField("完成值", max_digits=14, decimal_places=2, default=0)
    deadline = models.DateField("完成时限")
    leader = models.CharField("包抓领导", max_length=50)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "培育任务"
        ordering = ["deadline", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.designation.get_absolute_url()

    @property
    def unit(self):
        return self.designation.unit

    @property
    def progress_pct(self):
        if not self.target:
            return None
        return min(100.0, round(float(self.progress) * 100 / float(self.target), 1))


# --- greening work plans ---------------------------------------------------------------------------


class GreeningPlan(models.Model):
    """A village's greening work plan (工作计划) for a year: seedlings to secure, trees to plant,
    the planting season (default February–May, the 黄金期), species, the greening map (绿化示意图,
    an attachment shown inline), the villagers' meeting, and the town's approval (flows.PLAN)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待镇（街）审批"
        APPROVED = "approved", "已审批"
        RETURNED = "returned", "已退回"

    unit = models.ForeignKey(OrgUnit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="greening_plans")
    year = models.PositiveSmallIntegerField("年度")
    seedlings_planned = models.PositiveIntegerField("计划落实苗木(株)")
    trees_planned = models.PositiveIntegerField("计划植树(株)")
    season_start = models.PositiveSmallIntegerField("植树期起(月)", default=2)
    season_end = models.PositiveSmallIntegerField("植树期止(月)", default=5)
    species = models.CharField("主要树种", max_length=200, blank=True)
    meeting_date = models.DateField("村民会议召开日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "绿化工作计划"
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="rural_plan_unique"),
            models.CheckConstraint(condition=Q(season_start__gte=1, season_start__lte=12, season_end__gte=1,
                                               season_end__lte=12), name="rural_plan_season_months"),
        ]

    def __str__(self):
        return f"{self.unit.name}{self.year}年乡村绿化工作计划"

    def get_absolute_url(self):
        return reverse("rural:plan_detail", args=[self.pk])

    @property
    def season_label(self):
        return f"{self.season_start}—{self.season_end}月"

    @property
    def editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


# --- maintenance grids -------------------------------------------------------------------------------


class MaintenanceGrid(models.Model):
    """A grid cell of a village's maintenance (网格化管护): the party member responsible (党员责任岗)
    and the trees in its care."""

    unit = models.ForeignKey(OrgUnit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="greening_grids")
    name = models.CharField("网格名称", max_length=100)
    party_member = models.CharField("党员责任岗", max_length=50)
    trees_in_care = models.PositiveIntegerField("管护树木(株)", default=0)
    area = models.CharField("管护范围", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "管护网格"
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="rural_grid_unique")]

    def __str__(self):
        return f"{self.unit.name}·{self.name}"

    def get_absolute_url(self):
        return reverse("rural:grid_detail", args=[self.pk])


class CheckQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.RURAL
    scope_unit_field = "grid__unit"


class UpkeepCheck(models.Model):
    """One upkeep visit of a grid: trees watered, replanted and found lost, with a photo."""

    grid = models.ForeignKey(MaintenanceGrid, verbose_name="管护网格", on_delete=models.PROTECT, related_name="checks")
    date = models.DateField("日期")
    watered = models.PositiveIntegerField("浇水(株)", default=0)
    replanted = models.PositiveIntegerField("补植(株)", default=0)
    lost = models.PositiveIntegerField("死亡/损失(株)", default=0)
    note = models.CharField("情况说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "管护巡查"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.grid} {self.date:%Y-%m-%d}巡查"

    def get_absolute_url(self):
        return self.grid.get_absolute_url()

    @property
    def unit(self):
        return self.grid.unit


# --- campaign events ---------------------------------------------------------------------------------


class CampaignEvent(models.Model):
    """A planting event (植树活动): organiser, date, the village where it took place, volunteers,
    trees by species. Counted into the village and district totals exactly once: when `report`
    is set, the trees are already in that weekly greening report of the village; otherwise the
    event's trees are added on their own (selectors.greening_stats)."""

    title = models.CharField("活动名称", max_length=200)
    organiser = models.ForeignKey(OrgUnit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name="活动地点所在村（社区）", on_delete=models.PROTECT,
                             related_name="greening_events")
    place = models.CharField("地点", max_length=200)
    date = models.DateField("日期")
    volunteers = models.PositiveIntegerField("志愿者(人)", default=0)
    report = models.ForeignKey("dispatch.Submission", verbose_name="已计入的村周报", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    note = models.TextField("活动情况", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "植树活动"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("rural:event_detail", args=[self.pk])

    @property
    def trees(self):
        return sum(s.trees for s in self.species.all())


class EventSpecies(models.Model):
    event = models.ForeignKey(CampaignEvent, on_delete=models.CASCADE, related_name="species")
    species = models.CharField("树种", max_length=50)
    trees = models.PositiveIntegerField("株数")

    class Meta:
        verbose_name = verbose_name_plural = "活动植树树种"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["event", "species"], name="rural_event_species_unique")]

    def __str__(self):
        return f"{self.species}{self.trees}株"


# --- villager points (村民积分制) ----------------------------------------------------------------------


def mask_phone(raw):
    """Only the masked form is stored: 13812345678 → 138****5678."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if not digits:
        return ""
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


class Villager(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="villagers")
    name = models.CharField("姓名", max_length=50)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    active = models.BooleanField("在册", default=True)

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "积分村民"
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name", "phone_masked"], name="rural_villager_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("rural:villager_detail", args=[self.pk])


class PointRule(models.Model):
    """A points rule of one village (植树每株1分 …): what is earned per unit of the activity."""

    class Activity(models.TextChoices):
        PLANTING = "planting", "植树"
        UPKEEP = "upkeep", "管护"
        CAMPAIGN = "campaign", "参加植树活动"
        OTHER = "other", "其他"

    unit = models.ForeignKey(OrgUnit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="point_rules")
    name = models.CharField("积分项目", max_length=100)
    activity = models.CharField("类别", max_length=20, choices=Activity.choices, default=Activity.OTHER)
    points = models.PositiveIntegerField("每次（株/天）积分")
    active = models.BooleanField("启用", default=True)

    objects = RuralQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "积分规则"
        ordering = ["unit__path", "activity", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="rural_point_rule_unique")]

    def __str__(self):
        return f"{self.name}（{self.points}分）"


class EntryQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.RURAL
    scope_unit_field = "villager__unit"

    def update(self, **kwargs):
        raise ValidationError("积分台账只能追加，不能修改；更正请登记冲正记录")

    def delete(self):
        raise ValidationError("积分台账只能追加，不能删除；更正请登记冲正记录")


class PointEntry(models.Model):
    """One line of a villager's points ledger. Append-only: a saved entry is never changed or
    deleted; a correction is a reversing entry (kind REVERSAL, `reverses` the original, the
    opposite points). Balance = the sum of the villager's entries."""

    class Kind(models.TextChoices):
        EARN = "earn", "获得"
        REDEEM = "redeem", "兑换"
        REVERSAL = "reversal", "冲正"

    villager = models.ForeignKey(Villager, verbose_name="村民", on_delete=models.PROTECT, related_name="entries")
    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    rule = models.ForeignKey(PointRule, verbose_name="积分规则", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    quantity = models.PositiveIntegerField("数量（株/天/次）", null=True, blank=True)
    points = models.IntegerField("积分")
    reason = models.CharField("事由", max_length=200)
    reverses = models.OneToOneField("self", verbose_name="冲正的记录", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "积分台账"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="rural_entry_nonzero"),
            models.CheckConstraint(condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True)), name="rural_entry_reversal"),
        ]

    def __str__(self):
        return f"{self.villager} {self.date:%Y-%m-%d} {self.get_kind_display()}{self.points:+d}分"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("积分台账只能追加，不能修改；更正请登记冲正记录")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.villager.get_absolute_url()

    def delete(self, *args, **kwargs):
        raise ValidationError("积分台账只能追加，不能删除；更正请登记冲正记录")

    @property
    def unit(self):
        return self.villager.unit
