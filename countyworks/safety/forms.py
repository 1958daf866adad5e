"""Forms of the safety pages. Choices are limited to what the user may act on; the rules are
the services' (forms only parse)."""

from datetime import timedelta

from django import forms

from countyworks.core import clock
from countyworks.core.forms import DateInput
from countyworks.core.models import Enterprise, OrgUnit, User
from countyworks.core.scope import units_in_scope

from .models import Campaign, Hazard, InspectedObject, InspectionResult, ObjectCategory, P
from .selectors import objects_for_inspection, teams_for
from .services import DEFAULT_DEADLINE_DAYS, MAX_PHOTOS


class MultiplePhotoInput(forms.ClearableFileInput):
    """The phone's camera through the normal file input: `capture` opens it directly,
    `accept` keeps to pictures, several may be chosen."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


class PhotosField(forms.FileField):
    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(PhotosField, self).clean(f, initial) for f in files if f]
        if self.required and not files:
            raise forms.ValidationError("请上传照片")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"最多上传{MAX_PHOTOS}张照片")
        return files


def areas_for(user, action="change"):
    return units_in_scope(user, programme=P, action=action).filter(
        kind__in=[OrgUnit.Kind.SUBDISTRICT, OrgUnit.Kind.TOWN, OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY])


def all_areas():
    return OrgUnit.objects.filter(
        kind__in=[OrgUnit.Kind.SUBDISTRICT, OrgUnit.Kind.TOWN, OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY]
    ).order_by("path")


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "lead_bureau", "start", "end", "categories", "description"]
        widgets = {"start": DateInput(), "end": DateInput(), "categories": forms.CheckboxSelectMultiple,
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_bureau"].queryset = units_in_scope(user, programme=P, action="manage").filter(
            kind=OrgUnit.Kind.BUREAU)
        self.fields["lead_bureau"].required = True
        self.fields["start"].required = self.fields["end"].required = True
        self.fields["categories"].queryset = ObjectCategory.objects.filter(active=True)


class CampaignTeamForm(forms.Form):
    team = forms.ModelChoiceField(label="检查组", queryset=OrgUnit.objects.none())
    leader = forms.ModelChoiceField(label="组长", queryset=User.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(label="组员", queryset=User.objects.none(), required=False,
                                             widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 6}))
    areas = forms.ModelMultipleChoiceField(label="负责区域（街道/村）", queryset=OrgUnit.objects.none(), required=False,
                                           widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 6}))
    objects = forms.ModelMultipleChoiceField(label="指定检查对象", queryset=InspectedObject.objects.none(),
                                             required=False, widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 6}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_for(user, "manage")
        # members are people holding a safety role (inspectors, the office)
        people = User.objects.filter(is_active=True, roles__programme=P).distinct().order_by("username")
        self.fields["leader"].queryset = self.fields["members"].queryset = people
        self.fields["areas"].queryset = all_areas()
        self.fields["objects"].queryset = InspectedObject.objects.filter(active=True).select_related("unit")

    def clean(self):
        data = super().clean()
        if data and not data.get("areas") and not data.get("objects"):
            raise forms.ValidationError("请指定检查组负责的区域或检查对象")
        return data


class CategoryForm(forms.Form):
    name = forms.CharField(label="类别名称", max_length=50)


class ChecklistForm(forms.Form):
    items = forms.CharField(
        label="检查内容", widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一项；需要注明依据的，用“|”隔开，如：无飞线充电|《高层民用建筑消防安全管理规定》")
    note = forms.CharField(label="修订说明", max_length=200, required=False)

    def clean_items(self):
        rows = []
        for line in self.cleaned_data["items"].splitlines():
            line = line.strip()
            if not line:
                continue
            text, _, basis = line.partition("|")
            rows.append((text.strip(), basis.strip()))
        if not rows:
            raise forms.ValidationError("至少填写一项检查内容")
        return rows


class ObjectForm(forms.ModelForm):
    credit_code = forms.CharField(label="责任企业统一社会信用代码", max_length=18, required=False,
                                  help_text="填写后关联企业库中的企业")

    class Meta:
        model = InspectedObject
        fields = ["name", "category", "unit", "address", "contact_name", "contact_phone"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ObjectCategory.objects.filter(active=True)
        self.fields["unit"].queryset = all_areas()
        if self.instance.pk and self.instance.enterprise_id:
            self.fields["credit_code"].initial = self.instance.enterprise.credit_code

    def clean_credit_code(self):
        from countyworks.core.identifiers import normalize_credit_code, validate_credit_code
        from countyworks.core.parsing import InvalidValue

        raw = (self.cleaned_data.get("credit_code") or "").strip()
        if not raw:
            return None
        try:
            code = validate_credit_code(normalize_credit_code(raw))
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))
        ent = Enterprise.objects.filter(credit_code=code).first()
        if ent is None:
            raise forms.ValidationError("企业库中没有该统一社会信用代码的企业，请先在企业库登记")
        return ent

    def clean_contact_phone(self):
        from countyworks.core.identifiers import validate_phone
        from countyworks.core.parsing import InvalidValue

        value = (self.cleaned_data.get("contact_phone") or "").strip()
        if not value:
            return ""
        try:
            return validate_phone(value)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))


def default_campaign(team, obj):
    """The campaign an inspection most likely belongs to: one the team takes part in, running
    today and covering the object's category; else 日常检查."""
    today = clock.today()
    for c in Campaign.objects.filter(teams__team=team, start__lte=today, end__gte=today).order_by("-start"):
        cats = set(c.categories.values_list("pk", flat=True))
        if not cats or obj.category_id in cats:
            return c
    return Campaign.objects.filter(routine=True).first()


class InspectionForm(forms.Form):
    """One inspection: the header fields, then per checklist item a result, a note and photos."""

    team = forms.ModelChoiceField(label="检查组", queryset=OrgUnit.objects.none())
    campaign = forms.ModelChoiceField(label="检查行动", queryset=Campaign.objects.none())
    object = forms.ModelChoiceField(label="检查对象", queryset=InspectedObject.objects.none(), widget=forms.HiddenInput)
    date = forms.DateField(label="检查日期", widget=DateInput())
    inspectors = forms.CharField(label="检查人员", max_length=200, required=False)
    note = forms.CharField(label="检查情况", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)
    open_hazards = forms.BooleanField(label="不符合项自动登记为隐患", required=False, initial=True)
    deadline = forms.DateField(label="隐患整改期限", widget=DateInput(), required=False,
                               help_text=f"缺省为检查日期后{DEFAULT_DEADLINE_DAYS}天")
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user=None, obj=None, checklist=None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_for(user, "change")
        self.fields["team"].queryset = teams
        if teams.count() == 1:
            self.fields["team"].initial = teams.first()
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("routine", "-start")
        if teams.count() == 1 and obj is not None:
            self.fields["campaign"].initial = default_campaign(teams.first(), obj)
        self.fields["object"].queryset = objects_for_inspection(user)
        self.fields["object"].initial = obj
        self.fields["date"].initial = clock.today()
        self.fields["inspectors"].initial = getattr(user, "display_name", "")
        self.items = list(checklist.items.all()) if checklist else []
        for it in self.items:
            self.fields[f"item_{it.pk}"] = forms.ChoiceField(
                label=f"{it.seq}. {it.text}", choices=InspectionResult.Result.choices, widget=forms.RadioSelect,
                error_messages={"required": f"请选择第{it.seq}项的检查结果"})
            self.fields[f"note_{it.pk}"] = forms.CharField(label="问题描述", max_length=500, required=False)
            self.fields[f"photos_{it.pk}"] = PhotosField(label="照片")

    def item_rows(self):
        return [(it, self[f"item_{it.pk}"], self[f"note_{it.pk}"], self[f"photos_{it.pk}"]) for it in self.items]

    def results(self):
        d = self.cleaned_data
        return [{"item": it.pk, "result": d[f"item_{it.pk}"], "note": d.get(f"note_{it.pk}", ""),
                 "photos": d.get(f"photos_{it.pk}") or []} for it in self.items]


class HazardForm(forms.ModelForm):
    photos = PhotosField(label="隐患照片")

    class Meta:
        model = Hazard
        fields = ["campaign", "team", "object", "level", "description", "responsible", "requirement", "found_on",
                  "deadline"]
        widgets = {"found_on": DateInput(), "deadline": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 3}), "requirement": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["team"].queryset = teams_for(user, "change")
        self.fields["object"].queryset = objects_for_inspection(user)
        self.fields["requirement"].required = True
        today = clock.today()
        self.fields["found_on"].initial = today
        self.fields["deadline"].initial = today + timedelta(days=DEFAULT_DEADLINE_DAYS)


class HazardEditForm(forms.ModelForm):
    class Meta:
        model = Hazard
        fields = ["level", "description", "responsible", "requirement", "deadline"]
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 3}),
                   "requirement": forms.Textarea(attrs={"rows": 3})}


class RectificationForm(forms.Form):
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = PhotosField(label="整改后照片", required=True)


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label="申请延至", widget=DateInput())
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准"), ("reject", "不予批准")],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label="审批意见", max_length=500, required=False)


class SuperviseForm(forms.Form):
    supervising_unit = forms.ModelChoiceField(label="督办单位", queryset=OrgUnit.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervising_unit"].queryset = OrgUnit.objects.filter(
            kind__in=[OrgUnit.Kind.BUREAU, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.COUNTY]).order_by("path")


class PhotoForm(forms.Form):
    photos = PhotosField(label="补充隐患照片", required=True)
