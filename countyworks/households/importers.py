"""Excel import of the household register: one row per person (the head's row first or anywhere
in the file), grouped into households by 户主身份证号. The same rules as every import: every
problem reported by row and column before anything is written, all rows or none, and each row
checked against the importing user's scope (a village of another unit, or a person already
registered in another unit's household, is that row's error). ID numbers are checked with the
GB 11643 check digit; errors and previews never repeat a full ID number or phone."""

from django.core.exceptions import PermissionDenied

from countyworks.core.identifiers import validate_id_number, validate_phone
from countyworks.core.importing import Importer, RowError, register
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.parsing import normalize_text
from countyworks.core.scope import programme_roles, require_unit_in_scope
from countyworks.core.spreadsheets import Column
from countyworks.core.unitnames import UnitResolver

from . import crypto, services
from .masking import mask
from .models import Household, Member

P = Programme.HOUSEHOLDS
CATEGORIES = {label: value for value, label in Household.Category.choices}
CHANNELS = {label: value for value, label in Household.Channel.choices}
RELATIONS = {label: value for value, label in Member.Relation.choices}


def _limit(n):
    def clean(raw):
        text = normalize_text(raw)
        if len(text) > n:
            raise RowError(f"不能超过{n}个字")
        return text

    return clean


def _choice(options):
    def clean(raw):
        text = normalize_text(raw)
        if text not in options:
            raise RowError(f"应为：{'、'.join(options)}")
        return options[text]

    return clean


@register
class HouseholdImporter(Importer):
    scope_programme = P  # the shared per-row check (core.importing), again inside the writing transaction
    unit_column = "村（社区）"

    kind = "households"
    label = "监测户（家庭成员）"
    sheet_name = "家庭成员"
    key_column = "身份证号"
    columns = [
        Column("村（社区）", aliases=("所在村", "村", "社区", "村（社区）代码")),
        Column("户主身份证号", aliases=("户主证件号码",), width=22, note="用于把成员归入户；户主本人一行填写本人身份证号"),
        Column("姓名"),
        Column("与户主关系", choices=tuple(RELATIONS)),
        Column("身份证号", aliases=("证件号码", "居民身份证号"), width=22),
        Column("联系电话", aliases=("手机号",), required=False),
        Column("户类别", required=False, choices=tuple(CATEGORIES)),
        Column("发现方式", required=False, choices=tuple(CHANNELS)),
        Column("住址（村民小组）", aliases=("住址", "村民小组"), required=False),
    ]
    examples = [["向前村", "440704198503120015", "陈某某", "户主", "440704198503120015", "", "一般农户", "干部排查",
                 "第三村民小组"]]

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, P, "change"):
            raise PermissionDenied("无权导入监测户")

    def prepare(self, rows):
        self.units = UnitResolver(kinds={OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY},
                                  not_found="找不到村（社区）“{text}”（填写名称或代码）",
                                  ambiguous="村（社区）名称“{text}”不唯一，请填写代码")
        self.heads = {}

    def clean_row(self, v, err):
        c = self.cell

        def unit(raw):
            u = self.units.find(raw)
            if self.actor is not None:
                try:
                    require_unit_in_scope(self.actor, u, programme=P, action="change")
                except PermissionDenied:
                    raise RowError(f"无权为“{u.name}”导入监测户")
            return u

        data = {
            "unit": c(v, "村（社区）", unit, err, required=True),
            "head_id": c(v, "户主身份证号", validate_id_number, err, required=True),
            "name": c(v, "姓名", _limit(50), err, required=True),
            "relation": c(v, "与户主关系", _choice(RELATIONS), err, required=True),
            "id_number": c(v, "身份证号", validate_id_number, err, required=True),
            "phone": c(v, "联系电话", validate_phone, err) or "",
            "category": c(v, "户类别", _choice(CATEGORIES), err) or Household.Category.ORDINARY,
            "channel": c(v, "发现方式", _choice(CHANNELS), err) or Household.Channel.CADRE,
            "address": c(v, "住址（村民小组）", _limit(200), err) or "",
        }
        if data["relation"] and data["id_number"] and data["head_id"]:
            is_head = data["relation"] == Member.Relation.HEAD
            if is_head != (data["id_number"] == data["head_id"]):
                err("与户主关系", "户主本人一行的身份证号应与户主身份证号相同，其他成员应不同")
        if data["id_number"]:
            existing = services.find_by_id_number(data["id_number"]).select_related("household__unit").first()
            data["existing"] = existing
            if existing is not None and self.actor is not None:
                try:
                    require_unit_in_scope(self.actor, existing.household.unit, programme=P, action="change")
                except PermissionDenied:
                    err("身份证号", "此人已登记在其他单位的监测户中，无权修改")
            if existing is not None and data["unit"] and existing.household.unit_id != data["unit"].pk:
                err("村（社区）", f"此人已登记在{existing.household.unit.name}的户{existing.household.code}中")
        return data

    def key(self, d):
        return d["id_number"]

    def preview_row(self, d):
        return [d["unit"].name if d.get("unit") else "", mask("id", d.get("head_id")), d.get("name", ""),
                Member.Relation(d["relation"]).label if d.get("relation") else "", mask("id", d.get("id_number")),
                mask("phone", d.get("phone")), Household.Category(d["category"]).label, Household.Channel(d["channel"]).label,
                d.get("address", "")]

    def save(self, rows):
        created = updated = unchanged = 0
        heads = [d for _, d in rows if d["relation"] == Member.Relation.HEAD]
        others = [(n, d) for n, d in rows if d["relation"] != Member.Relation.HEAD]
        households = {}
        for d in heads:
            if d["existing"] is not None:
                h = d["existing"].household
                fields = {"category": d["category"], "channel": d["channel"], "address": d["address"] or h.address}
                if d["phone"]:
                    fields["phone"] = d["phone"]
                if any(getattr(h, k) != val for k, val in fields.items()):
                    services.household_update(actor=self.actor, household=h, **fields)
                    updated += 1
                else:
                    unchanged += 1
            else:
                h = services.household_create(actor=self.actor, unit=d["unit"], head_name=d["name"],
                                              head_id_number=d["id_number"], category=d["category"],
                                              channel=d["channel"], phone=d["phone"], address=d["address"])
                created += 1
            households[d["id_number"]] = h
        for row_no, d in others:
            h = households.get(d["head_id"])
            if h is None:
                head = services.find_by_id_number(d["head_id"]).select_related("household").first()
                if head is None:
                    from django.core.exceptions import ValidationError

                    raise ValidationError(f"第{row_no}行 户主身份证号: 文件和系统中都没有该户主，请先登记户主")
                h = head.household
                require_unit_in_scope(self.actor, h.unit, programme=P, action="change")
            if d["existing"] is not None:
                m = d["existing"]
                if (m.name, m.relation, m.phone) != (d["name"], d["relation"], d["phone"]):
                    m.name, m.relation, m.phone = d["name"], d["relation"], d["phone"]
                    m.phone_index = crypto.blind_index(d["phone"])
                    m.save(update_fields=["name", "relation", "phone", "phone_index"])
                    services._audit("update", m, self.actor, {"name": "changed"}, "导入更新家庭成员")
                    updated += 1
                else:
                    unchanged += 1
            else:
                services.member_add(actor=self.actor, household=h, name=d["name"], relation=d["relation"],
                                    id_number=d["id_number"], phone=d["phone"])
                created += 1
        return created, updated, unchanged

    def export_queryset(self):
        qs = Member.objects.select_related("household__unit")
        return qs.visible_to(self.actor) if self.actor is not None else qs

    def export_rows(self, queryset):
        """Masked: an export of this register never carries a full ID number or phone."""
        heads = {m.household_id: m.id_number for m in queryset.filter(relation=Member.Relation.HEAD)}
        for m in queryset.order_by("household__code", "id"):
            h = m.household
            yield [h.unit.name, mask("id", heads.get(h.pk, "")), m.name, m.get_relation_display(),
                   mask("id", m.id_number), mask("phone", m.phone), h.get_category_display(),
                   h.get_channel_display(), h.address]
