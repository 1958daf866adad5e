from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from .identifiers import normalize_credit_code
from .models import Enterprise, Indicator, OrgUnit, Person, Programme, RoleKind, Target, User, path_q


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class YearField(forms.IntegerField):
    """A year as offices type it: 2024, "2024年", "２０２４" (core.parsing.parse_year), 2000–2100."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 8})

    def __init__(self, **kwargs):
        kwargs["min_value"], kwargs["max_value"] = 2000, 2100  # also over a model field's own 0–32767
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("min", None), attrs.pop("max", None), attrs.pop("step", None)
        return attrs

    def to_python(self, value):
        from .parsing import InvalidValue, parse_year

        if value in self.empty_values:
            return None
        try:
            return parse_year(value)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc), code="invalid")


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent", "valid_from", "valid_to", "sort_order"]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.order_by("path")
        if self.instance.pk:
            self.fields["parent"].queryset = OrgUnit.objects.exclude(path_q(self.instance.path))


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "city", "industry", "size", "contact_name", "contact_phone"]

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data["credit_code"])

    def clean_contact_phone(self):
        from .identifiers import validate_phone
        from .parsing import InvalidValue

        value = self.cleaned_data.get("contact_phone", "")
        if not value:
            return ""
        try:
            return validate_phone(value)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))


def leader_field(current=None, label="包抓领导"):
    """The choice of a leader in charge (包抓领导): the serving people of the register, and the
    current one even when no longer serving (an old task keeps its leader)."""
    from django.db.models import Q

    qs = Person.objects.filter(Q(active=True) | Q(pk=getattr(current, "pk", current) or 0)).select_related("unit")
    field = forms.ModelChoiceField(label=label, queryset=qs.order_by("sort_order", "name"), required=False,
                                   help_text="从“基础数据 · 领导干部”中选择")
    field.label_from_instance = lambda p: f"{p}（{p.unit.name}）"
    return field


class PersonForm(forms.ModelForm):
    """A leading cadre: name, post, unit (of the manager's scope), an optional linked account."""

    class Meta:
        model = Person
        fields = ["name", "post", "unit", "user", "active", "sort_order"]

    def __init__(self, *args, user, **kwargs):
        from .scope import units_in_scope
        from .unitpicker import UnitChoiceField

        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(units_in_scope(user, programme=None, action="manage"), label="所在单位",
                                              action="manage")
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = lambda u: f"{u.username}（{u.display_name}）"
        self.fields["user"].required = False
        self.fields["post"].required = True  # documents print name and post


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "full_name", "unit", "phone", "email", "is_active"]
        labels = {"is_active": "启用", "email": "电子邮箱", "username": "用户名"}


class UserCreateForm(UserForm):
    password1 = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text=password_validators_help_text_html())
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class PasswordForm(forms.Form):
    password1 = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text=password_validators_help_text_html())
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class RoleForm(forms.Form):
    kind = forms.ChoiceField(label="角色", choices=RoleKind.choices)
    programme = forms.ChoiceField(label="业务", choices=[("", "（系统角色不填）")] + list(Programme.choices), required=False)
    unit = forms.ModelChoiceField(label="单位", queryset=OrgUnit.objects.order_by("path"), required=False)
    reason = forms.CharField(label="理由（三员角色须填写，经安全管理员确认后生效）", max_length=300, required=False)


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["year", "unit", "indicator", "value"]
        field_classes = {"year": YearField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user, action="manage")
        self.fields["indicator"].queryset = Indicator.objects.all()


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件", help_text="支持 .xlsx、.xls、.ods、.csv；请使用导入模板")

    def clean_file(self):
        from django.conf import settings

        f = self.cleaned_data["file"]
        ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
        if ext not in {"xlsx", "xlsm", "xls", "ods", "csv"}:
            raise forms.ValidationError(f"不支持的文件类型“.{ext}”，请上传 .xlsx、.xls、.ods 或 .csv 文件")
        if f.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError("文件过大")
        return f


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件")
    caption = forms.CharField(label="说明", max_length=200, required=False)
