"""Bulletin storage and publishing: build from the data now and keep it as a draft snapshot;
publish (the content never changes afterwards); a correction supersedes the published bulletin
of the same programme, period and unit, both kept. Keyword-only, scope-checked, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from countyworks.core.audit import audit_log
from countyworks.core.models import AuditAction, Programme
from countyworks.core.scope import require_unit_in_scope

from .bulletins import bulletin_build
from .flows import BULLETIN_FLOW
from .models import Bulletin

REPORTING = Programme.DISPATCH  # bulletins are made by the reporting office: a dispatch manager


@transaction.atomic
def bulletin_create(*, programme, period, unit, actor, issue_date=None, doc_number=""):
    """Build a bulletin from the data now and store it as a draft snapshot."""
    require_unit_in_scope(actor, unit, programme=REPORTING, action="manage")
    content = bulletin_build(
        programme=programme, period=period, unit=unit, issue_date=issue_date, doc_number=doc_number
    )
    b = Bulletin.objects.create(
        programme=programme,
        period=period,
        unit=unit,
        title=content["title"],
        content=content,
        built_at=timezone.now(),
    )
    audit_log(action=AuditAction.CREATE, obj=b, actor=actor, message=f"生成{b.title}（{period}）")
    return b


def published_of(*, programme, period, unit):
    """The one bulletin in force for a programme, period and unit (None if none is published)."""
    return Bulletin.objects.filter(programme=programme, period=period, unit=unit,
                                   status=Bulletin.Status.PUBLISHED).first()


@transaction.atomic
def bulletin_publish(*, bulletin, actor, correction_note=""):
    """Publish: from now on the snapshot never changes. There is one bulletin in force per
    programme, period and unit: when one is already published, this one is published only as its
    correction — with a note saying what was corrected — and the earlier one is kept, marked
    已被更正 and pointing to this one; the correction's content carries a visible "更正" note."""
    b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    require_unit_in_scope(actor, b.unit, programme=REPORTING, action="manage")
    if b.status != Bulletin.Status.DRAFT:
        raise ValidationError("该通报已发布")
    # lock the bulletins of the same programme, period and unit: two publishers at once serialise here
    current = (Bulletin.objects.select_for_update()
               .filter(programme=b.programme, period=b.period, unit=b.unit, status=Bulletin.Status.PUBLISHED)
               .exclude(pk=b.pk).first())
    note = (correction_note or "").strip()
    updates = {"published_at": timezone.now(), "published_by": actor}
    if current is not None:
        if not note:
            raise ValidationError({"correction_note": f"本期已发布“{current.title}”（{current.published_at:%Y-%m-%d}），"
                                                      "再次发布即为更正，请填写更正说明"})
        if len(note) > 500:
            raise ValidationError({"correction_note": "更正说明不能超过500字"})
        content = dict(b.content)
        content["correction"] = {
            "note": note,
            "supersedes": current.pk,
            "supersedes_date": current.published_at.date().isoformat() if current.published_at else "",
            "text": f"更正：本通报更正{current.published_at:%Y年%-m月%-d日}发布的同期通报。{note}",
        }
        updates.update(supersedes=current, correction_note=note, content=content)
        BULLETIN_FLOW.apply(current, "supersede", actor=actor, check=False, reason=note,
                            audit_message=f"{current.title}被更正：{note}")
    BULLETIN_FLOW.apply(b, "publish", actor=actor, check=False, reason=note,
                        audit_message=f"发布{b.title}" + (f"（更正：{note}）" if note else ""), updates=updates)
    return b


@transaction.atomic
def bulletin_delete_draft(*, bulletin, actor):
    require_unit_in_scope(actor, bulletin.unit, programme=REPORTING, action="manage")
    if bulletin.status != Bulletin.Status.DRAFT:
        raise ValidationError("已发布的通报不能删除")
    audit_log(action=AuditAction.DELETE, obj=bulletin, actor=actor, message=f"删除草稿{bulletin.title}")
    bulletin.delete()


@transaction.atomic
def bulletin_setting_save(*, actor, unit, programme, **fields):
    """Set how a unit's bulletins of a programme (or "all") are headed and signed (版头、落款、
    发文字号前缀、主送、抄送). Managers of the reporting office, within their scope."""
    from countyworks.core import programmes as registry
    from countyworks.core.audit import diff, snapshot

    from .models import BulletinSetting

    require_unit_in_scope(actor, unit, programme=REPORTING, action="manage")
    if programme not in {c for c, _ in registry.bulletin_choices()}:
        raise ValidationError({"programme": f"未知的业务“{programme}”"})
    setting = BulletinSetting.objects.select_for_update().filter(unit=unit, programme=programme).first()
    before = snapshot(setting) if setting else {}
    setting = setting or BulletinSetting(unit=unit, programme=programme)
    for k, v in fields.items():
        setattr(setting, k, (v or "").strip())
    setting.full_clean()
    setting.save()
    changes = diff(before, snapshot(setting))
    if changes:
        audit_log(action=AuditAction.UPDATE if before else AuditAction.CREATE, obj=setting, actor=actor,
                  changes=changes, message=f"通报版头设置：{unit.name} {programme}")
    return setting
