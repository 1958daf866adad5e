"""Forms of the rural pages. Unit choices are limited to the user's rural scope; forms never save
models themselves (the views call services)."""

from django import forms

from countyworks.core import clock
from countyworks.core.forms import DateInput, YearField
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import units_in_scope

from .models import (
    TOWN_KINDS,
    VILLAGE_KINDS,
    CultivationTask,
    DesignationLevel,
    GreeningPlan,
    MaintenanceGrid,
    PointRule,
)

P = Programme.RURAL
IMAGE_ACCEPT = "image/*,application/pdf"


def units_for(user, action="view", kinds=None):
    qs = units_in_scope(user, programme=P, action=action)
    return qs.filter(kind__in=kinds) if kinds else qs


def top_unit(user, action="view"):
    return units_for(user, action).order_by("depth", "sort_order", "code").first()


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return ("\u3000" * max(obj.depth - 1, 0)) + obj.name


def _village_field(user, action="change", label="村（社区）"):
    return _one_choice(UnitChoiceField(label=label, queryset=units_for(user, action, VILLAGE_KINDS)))


def _one_choice(field):
    """A village operator has one village: it is chosen already."""
    only = list(field.queryset[:2])
    if len(only) == 1:
        field.initial = only[0].pk
        field.empty_label = None
    return field


class LevelForm(forms.ModelForm):
    class Meta:
        model = DesignationLevel
        fields = ["name", "tier", "target", "rank", "active"]


class DesignationForm(forms.Form):
    unit = UnitChoiceField(label="村（镇）", queryset=OrgUnit.objects.none())
    level = forms.ModelChoiceField(label="级别批次", queryset=DesignationLevel.objects.filter(active=True))
    year = YearField(label="认定年度")
    designated_on = forms.DateField(label="认定日期", required=False, widget=DateInput())
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, "manage", (*VILLAGE_KINDS, *TOWN_KINDS))
        self.fields["year"].initial = clock.today().year


class TaskForm(forms.ModelForm):
    class Meta:
        model = CultivationTask
        fields = ["title", "indicator", "target", "progress", "deadline", "leader"]
        widgets = {"deadline": DateInput()}


class ProgressForm(forms.Form):
    progress = forms.DecimalField(label="完成值", min_value=0, max_digits=14, decimal_places=2)


class PlanForm(forms.ModelForm):
    class Meta:
        model = GreeningPlan
        fields = ["unit", "year", "seedlings_planned", "trees_planned", "season_start", "season_end", "species",
                  "meeting_date", "note"]
        widgets = {"meeting_date": DateInput()}
        field_classes = {"year": YearField}
        help_texts = {"season_start": "缺省为2—5月植树“黄金期”"}

    map = forms.FileField(label="绿化示意图（图片或PDF，可用手机拍照）", required=False,
                          widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["unit"]
            del self.fields["year"]
        else:
            self.fields["unit"] = _village_field(user)
            self.fields["year"].initial = clock.today().year
            self.fields["season_start"].initial = 2
            self.fields["season_end"].initial = 5
            self.order_fields(["unit", "year"])


class MapForm(forms.Form):
    file = forms.FileField(label="绿化示意图（图片或PDF，可用手机拍照）",
                           widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}))


class GridForm(forms.ModelForm):
    class Meta:
        model = MaintenanceGrid
        fields = ["unit", "name", "party_member", "trees_in_care", "area"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _village_field(user)
        self.order_fields(["unit"])


class CheckForm(forms.Form):
    date = forms.DateField(label="日期", widget=DateInput())
    watered = forms.IntegerField(label="浇水(株)", min_value=0, initial=0, required=False)
    replanted = forms.IntegerField(label="补植(株)", min_value=0, initial=0, required=False)
    lost = forms.IntegerField(label="死亡/损失(株)", min_value=0, initial=0, required=False)
    note = forms.CharField(label="情况说明", required=False, max_length=300)
    photo = forms.FileField(label="现场照片", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = clock.today()


class EventForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=200)
    organiser = UnitChoiceField(label="组织单位", queryset=OrgUnit.objects.none())
    unit = UnitChoiceField(label="活动地点所在村（社区）", queryset=OrgUnit.objects.none())
    place = forms.CharField(label="地点", max_length=200)
    date = forms.DateField(label="日期", widget=DateInput())
    volunteers = forms.IntegerField(label="志愿者(人)", min_value=0)
    species_text = forms.CharField(
        label="植树树种及株数", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个树种：“树种 株数”，如“铁冬青 40”")
    counted_in_report = forms.BooleanField(
        label="已计入该村当周的乡村绿化周报（勾选则不再单独计入）", required=False)
    note = forms.CharField(label="活动情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = OrgUnit.objects.order_by("path")  # any unit may organise
        self.fields["unit"].queryset = units_for(user, "change", VILLAGE_KINDS)
        _one_choice(self.fields["unit"])
        self.fields["date"].initial = clock.today()

    def clean_species_text(self):
        out = []
        for n, line in enumerate(self.cleaned_data["species_text"].splitlines(), 1):
            bits = line.replace("：", " ").replace(":", " ").split()
            if not bits:
                continue
            if len(bits) != 2:
                raise forms.ValidationError(f"第{n}行应写作“树种 株数”")
            from countyworks.core.parsing import InvalidValue, parse_int

            try:
                trees = parse_int(bits[1])
            except InvalidValue as exc:
                raise forms.ValidationError(f"第{n}行株数：{exc}")
            if trees is None or trees <= 0:
                raise forms.ValidationError(f"第{n}行株数应大于0")
            out.append((bits[0], trees))
        if not out:
            raise forms.ValidationError("请至少填写一个树种及株数")
        return out


class VillagerForm(forms.Form):
    unit = UnitChoiceField(label="村（社区）", queryset=OrgUnit.objects.none())
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="联系电话（仅保存脱敏号码）", required=False, max_length=20)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, "change", VILLAGE_KINDS)
        _one_choice(self.fields["unit"])


class RuleForm(forms.ModelForm):
    class Meta:
        model = PointRule
        fields = ["unit", "name", "activity", "points"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _village_field(user, "review")
        self.order_fields(["unit"])


class EarnForm(forms.Form):
    rule = forms.ModelChoiceField(label="积分规则", queryset=PointRule.objects.none())
    quantity = forms.IntegerField(label="数量（株/天/次）", min_value=1, max_value=10000, initial=1)
    date = forms.DateField(label="日期", widget=DateInput())
    reason = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, villager=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = PointRule.objects.filter(unit=villager.unit, active=True)
        self.fields["date"].initial = clock.today()


class RedeemForm(forms.Form):
    points = forms.IntegerField(label="兑换积分", min_value=1)
    date = forms.DateField(label="日期", widget=DateInput())
    reason = forms.CharField(label="兑换事由", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = clock.today()


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput())
    reason = forms.CharField(label="冲正原因", max_length=150)


class AggregationForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput())
    aggregation = forms.ChoiceField(label="汇总方式", choices=[("sum", "按周累加"), ("latest", "取最新累计值")])


class StatsForm(forms.Form):
    unit = UnitChoiceField(label="单位", queryset=OrgUnit.objects.none(), required=False)
    through = forms.DateField(label="截止日期", required=False, widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, "view").exclude(kind__in=("bureau", "team", "field_office",
                                                                                   "state_company"))
