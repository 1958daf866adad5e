"""Excel registers of the investment programme: signed projects (history) and annual targets."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied

from countyworks.core.audit import audit_log, diff, snapshot
from countyworks.core.identifiers import validate_credit_code
from countyworks.core.importing import Importer, RowError, register
from countyworks.core.models import AuditAction, Enterprise, Indicator, Industry, OrgUnit, Programme, Target
from countyworks.core.parsing import normalize_text, parse_amount_wan, parse_date, parse_decimal, parse_year
from countyworks.core.scope import programme_roles
from countyworks.core.spreadsheets import Column
from countyworks.core.unitnames import UnitResolver

from .models import Milestone, Project

P = Programme.INVESTMENT
KINDS = {"新建": Project.Kind.NEW, "增资扩产": Project.Kind.EXPANSION}
DATE_MILESTONES = [("开工日期", Milestone.Kind.STARTED), ("建成日期", Milestone.Kind.COMPLETED),
                   ("投产日期", Milestone.Kind.PRODUCING)]


@register
class ProjectImporter(Importer):
    """Signed projects. Natural key: 项目名称 + 统一社会信用代码. The enterprise is registered if
    its credit code is new. For 增资扩产 the amount given is the increment."""

    kind = "projects"
    label = "签约项目"
    sheet_name = "签约项目"
    key_column = "项目名称"
    scope_programme = P
    unit_column = "责任单位"
    noun = "项目"

    @property
    def columns(self):
        industries = tuple(Industry.objects.filter(active=True).values_list("name", flat=True))
        return [
            Column("项目名称"),
            Column("企业名称", aliases=("投资企业", "投资主体")),
            Column("统一社会信用代码", aliases=("信用代码", "社会信用代码")),
            Column("产业类别", aliases=("所属产业", "产业"), required=False, choices=industries),
            Column("计划总投资(万元)", aliases=("计划总投资", "总投资(万元)", "投资额(万元)", "计划投资(万元)")),
            Column("签约日期"),
            Column("责任单位", aliases=("引进单位", "责任单位(名称或代码)")),
            Column("项目类型", required=False, choices=tuple(KINDS)),
            Column("开工日期", required=False),
            Column("建成日期", aliases=("竣工日期",), required=False),
            Column("投产日期", required=False),
        ]

    examples = [["金多多广东食品生产研发基地", "金多多（广东）食品有限公司", "91440704MA52K3JD76", "其他", "12000",
                 "2023-05-18", "某某街道", "新建", "2023-08-01", "2024-03-06", ""]]

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, P, "change"):
            raise PermissionDenied("无权导入招商项目")

    def prepare(self, rows):
        self.units = UnitResolver()
        self.industries = {i.name: i for i in Industry.objects.all()}

    def clean_row(self, v, err):
        c = self.cell

        def industry(raw):
            name = normalize_text(raw)
            if name not in self.industries:
                raise RowError(f"“{name}”不在产业目录中，可选：{'、'.join(self.industries)}")
            return self.industries[name]

        def kind(raw):
            text = normalize_text(raw)
            if text not in KINDS:
                raise RowError("应为“新建”或“增资扩产”")
            return KINDS[text]

        def amount(raw):
            value = parse_amount_wan(raw)
            if value is not None and value <= 0:
                raise RowError("计划总投资应大于0")
            return value

        def unit(raw):
            return self.units.find(raw)

        data = {
            "name": c(v, "项目名称", _limit(200), err, required=True),
            "enterprise_name": c(v, "企业名称", _limit(200), err, required=True),
            "credit_code": c(v, "统一社会信用代码", validate_credit_code, err, required=True),
            "industry": c(v, "产业类别", industry, err),
            "planned_investment": c(v, "计划总投资(万元)", amount, err, required=True),
            "signed_date": c(v, "签约日期", parse_date, err, required=True),
            "unit": c(v, "责任单位", unit, err, required=True),
            "kind": c(v, "项目类型", kind, err) or Project.Kind.NEW,
        }
        prev_label, prev = "签约日期", data["signed_date"]
        for col, ms_kind in DATE_MILESTONES:
            d = c(v, col, parse_date, err)
            data[ms_kind] = d
            if d and prev and d < prev:
                err(col, f"{col[:-2]}日期不能早于{prev_label[:-2]}日期")
            if d:
                prev_label, prev = col, d
        return data

    def existing_units(self, datas):
        """The units of the existing projects the rows match (same name and credit code), in bulk."""
        out = {}
        names = sorted({d["name"] for d in datas})
        for i in range(0, len(names), 900):
            for name, code, unit in (Project.objects.filter(name__in=names[i:i + 900]).select_related("unit")
                                     .values_list("name", "enterprise__credit_code", "unit")):
                out[(name, code)] = unit
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=set(out.values()))}
        return {k: units[v] for k, v in out.items()}

    def key(self, d):
        return (d["name"], d["credit_code"])

    def save(self, rows):
        from .services import _next_code

        created = updated = unchanged = 0
        ents = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in={d["credit_code"] for _, d in rows})}
        for _, d in rows:
            ent = ents.get(d["credit_code"])
            if ent is None:
                ent = Enterprise(name=d["enterprise_name"], credit_code=d["credit_code"], industry=d["industry"])
                ent.full_clean()
                ent.save()
                audit_log(action=AuditAction.CREATE, obj=ent, actor=self.actor, message="随项目导入登记企业",
                          changes=diff({}, snapshot(ent, {"name", "credit_code", "industry"})))
                ents[d["credit_code"]] = ent
            fields = {"industry": d["industry"], "planned_investment": d["planned_investment"],
                      "signed_date": d["signed_date"], "unit": d["unit"], "kind": d["kind"]}
            project = Project.objects.filter(name=d["name"], enterprise=ent).first()
            changed, is_new = False, project is None
            if is_new:
                project = Project(code=_next_code(Project, "XM", d["signed_date"].year), name=d["name"], enterprise=ent, **fields)
                project.full_clean()
                project.save()
                audit_log(action=AuditAction.CREATE, obj=project, actor=self.actor, message="导入新增",
                          changes=diff({}, snapshot(project)))
                created += 1
            else:
                before = snapshot(project)
                for k, val in fields.items():
                    setattr(project, k, val)
                after = snapshot(project)
                if Decimal(str(before["planned_investment"])) == project.planned_investment:
                    after["planned_investment"] = before["planned_investment"]
                changes = diff(before, after)
                if changes:
                    project.full_clean()
                    project.save()
                    audit_log(action=AuditAction.UPDATE, obj=project, actor=self.actor, changes=changes,
                              message="导入更新")
                    changed = True
            have = {m.kind: m for m in project.milestones.all()}
            wanted = {Milestone.Kind.SIGNED: d["signed_date"]}
            wanted.update({k: d[k] for _, k in DATE_MILESTONES if d[k]})
            for k, actual in wanted.items():
                m = have.get(k)
                if m is None:
                    Milestone.objects.create(project=project, kind=k, actual_date=actual,
                                             planned_date=actual if k == Milestone.Kind.SIGNED else None)
                    changed = True
                elif m.actual_date != actual:
                    audit_log(action=AuditAction.UPDATE, obj=project, actor=self.actor,
                              changes={f"{k}.actual_date": [m.actual_date, actual]}, message="导入更新节点")
                    m.actual_date = actual
                    m.save(update_fields=["actual_date"])
                    changed = True
            if not is_new:
                updated += changed
                unchanged += not changed
        return created, updated, unchanged

    def export_queryset(self):
        qs = Project.objects.all() if self.actor is None else Project.objects.visible_to(self.actor)
        return qs.select_related("enterprise", "industry", "unit").prefetch_related("milestones").order_by("signed_date")

    def export_rows(self, qs):
        for p in qs:
            ms = {m.kind: m.actual_date for m in p.milestones.all()}
            yield [p.name, p.enterprise.name, p.enterprise.credit_code, p.industry.name if p.industry else "",
                   float(p.planned_investment), p.signed_date, p.unit.name, p.get_kind_display(),
                   ms.get(Milestone.Kind.STARTED), ms.get(Milestone.Kind.COMPLETED), ms.get(Milestone.Kind.PRODUCING)]


def _limit(n):
    def clean(raw):
        text = normalize_text(raw)
        if len(text) > n:
            raise RowError(f"不能超过{n}个字符")
        return text

    return clean


@register
class TargetImporter(Importer):
    """Annual targets: 年度, 单位, 指标, 目标值. Natural key: 年度 + 单位 + 指标."""

    kind = "targets"
    label = "年度目标"
    sheet_name = "年度目标"
    key_column = "单位"
    scope_action = "manage"
    unit_column = "单位"
    noun = "年度目标"

    @property
    def columns(self):
        return [
            Column("年度"),
            Column("单位", aliases=("单位名称", "责任单位")),
            Column("指标", aliases=("指标名称",), choices=tuple(Indicator.objects.values_list("name", flat=True))),
            Column("目标值", aliases=("目标", "年度目标")),
        ]

    examples = [[2024, "某某街道", "亿元以上项目数", 12]]

    def check_permission(self):
        if self.actor is not None and not programme_roles(self.actor, None, "manage"):
            raise PermissionDenied("无权导入年度目标")

    def prepare(self, rows):
        self.units = UnitResolver()
        self.indicators = {}
        for i in Indicator.objects.all():
            self.indicators[i.name] = i
            self.indicators[i.code] = i

    def clean_row(self, v, err):
        def year(raw):
            y = parse_year(raw)
            if not 2000 <= y <= 2100:
                raise RowError("年度应为四位年份")
            return y

        def indicator(raw):
            text = normalize_text(raw)
            if text not in self.indicators:
                names = sorted({i.name for i in self.indicators.values()})
                raise RowError(f"未知指标“{text}”，可选：{'、'.join(names)}")
            return self.indicators[text]

        data = {
            "year": self.cell(v, "年度", year, err, required=True),
            "unit": self.cell(v, "单位", self.units.find, err, required=True),
            "indicator": self.cell(v, "指标", indicator, err, required=True),
        }
        # money indicators accept 1.2亿 / 12000万元; counts and others plain numbers
        money = data["indicator"] is not None and data["indicator"].unit_label == "万元"
        data["value"] = self.cell(v, "目标值", parse_amount_wan if money else parse_decimal, err, required=True)
        return data

    def row_scope_programme(self, data):
        return data["indicator"].programme

    def key(self, d):
        return (d["year"], d["unit"].pk, d["indicator"].pk)

    def save(self, rows):
        from countyworks.core.services import target_set

        created = updated = unchanged = 0
        existing = {(t.year, t.unit_id, t.indicator_id): t.value for t in Target.objects.all()}
        for _, d in rows:
            old = existing.get(self.key(d))
            if old == d["value"]:
                unchanged += 1
                continue
            target_set(unit=d["unit"], indicator=d["indicator"], year=d["year"], value=d["value"], actor=self.actor)
            created += old is None
            updated += old is not None
        return created, updated, unchanged

    def export_queryset(self):
        qs = Target.objects.all() if self.actor is None else Target.objects.visible_to(self.actor)
        return qs.select_related("unit", "indicator")

    def export_rows(self, qs):
        for t in qs:
            yield [t.year, t.unit.name, t.indicator.name, float(t.value)]
