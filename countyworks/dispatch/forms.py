"""Forms of the dispatch pages. They parse and present; the rules (required figures, outliers,
locking, scope) live in services/selectors and come back as ValidationErrors."""

from pathlib import PurePath

from django import forms
from django.conf import settings

from countyworks.core.forms import DateInput, leader_field
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.scope import units_in_scope
from countyworks.core.unitpicker import UnitChoiceField as CoreUnitChoiceField

from . import figures
from .models import Task

P = Programme.DISPATCH
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png")


def dispatch_units(user, action="view"):
    """Org units inside the user's dispatch scope for `action`, in tree order."""
    return units_in_scope(user, programme=P, action=action)


class UnitChoiceField(CoreUnitChoiceField):
    """The core unit picker (a search box at province scale), for this programme's scope."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("programme", P)
        super().__init__(queryset, **kwargs)


# --- weekly submission ---------------------------------------------------------------------------


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input (Django's documented multiple-upload pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubmissionForm(forms.Form):
    """One text input per figure of the report form (numbers are parsed by services.clean_figures,
    so "1,200" and full-width digits get the same Chinese message everywhere)."""

    text = forms.CharField(
        label="本周工作情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "简要说明本周开展的工作、存在的问题"}),
    )
    explanation = forms.CharField(
        label="情况说明", required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "数据超出校验规则时必填，如：使用上年度结余苗木"}),
        help_text="填报数据超出报表的提示规则（如累计已植树超过累计已落实苗木）时，须说明原因")
    photos = MultiplePhotoField(label="现场照片", required=False, help_text="可选多张，jpg 或 png 格式")
    confirm = forms.BooleanField(label="我已核实，数据无误", required=False)

    def __init__(self, *args, report_form, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_form = report_form
        figure_fields = {}
        for f in report_form.fields:
            attrs = {"inputmode": "numeric", "autocomplete": "off", "class": "form-control-lg figure-input"}
            figure_fields[f"fig_{f['code']}"] = forms.CharField(
                label=f["label"],
                required=False,
                widget=forms.TextInput(attrs=attrs),
                help_text=f.get("unit", ""),
            )
            figure_fields[f"fig_{f['code']}"].figure_required = f.get("required", True)
        # figures first, then the text, the photos and the confirmation
        self.fields = {**figure_fields, **self.fields}
        if locked:
            for field in self.fields.values():
                field.disabled = True

    def figure_fields(self):
        return [self[name] for name in self.fields if name.startswith("fig_")]

    def raw_figures(self):
        return {name[4:]: self.cleaned_data.get(name, "") for name in self.fields if name.startswith("fig_")}

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        for photo in photos:
            name = PurePath(photo.name).name
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in PHOTO_EXTENSIONS:
                raise forms.ValidationError(f"照片“{name}”格式不支持，请上传 jpg 或 png 图片")
            if photo.size > settings.ATTACHMENT_MAX_BYTES:
                raise forms.ValidationError(
                    f"照片“{name}”过大，上限 {settings.ATTACHMENT_MAX_BYTES // 1048576} MB"
                )
        return photos

    def add_service_errors(self, errors):
        """Errors keyed by figure code (from the services) go next to their inputs."""
        for key, msgs in errors.items():
            name = f"fig_{key}" if f"fig_{key}" in self.fields else (key if key in self.fields else None)
            self.add_error(name, msgs)


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "退回时必须填写原因"}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="重新打开原因",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：发现已植树数录入错误"}),
    )


# --- tasks ---------------------------------------------------------------------------------------


class TaskForm(forms.ModelForm):
    """Managers create and edit tasks within their scope."""

    class Meta:
        model = Task
        fields = [
            "programme",
            "title",
            "unit",
            "leader",
            "indicator",
            "target",
            "progress",
            "deadline",
            "status",
            "done_date",
            "description",
        ]
        widgets = {
            "deadline": DateInput(),
            "done_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label="责任单位", queryset=dispatch_units(user, "manage"))
        self.fields["leader"] = leader_field(self.instance.leader_id if self.instance.pk else None)
        if not self.instance.pk:
            del self.fields["status"], self.fields["done_date"]


class TaskProgressForm(forms.ModelForm):
    """Operators and reviewers of the responsible unit report progress only."""

    class Meta:
        model = Task
        fields = ["progress", "status", "done_date", "description"]
        widgets = {"done_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class WeekPickerForm(forms.Form):
    week = forms.DateField(label="截至周", required=False, widget=DateInput())
    start = forms.DateField(label="统计起", required=False, widget=DateInput())
    end = forms.DateField(label="统计止", required=False, widget=DateInput())


class ReportFormDefinitionForm(forms.Form):
    """A weekly reporting form as a programme office writes it: one figure per line
    ("代码 | 名称 | 计量单位 | 必填/选填 | 累加/取最新") and one rule per line ("累计不超过 左指标 右指标" or
    "不超过 左指标 右指标")."""

    code = forms.SlugField(label="报表代码", max_length=30)
    name = forms.CharField(label="报表名称", max_length=100)
    programme = forms.ChoiceField(label="业务", choices=Programme.choices)
    owner = UnitChoiceField(label="牵头单位", queryset=OrgUnit.objects.none())
    units = forms.ModelMultipleChoiceField(label="填报单位", queryset=OrgUnit.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"data-search": "1", "size": 10}))
    fields_text = forms.CharField(
        label="填报指标", widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一个指标：代码 | 名称 | 计量单位 | 必填或选填 | 汇总方式（累加：每周填本周完成数；"
                  "取最新：每周填截至本周的累计人数），例如 trees_planted | 已植树 | 株 | 必填 | 累加")
    rules_text = forms.CharField(
        label="校验规则", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一条：“累计不超过 trees_planted seedlings_secured”或“不超过 甲指标 乙指标”；"
                  "前加“提示”（如“提示 累计不超过 trees_planted seedlings_secured”）则超出时填报人写明原因即可提交")
    due_weekday = forms.TypedChoiceField(label="截止星期", coerce=int, initial=5,
                                         choices=[(i, f"星期{'一二三四五六日'[i - 1]}") for i in range(1, 8)])
    due_time = forms.TimeField(label="截止时间", initial="17:00", widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    start_date = forms.DateField(label="开始日期", widget=DateInput())
    end_date = forms.DateField(label="结束日期", required=False, widget=DateInput())
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = dispatch_units(user, "manage")
        self.fields["owner"].queryset = units
        self.fields["units"].queryset = units

    def clean_fields_text(self):
        out = []
        for n, line in enumerate(self.cleaned_data["fields_text"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(f"第{n}行应写作“代码 | 名称 | 计量单位 | 必填或选填 | 累加或取最新”")
            req_word = parts[3] if len(parts) > 3 and parts[3] else "必填"
            if req_word not in ("必填", "选填"):
                raise forms.ValidationError(f"第{n}行第4列应为“必填”或“选填”，而不是“{req_word}”")
            field = {"code": parts[0], "label": parts[1], "unit": parts[2] if len(parts) > 2 else "",
                     "required": req_word == "必填"}
            if len(parts) > 4 and parts[4]:
                if parts[4] not in figures.WORDS:
                    raise forms.ValidationError(f"第{n}行第5列汇总方式应为“累加”或“取最新”，而不是“{parts[4]}”")
                field["aggregation"] = figures.WORDS[parts[4]]
            out.append(field)
        return out

    def clean_rules_text(self):
        out = []
        for n, line in enumerate(self.cleaned_data.get("rules_text", "").splitlines(), 1):
            bits = line.split()
            if not bits:
                continue
            severity = "block"
            if bits[0] in ("提示", "提示：", "提示:"):
                severity, bits = "flag", bits[1:]
            kinds = {"累计不超过": "cumulative_lte", "不超过": "lte"}
            if len(bits) != 3 or bits[0] not in kinds:
                raise forms.ValidationError(f"第{n}行应写作“累计不超过 甲指标 乙指标”或“不超过 甲指标 乙指标”"
                                            "（前加“提示”则超出时只需说明原因、不拒收）")
            rule = {"type": kinds[bits[0]], "left": bits[1], "right": bits[2]}
            if severity == "flag":
                rule["severity"] = "flag"
            out.append(rule)
        return out

    @staticmethod
    def initial_for(form):
        return {
            "code": form.code, "name": form.name, "programme": form.programme, "owner": form.owner,
            "units": list(form.units.all()), "due_weekday": form.due_weekday, "due_time": form.due_time,
            "start_date": form.start_date, "end_date": form.end_date, "active": form.active,
            "fields_text": "\n".join(f"{f['code']} | {f['label']} | {f.get('unit', '')} | "
                                      f"{'必填' if f.get('required', True) else '选填'} | "
                                      f"{figures.WORD_OF[figures.aggregation(f)]}" for f in form.fields),
            "rules_text": "\n".join(f"{'提示 ' if r.get('severity') == 'flag' else ''}"
                                     f"{'累计不超过' if r['type'] == 'cumulative_lte' else '不超过'} {r['left']} {r['right']}"
                                     for r in form.rules),
        }
