"""Per-unit, per-programme document settings of the bulletin (版头 and 落款), edited in the UI."""

from django.db import models

from countyworks.core.models import OrgUnit


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
    """The 版头 and 落款 of a bulletin: the unit's setting for the programme, else for "all",
    else "<unit name><programme office>"."""
    setting = (
        BulletinSetting.objects.filter(unit=unit, programme=programme).first()
        or BulletinSetting.objects.filter(unit=unit, programme="all").first()
    )
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
