"""Forms of the households programme: they parse and check input; services write."""

from django import forms

from countyworks.core import clock
from countyworks.core.forms import DateInput, YearField
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import units_in_scope

from .models import Household, Measure, Member, RiskFactor

P = Programme.HOUSEHOLDS


def villages_for(user, action="change"):
    return units_in_scope(user, programme=P, action=action).filter(
        kind__in=[OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY])


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class HouseholdForm(forms.Form):
    unit = UnitChoiceField(label="所在村（社区）", queryset=OrgUnit.objects.none())
    head_name = forms.CharField(label="户主姓名", max_length=50)
    head_id_number = forms.CharField(label="户主身份证号", max_length=30,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label="联系电话", max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    bank_account = forms.CharField(label="银行账号（惠民惠农一卡通）", max_length=40, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
    bank_name = forms.CharField(label="开户银行", max_length=100, required=False)
    address = forms.CharField(label="住址（村民小组）", max_length=200, required=False)
    category = forms.ChoiceField(label="户类别", choices=Household.Category.choices,
                                 initial=Household.Category.ORDINARY)
    channel = forms.ChoiceField(label="发现方式", choices=Household.Channel.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = villages_for(user)


class HouseholdEditForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["head_name", "address", "category", "channel", "bank_name"]


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    relation = forms.ChoiceField(label="与户主关系",
                                 choices=[c for c in Member.Relation.choices if c[0] != Member.Relation.HEAD])
    id_number = forms.CharField(label="身份证号", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    health = forms.CharField(label="健康状况（大病、残疾等，加密保存）", max_length=500, required=False)
    working = forms.BooleanField(label="务工", required=False)


class IncomeForm(forms.Form):
    year = YearField(label="年度")
    per_capita = forms.DecimalField(label="家庭人均纯收入(元)", min_value=0, max_digits=12, decimal_places=2)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year - 1


class LineForm(forms.Form):
    year = YearField(label="年度")
    amount = forms.DecimalField(label="监测线(元/人·年)", min_value=1, max_digits=10, decimal_places=2)
    note = forms.CharField(label="依据", max_length=200, required=False)


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label="风险类型", choices=RiskFactor.Kind.choices)
    amount = forms.DecimalField(label="金额（元）", min_value=0, max_digits=12, decimal_places=2, required=False)
    occurred_on = forms.DateField(label="发生日期", widget=DateInput())
    detail = forms.CharField(label="具体情况（加密保存）", max_length=1000, required=False)


class ResolveForm(forms.Form):
    risk = forms.IntegerField(widget=forms.HiddenInput)
    resolved_on = forms.DateField(label="化解日期", widget=DateInput())
    resolution = forms.CharField(label="化解情况", max_length=200)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label="帮扶措施", choices=Measure.Kind.choices)
    description = forms.CharField(label="措施内容", max_length=300)
    cadre = forms.CharField(label="帮扶责任人", max_length=50)
    started_on = forms.DateField(label="开始日期", widget=DateInput())
    result = forms.CharField(label="帮扶成效", max_length=300, required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="走访日期", widget=DateInput())
    visitor = forms.CharField(label="走访人", max_length=50)
    notes = forms.CharField(label="走访情况（加密保存）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label="照片", required=False)


class IdentificationStartForm(forms.Form):
    proposed_category = forms.ChoiceField(
        label="拟纳入类别", choices=[c for c in Household.Category.choices if c[0] in Household.MONITORED_CATEGORIES])
    reason = forms.CharField(label="纳入理由", max_length=300)
    started_on = forms.DateField(label="启动日期", widget=DateInput(), required=False,
                                 help_text="缺省为今天；15天办理时限从此日起算")


class EliminationStartForm(forms.Form):
    reason = forms.CharField(label="消除理由", max_length=300)


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看理由", max_length=200, min_length=2)


class SearchForm(forms.Form):
    number = forms.CharField(label="身份证号或手机号（精确查找）", max_length=30,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


class EraseForm(forms.Form):
    reason = forms.CharField(label="删除依据", max_length=200)
    confirm = forms.BooleanField(label="确认删除该户全部个人信息（不可恢复）")


class MemberRemoveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="移除原因", max_length=200)


class MeasureResultForm(forms.Form):
    measure = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.CharField(label="帮扶成效", max_length=300)
