"""Excel registers of the rural programme: weekly greening reports, typical villages, greening
work plans and villager points. Same rules as the foundation (core.importing): every row checked
(row/column errors in Chinese), all or nothing, re-import changes nothing, and each row's unit
checked against the importer's rural scope."""

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.importing import Importer, RowError, register
from countyworks.core.models import OrgUnit, Programme
from countyworks.core.parsing import normalize_text, parse_date, parse_int, parse_year
from countyworks.core.scope import programme_roles, require_unit_in_scope, units_in_scope
from countyworks.core.spreadsheets import Column
from countyworks.core.unitnames import UnitResolver

from . import selectors, services
from .models import (
    TOWN_KINDS,
    VILLAGE_KINDS,
    Designation,
    DesignationLevel,
    GreeningPlan,
    PointEntry,
    PointRule,
    Villager,
    mask_phone,
)

P = Programme.RURAL
_WEEK = re.compile(r"^(\d{4})\s*[-年]?\s*W?\s*(\d{1,2})\s*周?$", re.I)


def parse_week(raw):
    """"2024-W10" / "2024W10" / "2024年10周" → the Monday of that ISO week; a date → its Monday."""
    text = normalize_text(raw).upper()
    m = _WEEK.match(text)
    if m and ("W" in text or "周" in text):
        y, w = int(m.group(1)), int(m.group(2))
        try:
            return date.fromisocalendar(y, w, 1)
        except ValueError:
            raise RowError(f"“{text}”不是有效的周次（{y}年没有第{w}周）")
    try:
        d = parse_date(raw)
    except Exception:
        raise RowError(f"周次“{text}”格式不正确，应写作 2024-W10")
    if d is None:
        raise RowError("周次不能为空")
    return date.fromisocalendar(*d.isocalendar()[:2], 1)


def count(raw):
    v = parse_int(raw)
    if v is not None and v > services.MAX_COUNT:
        raise RowError(f"数值过大（{v}），请核实")
    return v


class RuralImporter(Importer):
    action = "change"
    kinds = VILLAGE_KINDS
    kind_label = "村或社区"
    scope_programme = P  # the shared per-row check (core.importing), again inside the writing transaction

    @property
    def scope_action(self):
        return self.action

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, P, self.action):
            raise PermissionDenied(f"无权导入{self.label}")

    def prepare(self, rows):
        self.units = UnitResolver(not_found="找不到单位“{text}”（填写名称或代码）")

    def unit(self, raw):
        u = self.units.find(raw)
        if u.kind not in self.kinds:
            raise RowError(f"“{u.name}”不是{self.kind_label}")
        if self.actor is not None:
            try:
                require_unit_in_scope(self.actor, u, programme=P, action=self.action)
            except PermissionDenied:
                raise RowError(f"无权为“{u.name}”导入数据")
        return u

    def scoped_units(self):
        return units_in_scope(self.actor, programme=P) if self.actor is not None else OrgUnit.objects.all()


# --- weekly greening reports ------------------------------------------------------------------------

REPORT_COLUMNS = [  # (header, aliases, figure code)
    ("已落实苗木(株)", ("已落实苗木", "落实苗木(株)"), "seedlings_secured"),
    ("已植树(株)", ("已植树", "植树(株)"), "trees_planted"),
    ("培训人次", ("培训(人次)", "参加培训人次"), "training"),
    ("走访乡贤(人)", ("走访乡贤",), "sages_visited"),
    ("参与五带头党员(人)", ("参与“五带头”党员(人)", "五带头党员(人)", "参与五带头党员"), "party_members"),
    ("座谈会(次)", ("座谈会", "座谈会(场)"), "meetings"),
]


@register
class GreeningReportImporter(RuralImporter):
    """Weekly greening reports (乡村绿化周报). Natural key: 周次 + 村(社区). The two (人) columns
    are cumulative-to-date values (aggregation "latest"), the others the week's own. A row whose
    cumulative trees exceed cumulative seedlings needs a 说明 (flagged, not refused)."""

    kind = "greening-reports"
    label = "乡村绿化周报"
    sheet_name = "乡村绿化周报"
    key_column = "周次"
    columns = [Column("周次", aliases=("周",)), Column("村(社区)", aliases=("村（社区）", "村", "填报单位")),
               *[Column(h, aliases=a) for h, a, _ in REPORT_COLUMNS],
               Column("说明", aliases=("情况说明", "备注"), required=False)]
    examples = [["2024-W10", "向前村", "120", "80", "35", "6", "28", "1", ""]]

    def prepare(self, rows):
        super().prepare(rows)
        self.form = selectors.greening_form()
        self.locked = set()
        if self.form is not None:
            from countyworks.dispatch.models import Submission

            self.locked = set(Submission.objects.filter(form=self.form, status=Submission.Status.APPROVED)
                              .values_list("unit_id", "week_start"))
            self.approved = {(s.unit_id, s.week_start): s.figures for s in
                             Submission.objects.filter(form=self.form, status=Submission.Status.APPROVED)
                             .only("unit_id", "week_start", "figures")}

    def clean_row(self, v, err):
        c = self.cell
        data = {"week_start": c(v, "周次", parse_week, err, required=True),
                "unit": c(v, "村(社区)", self.unit, err, required=True),
                "explanation": normalize_text(v.get("说明") or ""),
                "figures": {}}
        for header, _, code in REPORT_COLUMNS:
            data["figures"][code] = c(v, header, count, err, required=True)
        from countyworks.core import clock
        from countyworks.dispatch.selectors import monday

        if data["week_start"] and data["week_start"] > monday(clock.today()):
            err("周次", "不能填报未来周次")
        key = (data["unit"].pk if data["unit"] else None, data["week_start"])
        if key in self.locked:
            stored = {k: Decimal(str(x)) for k, x in self.approved[key].items()}
            if any(stored.get(k) != Decimal(x) for k, x in data["figures"].items() if x is not None):
                err("周次", "该周周报已审核锁定，不能修改（如需更正请由审核人重新打开）")
        return data

    def key(self, d):
        return (d["unit"].pk, d["week_start"])

    def save(self, rows):
        form = self.form or services.ensure_greening_form(actor=self.actor)
        created = updated = unchanged = 0
        for row_no, d in sorted(rows, key=lambda r: (r[1]["week_start"], r[0])):
            figures = {k: Decimal(v) for k, v in d["figures"].items()}
            if (d["unit"].pk, d["week_start"]) in self.locked:
                unchanged += 1
                continue
            try:
                _, action = services.greening_report_save(form=form, unit=d["unit"], week_start=d["week_start"],
                                                          figures=figures, actor=self.actor,
                                                          explanation=d["explanation"])
            except ValidationError as exc:
                raise ValidationError(f"第{row_no}行：{'；'.join(exc.messages)}")
            created += action == "created"
            updated += action == "updated"
            unchanged += action == "unchanged"
        return created, updated, unchanged

    def export_queryset(self):
        from countyworks.dispatch.models import Submission

        form = selectors.greening_form()
        if form is None:
            return Submission.objects.none()
        return (Submission.objects.filter(form=form, unit__in=self.scoped_units().values("pk"))
                .select_related("unit").order_by("week_start", "unit__path"))

    def export_rows(self, qs):
        for s in qs:
            y, w, _ = s.week_start.isocalendar()
            yield [f"{y}-W{w:02d}", s.unit.name, *[s.figures.get(code, "") for _, _, code in REPORT_COLUMNS],
                   "；".join(s.flags) if s.flags else ""]


# --- typical villages --------------------------------------------------------------------------------


@register
class TypicalVillageImporter(RuralImporter):
    """典型村镇 designations. Natural key: 村(镇) + 级别批次 (a promoted village has one row per level)."""

    kind = "typical-villages"
    label = "典型村镇"
    sheet_name = "典型村镇"
    key_column = "村(镇)"
    action = "manage"
    kinds = (*VILLAGE_KINDS, *TOWN_KINDS)
    kind_label = "村（社区）或镇（街道）"

    @property
    def columns(self):
        levels = tuple(DesignationLevel.objects.filter(active=True).values_list("name", flat=True))
        return [Column("村(镇)", aliases=("村（镇）", "村镇", "单位")), Column("级别批次", aliases=("级别",), choices=levels),
                Column("认定年度", aliases=("年度",)), Column("认定日期", required=False),
                Column("说明", required=False)]

    examples = [["向前村", "省级首批典型村", "2023", "2023-06-30", ""]]

    def prepare(self, rows):
        super().prepare(rows)
        self.levels = {lv.name: lv for lv in DesignationLevel.objects.all()}

    def clean_row(self, v, err):
        c = self.cell

        def level(raw):
            name = normalize_text(raw)
            if name not in self.levels:
                raise RowError(f"“{name}”不在级别批次中，可选：{'、'.join(self.levels)}")
            return self.levels[name]

        def year(raw):
            y = parse_year(raw)
            if y is not None and not 2000 <= y <= 2100:
                raise RowError("认定年度不正确")
            return y

        data = {"unit": c(v, "村(镇)", self.unit, err, required=True), "level": c(v, "级别批次", level, err, required=True),
                "year": c(v, "认定年度", year, err, required=True), "designated_on": c(v, "认定日期", parse_date, err),
                "note": normalize_text(v.get("说明") or "")}
        if data["unit"] and data["level"]:
            want = VILLAGE_KINDS if data["level"].target == DesignationLevel.Target.VILLAGE else TOWN_KINDS
            if data["unit"].kind not in want:
                err("级别批次", f"“{data['level'].name}”的对象应为{data['level'].get_target_display()}")
        if data["designated_on"] and data["year"] and data["designated_on"].year != data["year"]:
            err("认定日期", "认定日期应在认定年度内")
        return data

    def key(self, d):
        return (d["unit"].pk, d["level"].pk)

    def save(self, rows):
        from countyworks.core.audit import audit_log, diff, snapshot
        from countyworks.core.models import AuditAction

        created = updated = unchanged = 0
        for _, d in rows:
            obj = Designation.objects.filter(unit=d["unit"], level=d["level"]).first()
            if obj is None:
                services.designation_create(actor=self.actor, **d)
                created += 1
                continue
            fields = {"year", "designated_on", "note"}
            before = snapshot(obj, fields)
            for k in fields:
                setattr(obj, k, d[k])
            changes = diff(before, snapshot(obj, fields))
            if not changes:
                unchanged += 1
                continue
            obj.save()
            audit_log(action=AuditAction.UPDATE, obj=obj, actor=self.actor, changes=changes, message="导入更新典型村镇")
            updated += 1
        return created, updated, unchanged

    def export_queryset(self):
        return Designation.objects.filter(unit__in=self.scoped_units().values("pk")).select_related("unit", "level")

    def export_rows(self, qs):
        for d in qs:
            yield [d.unit.name, d.level.name, d.year, d.designated_on.isoformat() if d.designated_on else "", d.note]


# --- greening work plans -----------------------------------------------------------------------------


@register
class GreeningPlanImporter(RuralImporter):
    """乡村绿化工作计划. Natural key: 村(社区) + 年度. A plan already submitted or approved is not
    changed by an import (that row is an error when its figures differ)."""

    kind = "greening-plans"
    label = "乡村绿化工作计划"
    sheet_name = "工作计划"
    key_column = "村(社区)"
    columns = [Column("村(社区)", aliases=("村（社区）", "村")), Column("年度"),
               Column("计划落实苗木(株)", aliases=("计划落实苗木",)), Column("计划植树(株)", aliases=("计划植树",)),
               Column("植树期起(月)", aliases=("起始月",), required=False),
               Column("植树期止(月)", aliases=("结束月",), required=False),
               Column("主要树种", aliases=("树种",), required=False),
               Column("村民会议日期", aliases=("村民会议召开日期",), required=False)]
    examples = [["向前村", "2024", "600", "450", "2", "5", "铁冬青、樟树", "2024-02-26"]]
    FIELDS = ("seedlings_planned", "trees_planned", "season_start", "season_end", "species", "meeting_date")

    def clean_row(self, v, err):
        c = self.cell

        def month(raw):
            m = parse_int(raw)
            if m is not None and not 1 <= m <= 12:
                raise RowError("月份应在1—12之间")
            return m

        def year(raw):
            y = parse_year(raw)
            if y is not None and not 2000 <= y <= 2100:
                raise RowError("年度不正确")
            return y

        d = {"unit": c(v, "村(社区)", self.unit, err, required=True), "year": c(v, "年度", year, err, required=True),
             "seedlings_planned": c(v, "计划落实苗木(株)", count, err, required=True),
             "trees_planned": c(v, "计划植树(株)", count, err, required=True),
             "season_start": c(v, "植树期起(月)", month, err) or 2, "season_end": c(v, "植树期止(月)", month, err) or 5,
             "species": normalize_text(v.get("主要树种") or ""), "meeting_date": c(v, "村民会议日期", parse_date, err)}
        if d["seedlings_planned"] is not None and d["trees_planned"] is not None and d["trees_planned"] > d["seedlings_planned"]:
            err("计划植树(株)", "计划植树不能超过计划落实苗木")
        if d["season_end"] < d["season_start"]:
            err("植树期止(月)", "植树期止月不能早于起月")
        if d["unit"] and d["year"]:
            plan = GreeningPlan.objects.filter(unit=d["unit"], year=d["year"]).first()
            if plan is not None and not plan.editable and any(getattr(plan, k) != d[k] for k in self.FIELDS):
                err("村(社区)", f"该村{d['year']}年工作计划{plan.get_status_display()}，不能通过导入修改")
        return d

    def key(self, d):
        return (d["unit"].pk, d["year"])

    def save(self, rows):
        created = updated = unchanged = 0
        for _, d in rows:
            plan = GreeningPlan.objects.filter(unit=d["unit"], year=d["year"]).first()
            data = {k: d[k] for k in self.FIELDS}
            if plan is None:
                services.plan_create(actor=self.actor, unit=d["unit"], year=d["year"], **data)
                created += 1
            elif all(getattr(plan, k) == v for k, v in data.items()):
                unchanged += 1
            else:
                services.plan_update(actor=self.actor, plan=plan, **data)
                updated += 1
        return created, updated, unchanged

    def export_queryset(self):
        return GreeningPlan.objects.filter(unit__in=self.scoped_units().values("pk")).select_related("unit")

    def export_rows(self, qs):
        for p in qs:
            yield [p.unit.name, p.year, p.seedlings_planned, p.trees_planned, p.season_start, p.season_end, p.species,
                   p.meeting_date.isoformat() if p.meeting_date else ""]


# --- villager points ---------------------------------------------------------------------------------


@register
class PointsImporter(RuralImporter):
    """Villager points (村民积分) ledger lines: a row earns by a rule of the village (积分项目 ×
    数量) or redeems (兑换积分 with its 事由). The villager is registered if new (name + masked
    phone). Natural key: 村 + 姓名 + 日期 + 积分项目/事由: re-importing a line already in the ledger
    adds nothing. Corrections are reversing entries made on the villager's page, not imports."""

    kind = "points"
    label = "村民积分"
    sheet_name = "村民积分"
    key_column = "姓名"
    columns = [Column("村(社区)", aliases=("村（社区）", "村")), Column("姓名"),
               Column("联系电话", aliases=("电话", "手机"), required=False), Column("日期"),
               Column("积分项目", aliases=("积分规则",), required=False), Column("数量", required=False),
               Column("兑换积分", required=False), Column("事由", aliases=("说明",), required=False)]
    examples = [["向前村", "王大妈", "13812345678", "2024-03-09", "植树每株", "10", "", "参加植树"],
                ["向前村", "王大妈", "13812345678", "2024-03-20", "", "", "15", "兑换大米一袋"]]

    def prepare(self, rows):
        super().prepare(rows)
        self.rules = {(r.unit_id, r.name): r for r in PointRule.objects.filter(active=True)}

    def clean_row(self, v, err):
        from countyworks.core import clock

        c = self.cell
        d = {"unit": c(v, "村(社区)", self.unit, err, required=True), "name": normalize_text(v.get("姓名") or ""),
             "phone": mask_phone(v.get("联系电话")), "date": c(v, "日期", parse_date, err, required=True),
             "quantity": c(v, "数量", count, err), "redeem": c(v, "兑换积分", count, err),
             "reason": normalize_text(v.get("事由") or ""), "rule": None}
        if not d["name"]:
            err("姓名", "必填，不能为空")
        if d["date"] and d["date"] > clock.today():
            err("日期", "日期不能晚于今天")
        rule_name = normalize_text(v.get("积分项目") or "")
        if rule_name and d["redeem"]:
            err("兑换积分", "一行只能是获得积分或兑换积分之一")
        elif rule_name:
            if d["unit"] is not None:
                d["rule"] = self.rules.get((d["unit"].pk, rule_name))
                if d["rule"] is None:
                    err("积分项目", f"“{rule_name}”不是{d['unit'].name}启用的积分规则")
            if not d["quantity"]:
                err("数量", "获得积分须填写数量（大于0）")
        elif d["redeem"]:
            if not d["reason"]:
                err("事由", "兑换积分须填写事由")
        else:
            err("积分项目", "请填写积分项目和数量，或兑换积分和事由")
        return d

    def key(self, d):
        return (d["unit"].pk, d["name"], d["phone"], d["date"], d["rule"].pk if d["rule"] else None,
                d["redeem"], d["reason"])

    def save(self, rows):
        created = unchanged = 0
        for row_no, d in sorted(rows, key=lambda r: (r[1]["date"], r[0])):
            villager = Villager.objects.filter(unit=d["unit"], name=d["name"], phone_masked=d["phone"]).first()
            if villager is None:
                villager = services.villager_create(actor=self.actor, unit=d["unit"], name=d["name"], phone=d["phone"])
            if d["rule"] is not None:
                reason = d["reason"] or f"{d['rule'].name}×{d['quantity']}"
                exists = PointEntry.objects.filter(villager=villager, date=d["date"], kind=PointEntry.Kind.EARN,
                                                   rule=d["rule"], quantity=d["quantity"], reason=reason).exists()
                if exists:
                    unchanged += 1
                    continue
                services.points_earn(actor=self.actor, villager=villager, rule=d["rule"], quantity=d["quantity"],
                                     date=d["date"], reason=reason)
            else:
                exists = PointEntry.objects.filter(villager=villager, date=d["date"], kind=PointEntry.Kind.REDEEM,
                                                   points=-d["redeem"], reason=d["reason"]).exists()
                if exists:
                    unchanged += 1
                    continue
                try:
                    services.points_redeem(actor=self.actor, villager=villager, points=d["redeem"], date=d["date"],
                                           reason=d["reason"])
                except ValidationError as exc:
                    raise ValidationError(f"第{row_no}行 兑换积分: {'；'.join(exc.messages)}")
            created += 1
        return created, 0, unchanged

    def export_queryset(self):
        return (PointEntry.objects.filter(villager__unit__in=self.scoped_units().values("pk"))
                .exclude(kind=PointEntry.Kind.REVERSAL).filter(reversed_by__isnull=True)
                .select_related("villager__unit", "rule").order_by("date", "pk"))

    def export_rows(self, qs):
        for e in qs:
            v = e.villager
            if e.kind == PointEntry.Kind.EARN:
                yield [v.unit.name, v.name, v.phone_masked, e.date.isoformat(), e.rule.name if e.rule else "",
                       e.quantity or "", "", e.reason]
            else:
                yield [v.unit.name, v.name, v.phone_masked, e.date.isoformat(), "", "", -e.points, e.reason]
