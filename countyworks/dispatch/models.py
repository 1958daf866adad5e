"""Weekly dispatch (周调度), tasks, reminders, notifications and monthly bulletins (月通报)."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import ScopedQuerySet


class DispatchQuerySet(ScopedQuerySet, models.QuerySet):
    scope_programme = Programme.DISPATCH


class ReportForm(models.Model):
    """A weekly reporting form: which figures each assigned unit reports every week, by when.

    `fields`: [{"code": "trees_planted", "label": "已植树", "unit": "株", "required": true}, …] —
    weekly figures are the week's own increments; totals to date are their sums.
    `rules`: [{"type": "cumulative_lte", "left": "trees_planted", "right": "seedlings_secured",
               "message": "累计已植树不能超过累计已落实苗木"}, …]."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("报表名称", max_length=100)
    programme = models.CharField("业务", max_length=20, choices=Programme.choices)
    owner = models.ForeignKey(OrgUnit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField("填报指标", default=list)
    rules = models.JSONField("校验规则", default=list, blank=True)
    due_weekday = models.PositiveSmallIntegerField("截止星期(1-7)", default=5)
    due_time = models.TimeField("截止时间", default=time(17, 0))
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    units = models.ManyToManyField(OrgUnit, verbose_name="填报单位", related_name="report_forms")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "周报表"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("dispatch:form_detail", args=[self.pk])

    def due_at(self, week_start):
        """The deadline of the week starting on Monday `week_start` (aware, local time)."""
        day = week_start + timedelta(days=self.due_weekday - 1)
        return timezone.make_aware(datetime.combine(day, self.due_time))

    def field_labels(self):
        return {f["code"]: f["label"] for f in self.fields}


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已审核"

    form = models.ForeignKey(
        ReportForm, verbose_name="报表", on_delete=models.PROTECT, related_name="submissions"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name="填报单位", on_delete=models.PROTECT, related_name="submissions"
    )
    week_start = models.DateField("周（周一）", db_index=True)
    figures = models.JSONField("数据", default=dict)
    text = models.TextField("本周工作情况", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    flags = models.JSONField("异常提示", default=list, blank=True)
    first_submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.CharField("退回原因", max_length=300, blank=True)

    objects = DispatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "周报"
        ordering = ["-week_start", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["form", "unit", "week_start"], name="submission_unique")
        ]

    def __str__(self):
        from countyworks.core.periods import Period

        return f"{self.unit} {Period.containing(self.week_start, 'week').label_zh}{self.form}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("dispatch:submission_detail", args=[self.pk])

    @property
    def locked(self):
        return self.status == self.Status.APPROVED

    @property
    def on_time(self):
        return bool(self.first_submitted_at and self.first_submitted_at <= self.form.due_at(self.week_start))


class TaskQuerySet(DispatchQuerySet):
    def overdue(self, as_of=None):
        """The one rule of an overdue key task: still 推进中 and its deadline before `as_of`
        (default: today). Used by the task list's filter and table, the cockpit and the bulletin."""
        from countyworks.core import clock

        return self.filter(status=Task.Status.OPEN, deadline__lt=as_of or clock.today())


class Task(models.Model):
    """A key work item of a programme with a responsible unit, a leader in charge, a target and
    a deadline (领导干部包抓)."""

    class Status(models.TextChoices):
        OPEN = "open", "推进中"
        DONE = "done", "已完成"

    programme = models.CharField("业务", max_length=20, choices=Programme.choices)
    title = models.CharField("任务", max_length=200)
    unit = models.ForeignKey(OrgUnit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="tasks")
    leader = models.ForeignKey(
        "core.Person",
        verbose_name="包抓领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    indicator = models.CharField("指标", max_length=100, blank=True)
    target = models.DecimalField("目标值", max_digits=14, decimal_places=2, null=True, blank=True)
    progress = models.DecimalField("完成值", max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OPEN)
    done_date = models.DateField("完成日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "重点任务"
        ordering = ["deadline"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("dispatch:task_detail", args=[self.pk])

    def is_overdue(self, as_of=None):
        """Task.objects.overdue's rule for one task."""
        from countyworks.core import clock

        return self.status == Task.Status.OPEN and self.deadline < (as_of or clock.today())


class Reminder(models.Model):
    """One reminder per unit, week and reason: re-running the reminder job sends nothing twice."""

    class Reason(models.TextChoices):
        MISSING = "missing", "未报送"
        RETURNED = "returned", "被退回待修改"

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    channels = models.CharField(max_length=100, blank=True)
    stamp = models.CharField(max_length=40, blank=True, default="")  # which return this answers

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "week_start", "reason", "stamp"], name="reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.week_start} {self.get_reason_display()}"


from countyworks.core.models import Notification  # noqa: E402,F401  moved to core (same table)
