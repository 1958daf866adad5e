"""Keep each weekly-form figure's declared aggregation type when the form is saved by code that
does not know about it (the dispatch form editor rebuilds the fields JSON from its text box and
would drop the "aggregation" key, silently turning 乡贤/党员 back into sums), and refuse a change of
a figure's aggregation type once the figure has reported data — whoever saves the form."""

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.dispatch import receiver

from countyworks.dispatch.models import ReportForm, Submission

from . import selectors


@receiver(pre_save, sender=ReportForm, dispatch_uid="rural.keep_aggregation")
def keep_aggregation(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    old = ReportForm.objects.filter(pk=instance.pk).values_list("fields", flat=True).first()
    if not old:
        return
    declared = {f["code"]: f["aggregation"] for f in old if f.get("aggregation")}
    fields, changed = [], False
    for f in instance.fields or []:
        code = f.get("code")
        if code in declared and "aggregation" not in f:
            f = {**f, "aggregation": declared[code]}
            changed = True
        elif code in declared and selectors.aggregation(f) != declared[code]:
            if Submission.objects.filter(form_id=instance.pk, figures__has_key=code).exists():
                raise ValidationError(f"指标“{f.get('label', code)}”已有填报数据，不能更改汇总方式")
        fields.append(f)
    if changed:
        instance.fields = fields
