"""Forms of the investment programme. They only parse and check input; every write is done by a
service function called from the view."""


from django import forms

from countyworks.core import clock
from countyworks.core.forms import DateInput, YearField, leader_field
from countyworks.core.identifiers import normalize_credit_code, validate_credit_code
from countyworks.core.models import Enterprise, Industry, OrgUnit, Programme, User
from countyworks.core.parsing import InvalidValue
from countyworks.core.scope import units_in_scope
from countyworks.core.unitpicker import UnitChoiceField as CoreUnitChoiceField

from . import selectors
from .models import Activity, Lead, Milestone, Project, ReviewItem, ReviewMeeting, ServiceRequest

P = Programme.INVESTMENT


def units_for(user, action="view"):
    """Org units inside the user's investment scope for `action`, in tree order."""
    return units_in_scope(user, programme=P, action=action)


def top_unit(user, action="view"):
    """The highest unit on which the user holds an investment role (the default of reports)."""
    return units_for(user, action).order_by("depth", "sort_order", "code").first()


def investment_people():
    """Accounts that hold an investment role: the choices for officer and leader-in-charge."""
    return User.objects.filter(is_active=True, roles__programme=P).distinct().order_by("username")


class UnitChoiceField(CoreUnitChoiceField):
    """The core unit picker (a search box at province scale), for this programme's scope."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("programme", P)
        super().__init__(queryset, **kwargs)


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


# --- leads ---------------------------------------------------------------------------------------


class LeadForm(forms.ModelForm):
    """A lead; on create the enterprise is either chosen from the registry or typed (name +
    统一社会信用代码), in which case the view registers it first."""

    enterprise = forms.ModelChoiceField(label="选择已登记企业", queryset=Enterprise.objects.none(), required=False,
                                        help_text="已在企业名录中的企业直接选择；否则在下方填写企业名称和统一社会信用代码")
    new_name = forms.CharField(label="企业名称", max_length=200, required=False)
    new_credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    confirm_duplicates = forms.BooleanField(label="我已核对上述重复线索，仍然保存", required=False)

    class Meta:
        model = Lead
        fields = ["title", "source", "source_unit", "unit", "industry", "intended_investment", "land_need_mu",
                  "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        creating = not self.instance.pk
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user).order_by("name")
        self.fields["unit"] = UnitChoiceField(label="跟进单位", queryset=units_for(user, "change"))
        self.fields["source_unit"] = UnitChoiceField(label="来源单位", queryset=units_for(user, "view"),
                                                     required=False)
        self.fields["industry"].queryset = Industry.objects.filter(active=True)
        if not creating:
            for name in ("enterprise", "new_name", "new_credit_code", "confirm_duplicates"):
                del self.fields[name]
        else:
            order = ["enterprise", "new_name", "new_credit_code"] + list(self.Meta.fields) + ["confirm_duplicates"]
            self.order_fields(order)
            from django.urls import reverse

            live = {"hx-get": reverse("investment:lead_check"), "hx-target": "#dup-live",
                    "hx-include": "[name=new_name],[name=new_credit_code],[name=enterprise]"}
            self.fields["new_credit_code"].widget.attrs.update(
                {"autocomplete": "off", "maxlength": 18, "hx-trigger": "input changed delay:400ms", **live})
            self.fields["new_name"].widget.attrs.update({"hx-trigger": "input changed delay:600ms", **live})
            self.fields["enterprise"].widget.attrs.update({"hx-trigger": "change", **live})

    def clean_new_credit_code(self):
        code = self.cleaned_data.get("new_credit_code", "").strip()
        if not code:
            return ""
        code = normalize_credit_code(code)
        try:
            validate_credit_code(code)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))
        return code

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        ent, name, code = data.get("enterprise"), data.get("new_name", "").strip(), data.get("new_credit_code", "")
        if ent is None and "new_credit_code" not in self.errors:
            if code:
                existing = Enterprise.objects.filter(credit_code=code).first()
                if existing is not None:  # already registered: use the registry's record
                    data["enterprise"] = existing
                elif not name:
                    self.add_error("new_name", "请填写企业名称")
            elif name:
                self.add_error("new_credit_code", "请填写统一社会信用代码")
            else:
                self.add_error("enterprise", "请选择企业，或填写企业名称和统一社会信用代码")
        return data

    def duplicate_probe(self):
        """(credit code, name) to look up duplicates with."""
        ent = self.cleaned_data.get("enterprise")
        if ent is not None:
            return ent.credit_code, ent.name
        return self.cleaned_data.get("new_credit_code"), self.cleaned_data.get("new_name")

    def lead_fields(self):
        return {k: self.cleaned_data[k] for k in self.Meta.fields if k in self.cleaned_data}


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="变更为", choices=Lead.Status.choices)
    reason = forms.CharField(label="原因", max_length=200, required=False)


# --- activities ------------------------------------------------------------------------------------


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="活动类型", choices=Activity.Kind.choices)
    date = forms.DateField(label="日期", widget=DateInput())
    title = forms.CharField(label="活动名称", max_length=200)
    city = forms.CharField(label="地点/城市", max_length=50, required=False)
    unit = UnitChoiceField(label="组织单位", queryset=OrgUnit.objects.none())
    other_units = UnitMultipleChoiceField(label="参与单位", queryset=OrgUnit.objects.none(), required=False,
                                          widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 5}))
    leaders_present = forms.CharField(label="出席领导", max_length=200, required=False)
    enterprises = forms.ModelMultipleChoiceField(label="对接企业", queryset=Enterprise.objects.none(), required=False,
                                                 widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 8}),
                                                 help_text="可多选：在上方输入名称筛选，逐个点选（再点一次取消）；名录中没有的企业请先在企业名录登记")
    notes = forms.CharField(label="情况记录", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, "change")
        self.fields["other_units"].queryset = OrgUnit.objects.order_by("path")
        self.fields["enterprises"].queryset = Enterprise.objects.visible_to(user).order_by("name")

    def clean_date(self):
        d = self.cleaned_data["date"]
        if d > clock.today():
            raise forms.ValidationError("活动日期不能晚于今天")
        return d


# --- six-good evaluation ---------------------------------------------------------------------------


class EvaluationForm(forms.Form):
    """One points input per criterion (0..max), grouped by dimension in the template; the veto items
    as checkboxes."""

    vetoes = forms.ModelMultipleChoiceField(label="一票否决事项", queryset=None, required=False,
                                            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    comment = forms.CharField(label="评价意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import VetoItem

        self.criteria = selectors.criteria_for_form()
        self.fields["vetoes"].queryset = VetoItem.objects.filter(pk__in=[v.pk for v in selectors.active_vetoes()])
        existing = {s.criterion_id: s.points for s in evaluation.scores.all()} if evaluation else {}
        for c in self.criteria:
            self.fields[f"c{c.pk}"] = forms.DecimalField(
                label=c.text, min_value=0, max_value=c.max_points, decimal_places=1, max_digits=5,
                initial=existing.get(c.pk),
                error_messages={"required": "请为此项评分", "max_value": f"不能超过满分{c.max_points}分",
                                "min_value": "不能小于0分", "invalid": "请输入数字",
                                "max_decimal_places": "最多保留1位小数"},
                widget=forms.NumberInput(attrs={"step": "0.5", "min": 0, "max": c.max_points, "inputmode": "decimal"}))
        if evaluation:
            self.fields["vetoes"].initial = list(evaluation.vetoes.values_list("pk", flat=True))
            self.fields["comment"].initial = evaluation.comment

    def groups(self):
        """[(dimension, [(criterion, bound field)])] in order."""
        out = []
        for c in self.criteria:
            if not out or out[-1][0].pk != c.dimension_id:
                out.append((c.dimension, []))
            out[-1][1].append((c, self[f"c{c.pk}"]))
        return out

    def scores(self):
        return {c: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}


# --- admission review ------------------------------------------------------------------------------


class MeetingForm(forms.ModelForm):
    class Meta:
        model = ReviewMeeting
        fields = ["date", "title", "place", "unit", "participants", "chair"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label="组织单位", queryset=units_for(user, "review"))
        self.fields["participants"] = UnitMultipleChoiceField(
            label="参会单位", queryset=OrgUnit.objects.order_by("path"), required=False,
            widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 8}))
        if not self.instance.pk:
            top = self.fields["unit"].queryset.order_by("depth", "path").first()
            self.fields["title"].initial = f"{top.name if top else ''}招商引资项目准入联席评审会"


class AgendaForm(forms.Form):
    lead = forms.ModelChoiceField(label="提交评审的线索（评估中）", queryset=Lead.objects.none(),
                                  error_messages={"required": "请选择线索", "invalid_choice": "请选择评估中的线索"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Lead.objects.visible_to(user).filter(status=Lead.Status.EVALUATING) \
            .select_related("enterprise").order_by("code")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="评审结论", choices=[("", "—请选择—")] + list(ReviewItem.Decision.choices),
                                 error_messages={"required": "请选择评审结论"})
    conditions = forms.CharField(label="附加条件", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    notes = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 8}), required=False)
    held = forms.BooleanField(label="会议已召开", required=False)


# --- projects --------------------------------------------------------------------------------------

PLAN_MILESTONES = [k for k in Milestone.ORDER if k != Milestone.Kind.SIGNED]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "kind", "industry", "planned_investment", "unit", "signed_date", "agreement", "leader",
                  "officer"]
        widgets = {"signed_date": DateInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label="责任单位", queryset=units_for(user, "change"))
        if "industry" in self.fields:
            self.fields["industry"].queryset = Industry.objects.filter(active=True)
        people = investment_people()
        self.fields["leader"] = leader_field(self.instance.leader_id if self.instance.pk else None)
        self.fields["officer"] = PersonChoiceField(label="服务专员", queryset=people, required=False)


class SignForm(ProjectForm):
    """Sign a project from an approved lead, with the planned dates of its milestones."""

    class Meta(ProjectForm.Meta):
        fields = ["name", "signed_date", "planned_investment", "kind", "agreement", "unit", "leader", "officer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in PLAN_MILESTONES:
            self.fields[f"plan_{kind}"] = forms.DateField(label=f"计划{Milestone.Kind(kind).label}日期",
                                                          required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        prev = data.get("signed_date")
        prev_label = "签约"
        for kind in PLAN_MILESTONES:
            d = data.get(f"plan_{kind}")
            if d and prev and d < prev:
                self.add_error(f"plan_{kind}", f"不能早于计划{prev_label}日期（{prev:%Y-%m-%d}）")
            if d:
                prev, prev_label = d, Milestone.Kind(kind).label
        return data

    def milestone_plan(self):
        return {kind: self.cleaned_data.get(f"plan_{kind}") for kind in PLAN_MILESTONES
                if self.cleaned_data.get(f"plan_{kind}")}

    def project_fields(self):
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label="节点", choices=Milestone.Kind.choices)
    planned_date = forms.DateField(label="计划日期", required=False, widget=DateInput())
    actual_date = forms.DateField(label="实际日期", required=False, widget=DateInput())
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("planned_date") and not data.get("actual_date") and not self.errors:
            raise forms.ValidationError("请填写计划日期或实际日期")
        return data


# --- service requests ------------------------------------------------------------------------------


class ServiceRequestForm(forms.ModelForm):
    class Meta:
        model = ServiceRequest
        fields = ["category", "description", "bureau", "deadline"]
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"] = UnitChoiceField(
            label="责任单位（区直部门）", queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.BUREAU).order_by("sort_order", "code"))


class AnswerForm(forms.Form):
    reply = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 4}),
                            error_messages={"required": "请填写答复内容"})


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label="企业评价", coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)],
                                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}), error_messages={"required": "请选择1～5星"})
    comment = forms.CharField(label="评价意见", max_length=200, required=False)


# --- statistics ------------------------------------------------------------------------------------


class StatsForm(forms.Form):
    year = YearField(label="年度")
    unit = UnitChoiceField(label="单位", queryset=OrgUnit.objects.none())
    through = forms.DateField(label="统计截止日", required=False, widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, "view")

    def clean(self):
        data = super().clean()
        y, t = data.get("year"), data.get("through")
        if y and t and t.year != y:
            self.add_error("through", "统计截止日应在所选年度内")
        return data
