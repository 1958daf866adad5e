"""A unit picker that scales (a province has 27,000 units): below PICKER_THRESHOLD units a plain
<select>; above it a search box that asks /core/units/search/ for at most 20 units of the user's
scope matching a name or code, and sends the chosen unit's id. The page never holds the tree.

The field's own queryset stays the rule: a posted id outside it is refused as an invalid choice,
so the search endpoint only helps to find a unit and can never widen what may be chosen."""

from django import forms
from django.utils.html import format_html

PICKER_THRESHOLD = 200
SEARCH_LIMIT = 20


class UnitPickerWidget(forms.Widget):
    template_name = ""  # rendered by render() below

    def __init__(self, *, programme="", action="view", attrs=None):
        super().__init__(attrs)
        self.programme, self.action = programme or "", action

    def render(self, name, value, attrs=None, renderer=None):
        from .models import OrgUnit

        label = ""
        if value not in (None, ""):
            unit = OrgUnit.objects.filter(pk=value).only("name", "code").first() if str(value).isdigit() else None
            label = f"{unit.name}（{unit.code}）" if unit else ""
        final = self.build_attrs(self.attrs, attrs)
        input_id = final.get("id", f"id_{name}")
        return format_html(
            '<div class="unit-picker position-relative" data-programme="{}" data-action="{}">'
            '<input type="hidden" name="{}" value="{}" class="unit-picker-value">'
            '<input type="search" id="{}" class="form-control unit-picker-input" value="{}" autocomplete="off" '
            'placeholder="输入单位名称或代码搜索" aria-autocomplete="list" role="combobox" aria-expanded="false">'
            '<div class="list-group position-absolute w-100 shadow-sm unit-picker-list" style="z-index:1050" '
            'role="listbox" hidden></div></div>',
            self.programme, self.action, name, "" if value is None else value, input_id, label,
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None


class UnitChoiceField(forms.ModelChoiceField):
    """Pick one unit of `queryset` (the user's scope): a <select> when there are few, the search
    picker when there are many. Labels indent by depth."""

    def __init__(self, queryset, *, programme="", action="view", **kwargs):
        super().__init__(queryset, **kwargs)
        self.programme, self.action = programme, action
        self._adapt()

    def _adapt(self):
        qs = self.queryset
        # a bounded count: "more than the threshold?" costs at most THRESHOLD+1 index entries
        if qs is not None and qs.order_by()[:PICKER_THRESHOLD + 1].count() > PICKER_THRESHOLD:
            self.widget = UnitPickerWidget(programme=self.programme, action=self.action)

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        if hasattr(self, "programme"):
            self._adapt()

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj):
        return ("\u3000" * max(obj.depth - 1, 0)) + obj.name


def search_units(user, q, *, programme="", action="view"):
    """At most SEARCH_LIMIT units of the user's scope (for `programme`, or any) whose name or code
    contains `q`, codes first matching from the start."""
    from django.db.models import Q

    from .models import OrgUnit
    from .scope import units_in_scope

    q = (q or "").strip()[:50]
    if not q:
        return []
    base = units_in_scope(user, programme=programme, action=action) if programme else OrgUnit.objects.visible_to(user)
    rows = base.filter(Q(name__icontains=q) | Q(code__startswith=q)).order_by("depth", "path")[:SEARCH_LIMIT]
    return [{"id": u.pk, "name": u.name, "code": u.code, "kind": u.get_kind_display()} for u in rows]
