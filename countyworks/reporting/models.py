"""The monthly bulletin (a frozen snapshot of computed content) and its per-unit, per-programme
document settings (版头 and 落款), edited in the UI."""

from django.conf import settings
from django.db import models

from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import ScopedQuerySet


class BulletinQuerySet(ScopedQuerySet, models.QuerySet):
    """Bulletins are the reporting office's: seen through a role of the weekly dispatch."""

    scope_programme = Programme.DISPATCH


class BulletinSetting(models.Model):
    """How a unit's bulletins of one programme (or "all") are headed and signed. Without a row, a
    bulletin is signed "<unit name><programme office>" (the office the programme declares)."""

    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    programme = models.CharField("业务", max_length=20)  # a registered programme code or "all"
    issuer = models.CharField("落款（发文机关）", max_length=100, blank=True)
    masthead = models.CharField("发文机关标志（红头）", max_length=100, blank=True)
    doc_prefix = models.CharField("发文字号前缀", max_length=30, blank=True, help_text="如“某某投促”，生成“某某投促〔2024〕3号”")
    recipients = models.CharField("主送", max_length=300, blank=True)
    copy_to = models.CharField("抄送", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通报版头设置"
        constraints = [models.UniqueConstraint(fields=["unit", "programme"], name="bulletin_setting_unique")]

    def __str__(self):
        return f"{self.unit.name} {self.programme}"


def default_office(programme):
    from countyworks.core import programmes as registry

    spec = registry.get(programme)
    return spec.office if spec else "办公室"


def masthead_for(unit, programme, *, year=None, sequence=None):
    """The 版头 and 落款 of a bulletin: the unit's setting for the programme, else
    "<unit name><programme office>" (the "all" setting heads only the combined bulletin)."""
    setting = BulletinSetting.objects.filter(unit=unit, programme=programme).first()
    default = f"{unit.name}{default_office(programme)}" if unit.parent_id is None else unit.name
    issuer = (setting.issuer if setting else "") or default
    masthead = (setting.masthead if setting else "") or issuer
    doc_number = ""
    if setting and setting.doc_prefix and year and sequence:
        doc_number = f"{setting.doc_prefix}〔{year}〕{sequence}号"
    return {
        "issuer": issuer,
        "masthead": masthead,
        "doc_number": doc_number,
        "doc_prefix": setting.doc_prefix if setting else "",
        "recipients": setting.recipients if setting else "",
        "copy_to": setting.copy_to if setting else "",
    }


class Bulletin(models.Model):
    """A monthly bulletin: a frozen, dated snapshot of computed content (see content.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被更正"

    programme = models.CharField("业务", max_length=20)  # a Programme value or "all"
    period = models.CharField("期间", max_length=7)  # YYYY-MM
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="bulletins")
    title = models.CharField("标题", max_length=200)
    content = models.JSONField("内容")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    built_at = models.DateTimeField("生成时间")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    supersedes = models.ForeignKey(
        "self", verbose_name="更正的通报", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_note = models.CharField("更正说明", max_length=500, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        db_table = "dispatch_bulletin"  # the table keeps the name it had when dispatch owned bulletins
        verbose_name = verbose_name_plural = "月通报"
        ordering = ["-period", "-built_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("reporting:bulletin_detail", args=[self.pk])


def next_sequence(unit, programme, year):
    """The number a new bulletin of this unit, programme and year takes in its 发文字号 (published
    ones of the year, corrections included, plus one)."""
    return Bulletin.objects.filter(unit=unit, programme=programme, period__startswith=f"{year}-").exclude(
        status=Bulletin.Status.DRAFT).count() + 1
