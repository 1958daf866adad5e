import re

from django import forms

from countyworks.core.forms import DateInput
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import units_in_scope
from countyworks.core.unitpicker import UnitChoiceField as CoreUnitChoiceField


class UnitChoiceField(CoreUnitChoiceField):
    """The core unit picker (a search box at province scale), for this programme's scope."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("programme", Programme.DISPATCH)
        super().__init__(queryset, **kwargs)


def BULLETIN_PROGRAMMES():  # noqa: N802 - a callable of choices, read when the form is built
    from countyworks.core import programmes as registry

    return registry.bulletin_choices()


class BulletinCreateForm(forms.Form):
    programme = forms.ChoiceField(label="通报业务", choices=BULLETIN_PROGRAMMES)
    period = forms.CharField(
        label="通报月份",
        max_length=7,
        help_text="格式 YYYY-MM，如 2024-03",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2024-03"}),
    )
    unit = UnitChoiceField(label="通报范围（单位）", queryset=OrgUnit.objects.none())
    doc_number = forms.CharField(
        label="文号",
        max_length=60,
        required=False,
        help_text="缺省按本单位通报版头设置的发文字号前缀编号",
        widget=forms.TextInput(attrs={"placeholder": "如 某某办〔2024〕3号"}),
    )
    issue_date = forms.DateField(
        label="印发日期", required=False, widget=DateInput(), help_text="缺省为该月最后一天或今天"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_in_scope(user, programme=Programme.DISPATCH, action="manage")
        self.fields["unit"].queryset = units
        top = units.order_by("depth", "sort_order", "code").first()
        if top is not None:
            self.fields["unit"].initial = top.pk

    def clean_period(self):
        value = self.cleaned_data["period"].strip()
        if not re.fullmatch(r"\d{4}-\d{2}", value) or not 1 <= int(value[5:]) <= 12:
            raise forms.ValidationError("通报月份应为 YYYY-MM 格式，如 2024-03")
        return value


class BulletinSettingForm(forms.Form):
    unit = UnitChoiceField(label="单位", queryset=OrgUnit.objects.none())
    programme = forms.ChoiceField(label="业务", choices=BULLETIN_PROGRAMMES)
    masthead = forms.CharField(label="发文机关标志（红头）", max_length=100, required=False,
                               help_text="缺省同落款")
    issuer = forms.CharField(label="落款（发文机关）", max_length=100, required=False,
                             help_text="缺省为“单位名称＋业务办公室”")
    doc_prefix = forms.CharField(label="发文字号前缀", max_length=30, required=False,
                                 help_text="如“某某投促”，生成“某某投促〔2024〕3号”")
    recipients = forms.CharField(label="主送", max_length=300, required=False)
    copy_to = forms.CharField(label="抄送", max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_in_scope(user, programme=Programme.DISPATCH, action="manage")
