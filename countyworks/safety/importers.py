"""Excel registers of the safety programme: inspected objects and hazards (the history kept in
the offices' sheets). Same rules as every import: every row checked first, every problem a
(row, column, message) in Chinese, all rows or none, a re-import changes nothing; a row naming a
unit or team outside the importing user's scope is that row's error and nothing is written."""

from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core import clock
from countyworks.core.identifiers import validate_credit_code, validate_phone
from countyworks.core.importing import Importer, RowError, register
from countyworks.core.models import Enterprise, OrgUnit
from countyworks.core.parsing import normalize_text, parse_date
from countyworks.core.scope import programme_roles, unit_in_scope
from countyworks.core.services import enterprise_create
from countyworks.core.spreadsheets import Column
from countyworks.core.unitnames import UnitResolver

from . import services
from .models import Campaign, Hazard, InspectedObject, ObjectCategory, P

LEVELS = {"一般": Hazard.Level.GENERAL, "一般隐患": Hazard.Level.GENERAL, "重大": Hazard.Level.MAJOR,
          "重大隐患": Hazard.Level.MAJOR}
STATUSES = {"整改中": Hazard.Status.RECTIFYING, "待复查": Hazard.Status.SUBMITTED, "已销号": Hazard.Status.CLOSED}
STATUS_LABELS = {v: k for k, v in STATUSES.items()}
AREA_KINDS = (OrgUnit.Kind.SUBDISTRICT, OrgUnit.Kind.TOWN, OrgUnit.Kind.VILLAGE, OrgUnit.Kind.COMMUNITY)


def _limit(n, label):
    def clean(raw):
        text = normalize_text(raw)
        if len(text) > n:
            raise RowError(f"{label}不能超过{n}字")
        return text
    return clean


def _lookup(kinds, what):
    """The shared resolver (code, name or full name) over units of these kinds."""
    return UnitResolver(kinds=set(kinds), not_found=f"找不到{what}“{{text}}”",
                        ambiguous=f"{what}名称“{{text}}”不唯一，请填写代码")


def _text(raw):
    return normalize_text(raw)


@register
class InspectedObjectImporter(Importer):
    def scope_problems(self, cleaned):
        """Objects follow the safety rule for who may register an object where (a team covers the
        area): checked per row before writing and again inside the writing transaction."""
        from countyworks.core.importing import Problem

        problems = []
        if self.actor is None:
            return problems
        for row_no, d in cleaned:
            try:
                services._check_object_unit(self.actor, d["unit"])
            except PermissionDenied:
                problems.append(Problem(row_no, "所属街道", f"无权为“{d['unit'].name}”导入检查对象"))
        return problems

    """检查对象. Natural key: 对象名称 + 所属街道. The responsible enterprise is found in the shared
    registry by its 统一社会信用代码 (registered there when new)."""

    kind = "inspected-objects"
    label = "检查对象"
    sheet_name = "检查对象"
    key_column = "对象名称"
    examples = [["某某花园电动自行车集中停放点", "电动自行车集中停放点", "某某社区", "某某路8号",
                 "江门市金溪物业服务有限公司", "91440704MA52K3JD76", "王经理", "13800138000"]]

    @property
    def columns(self):
        cats = tuple(ObjectCategory.objects.filter(active=True).values_list("name", flat=True))
        return [
            Column("对象名称", aliases=("检查对象", "名称")),
            Column("对象类别", aliases=("类别",), choices=cats),
            Column("所属街道", aliases=("所属街道/村", "所属村居", "街道")),
            Column("地址", required=False),
            Column("责任企业", aliases=("责任单位",), required=False),
            Column("统一社会信用代码", aliases=("信用代码",), required=False),
            Column("联系人", required=False),
            Column("联系电话", required=False),
        ]

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, P, "change"):
            raise PermissionDenied("无权导入检查对象")

    def prepare(self, rows):
        self.units = _lookup(AREA_KINDS, "街道/村")
        self.cats = {c.name: c for c in ObjectCategory.objects.filter(active=True)}

    def clean_row(self, v, err):
        c = self.cell

        def category(raw):
            name = normalize_text(raw)
            if name not in self.cats:
                raise RowError(f"“{name}”不在检查对象类别中，可选：{'、'.join(self.cats)}")
            return self.cats[name]

        def unit(raw):
            u = self.units.find(raw)
            try:
                services._check_object_unit(self.actor, u)
            except PermissionDenied:
                raise RowError(f"无权为“{u.name}”导入检查对象")
            return u

        data = {
            "name": c(v, "对象名称", _limit(200, "对象名称"), err, required=True),
            "category": c(v, "对象类别", category, err, required=True),
            "unit": c(v, "所属街道", unit, err, required=True),
            "address": c(v, "地址", _limit(200, "地址"), err) or "",
            "enterprise_name": c(v, "责任企业", _limit(200, "责任企业"), err) or "",
            "credit_code": c(v, "统一社会信用代码", validate_credit_code, err),
            "contact_name": c(v, "联系人", _limit(50, "联系人"), err) or "",
            "contact_phone": c(v, "联系电话", validate_phone, err) or "",
        }
        if data["enterprise_name"] and not data["credit_code"]:
            err("统一社会信用代码", "填写了责任企业时须填写其统一社会信用代码")
        if data["credit_code"] and not data["enterprise_name"] and not Enterprise.objects.filter(
                credit_code=data["credit_code"]).exists():
            err("责任企业", "企业库中没有该信用代码的企业，请填写企业名称")
        return data

    def key(self, d):
        return (d["name"], d["unit"].pk)

    def save(self, rows):
        created = updated = unchanged = 0
        for _, d in rows:
            ent = None
            if d["credit_code"]:
                ent = Enterprise.objects.filter(credit_code=d["credit_code"]).first()
                if ent is None:
                    ent = enterprise_create(actor=self.actor, name=d["enterprise_name"], credit_code=d["credit_code"])
            fields = {"category": d["category"], "address": d["address"], "enterprise": ent,
                      "contact_name": d["contact_name"], "contact_phone": d["contact_phone"]}
            obj = InspectedObject.objects.filter(name=d["name"], unit=d["unit"]).first()
            if obj is None:
                services.object_create(actor=self.actor, name=d["name"], unit=d["unit"], **fields)
                created += 1
                continue
            if all(getattr(obj, k) == val for k, val in fields.items()):
                unchanged += 1
                continue
            services.object_update(obj=obj, actor=self.actor, **fields)
            updated += 1
        return created, updated, unchanged

    def export_queryset(self):
        qs = InspectedObject.objects.select_related("category", "unit", "enterprise")
        return qs.visible_to(self.actor) if self.actor is not None else qs

    def export_rows(self, qs):
        for o in qs:
            ent = o.enterprise
            yield [o.name, o.category.name, o.unit.name, o.address, ent.name if ent else "",
                   ent.credit_code if ent else "", o.contact_name, o.contact_phone]


@register
class HazardImporter(Importer):
    scope_programme = P  # a hazard row is checked against the team that found it
    unit_field = "team"
    unit_column = "检查组"

    """隐患 found and followed up before the platform (or in another system). Natural key: 检查日期
    + 检查组 + 检查对象 + 隐患描述. Without a 检查行动 column a hazard belongs to 日常检查. A row
    matching a hazard already here must say the same (its state moves on the hazard's page, by
    the flow, never by a file)."""

    kind = "hazards"
    label = "安全隐患"
    sheet_name = "安全隐患"
    key_column = "隐患描述"
    examples = [["2024-02-26", "专项督导检查组第3组", "金溪花园电动自行车集中停放点", "电动自行车集中停放点", "金溪社区",
                 "停放点消防器材过期", "一般", "2024-03-05", "已销号", "2024-03-04", ""]]

    columns = [
        Column("检查日期", aliases=("发现日期",)),
        Column("检查组", aliases=("检查单位",)),
        Column("检查对象", aliases=("对象名称",)),
        Column("对象类别", aliases=("类别",)),
        Column("所属街道", aliases=("所属街道/村", "街道")),
        Column("隐患描述", aliases=("隐患内容", "存在问题")),
        Column("隐患等级", aliases=("等级",), choices=("一般", "重大")),
        Column("整改期限", aliases=("整改时限",)),
        Column("整改状态", aliases=("状态",), choices=tuple(STATUSES)),
        Column("销号日期", required=False),
        Column("检查行动", required=False, note="不填为日常检查"),
    ]

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, P, "change"):
            raise PermissionDenied("无权导入安全隐患")

    def prepare(self, rows):
        self.units = _lookup(AREA_KINDS, "街道/村")
        self.teams = _lookup([OrgUnit.Kind.TEAM], "检查组")
        self.objects = {(o.name, o.unit_id): o for o in InspectedObject.objects.select_related("category")}
        self.campaigns = {c.name: c for c in Campaign.objects.all()}
        self.routine = services.routine_campaign()
        self.visible = (set(InspectedObject.objects.visible_to(self.actor, "change").values_list("pk", flat=True))
                        if self.actor is not None else None)

    def clean_row(self, v, err):
        c = self.cell
        today = clock.today()

        def team(raw):
            t = self.teams.find(raw)
            if self.actor is not None and not unit_in_scope(self.actor, t, programme=P, action="change"):
                raise RowError(f"无权为“{t.name}”导入隐患")
            return t

        def choice(table, label):
            def clean(raw):
                text = normalize_text(raw)
                if text not in table:
                    raise RowError(f"“{text}”不是有效的{label}，可选：{'、'.join(dict.fromkeys(table))}")
                return table[text]
            return clean

        def campaign(raw):
            name = normalize_text(raw)
            if name not in self.campaigns:
                raise RowError(f"找不到检查行动“{name}”")
            return self.campaigns[name]

        def day(raw):
            d = parse_date(raw)
            if d and d > today:
                raise RowError(f"不能晚于今天（{today:%Y-%m-%d}）")
            return d

        data = {
            "found_on": c(v, "检查日期", day, err, required=True),
            "team": c(v, "检查组", team, err, required=True),
            "object_name": c(v, "检查对象", _limit(200, "检查对象"), err, required=True),
            "category_name": c(v, "对象类别", _text, err, required=True),
            "unit": c(v, "所属街道", lambda raw: self.units.find(raw), err, required=True),
            "description": c(v, "隐患描述", _limit(2000, "隐患描述"), err, required=True),
            "level": c(v, "隐患等级", choice(LEVELS, "隐患等级"), err, required=True),
            "deadline": c(v, "整改期限", parse_date, err, required=True),
            "status": c(v, "整改状态", choice(STATUSES, "整改状态"), err, required=True),
            "closed_on": c(v, "销号日期", day, err),
            "campaign": c(v, "检查行动", campaign, err) or self.routine,
        }
        obj = None
        if data["object_name"] and data["unit"]:
            obj = self.objects.get((data["object_name"], data["unit"].pk))
            if obj is None:
                err("检查对象", f"{data['unit'].name}没有名为“{data['object_name']}”的检查对象，请先导入检查对象")
            elif self.visible is not None and obj.pk not in self.visible:
                err("检查对象", f"无权为“{obj.name}”导入隐患")
                obj = None
            elif data["category_name"] and obj.category.name != data["category_name"]:
                err("对象类别", f"该对象的类别为“{obj.category.name}”")
        data["object"] = obj
        found, deadline, closed = data["found_on"], data["deadline"], data["closed_on"]
        if found and deadline:
            if deadline < found:
                err("整改期限", "整改期限不能早于检查日期")
            elif (deadline - found).days > services.MAX_DEADLINE_DAYS:
                err("整改期限", f"整改期限不能超过检查日期后{services.MAX_DEADLINE_DAYS}天")
        if data["status"] == Hazard.Status.CLOSED and not closed:
            err("销号日期", "整改状态为已销号时须填写销号日期")
        if data["status"] and data["status"] != Hazard.Status.CLOSED and closed:
            err("销号日期", "未销号的隐患不应填写销号日期")
        if closed and found and closed < found:
            err("销号日期", "销号日期不能早于检查日期")
        camp, t = data["campaign"], data["team"]
        if camp and t and not camp.routine and not camp.teams.filter(team=t).exists():
            err("检查组", f"{t.name}未参加“{camp.name}”")
        if obj is not None and t and found and data["description"]:
            existing = Hazard.objects.filter(found_on=found, team=t, object=obj,
                                             description=data["description"]).first()
            if existing is not None:
                same = (existing.level == data["level"] and existing.deadline == deadline
                        and existing.status == data["status"] and existing.closed_on == closed
                        and existing.campaign_id == camp.pk)
                if not same:
                    err("整改状态", f"该隐患已登记为{existing.code}（{existing.get_status_display()}，整改期限"
                                   f"{existing.deadline:%Y-%m-%d}），请在隐患页面办理，不能用导入修改")
                data["existing"] = existing
        return data

    def key(self, d):
        return (d["found_on"], d["team"].pk, d["object"].pk if d["object"] else d["object_name"], d["description"])

    def save(self, rows):
        created = unchanged = 0
        for _, d in rows:
            if d.get("existing") is not None:
                unchanged += 1
                continue
            obj = d["object"]
            responsible = (obj.enterprise.name if obj.enterprise_id else "") or obj.contact_name or obj.name
            try:
                services.hazard_create(
                    actor=self.actor, campaign=d["campaign"], team=d["team"], object=obj, level=d["level"],
                    description=d["description"], responsible=responsible, found_on=d["found_on"],
                    deadline=d["deadline"], status=d["status"], closed_on=d["closed_on"])
            except PermissionDenied as exc:
                raise ValidationError(str(exc))
            created += 1
        return created, 0, unchanged

    def export_queryset(self):
        qs = Hazard.objects.select_related("team", "object", "object__category", "unit", "campaign")
        qs = qs.filter(status__in=list(STATUS_LABELS))
        return qs.visible_to(self.actor) if self.actor is not None else qs

    def export_rows(self, qs):
        for h in qs:
            yield [h.found_on, h.team.name, h.object.name, h.object.category.name, h.unit.name, h.description,
                   "重大" if h.level == Hazard.Level.MAJOR else "一般", h.deadline, STATUS_LABELS[h.status],
                   h.closed_on or "", "" if h.campaign.routine else h.campaign.name]
