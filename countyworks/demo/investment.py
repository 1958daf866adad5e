"""The Jianghai investment demo: signed projects 2022–2024 reproducing the seed's figures,
field-office activities and leads, a pipeline for the journeys, targets.

The figures are *outcomes* of these records (statistics are computed, never stored):
2023: 51 projects ≥1亿 (2022: 43), 294.6亿 (2022: 223.2亿), 9 ≥10亿 (2022: 8);
Jan–Feb 2024: 15 ≥1亿; field offices since 2023: >400 outbound activities, >400 enterprise
visits, about 300 leads. Generation is seeded, so every load produces the same records, and
writing is an upsert (importer / existence checks), so loading twice changes nothing."""

import random
from datetime import date, timedelta
from decimal import Decimal

from countyworks.core.identifiers import random_credit_code
from countyworks.core.models import Enterprise, Indicator, Industry, OrgUnit, User
from countyworks.core.services import enterprise_create, target_set
from countyworks.investment import services as inv
from countyworks.investment.importers import ProjectImporter
from countyworks.investment.models import (
    Activity,
    EvalCriterion,
    Lead,
    Milestone,
    Project,
    VetoItem,
)

DEMO_END = date(2024, 3, 31)  # the newspaper's "now"

# credited units per year: (unit code, number of ≥1亿 projects)
SPLIT = {
    2022: [("440704002000", 12), ("440704003000", 10), ("440704001000", 8), ("JH-S01", 8), ("JH-B08", 5)],
    2023: [("440704002000", 14), ("440704003000", 13), ("440704001000", 8), ("JH-S01", 10), ("JH-B08", 6)],
}
YEARS = {  # (≥1亿 count, of which ≥10亿, their total in 万元, projects under 1亿)
    2022: (43, 8, 2_232_000, 10),
    2023: (51, 9, 2_946_000, 12),
}
TARGETS = {  # year: {unit code: (≥1亿 projects, their planned investment in 万元)}
    2023: {"440704000000": (50, 2_900_000), "440704002000": (13, 700_000), "440704003000": (12, 650_000),
           "440704001000": (9, 450_000), "JH-S01": (9, 700_000), "JH-B08": (7, 400_000)},
    2024: {"440704000000": (56, 3_200_000), "440704002000": (15, 800_000), "440704003000": (14, 750_000),
           "440704001000": (10, 500_000), "JH-S01": (10, 750_000), "JH-B08": (7, 400_000)},
}
WORDS = ["智造", "新材", "电子", "精密", "光电", "电器", "生物", "医药", "装备", "科技", "智能", "能源", "环保", "食品",
         "包装", "汽配", "数控", "芯片", "安防", "应急"]
CITIES = ["深圳", "广州", "佛山", "东莞", "北京", "上海", "杭州", "苏州", "香港", "江门"]
PLACE = ["华", "粤", "海", "鹏", "中", "弘", "鑫", "瑞", "创", "恒", "德", "安", "隆", "顺", "泰", "达", "联", "信"]
INDUSTRY_WEIGHTS = [("安全应急产业", 2), ("高端装备制造", 4), ("前沿新材料", 3), ("新一代电子信息", 4), ("智能家电", 3),
                    ("生物医药与健康", 2), ("其他", 2)]


def _amounts(rng, n, big, total):
    """n amounts (万元): `big` of them ≥ 100,000, the rest in [10,000, 99,900], summing to total.
    One mid amount sits exactly on the 10,000 boundary and one big amount on 100,000."""
    bigs = [100_000] + [rng.randrange(100_000, 200_001, 1000) for _ in range(big - 1)]
    mids = [10_000] + [rng.randrange(12_000, 90_001, 100) for _ in range(n - big - 1)]
    gap = total - sum(bigs) - sum(mids)
    i = 1
    while gap:  # spread the difference over the mid amounts within their bounds
        j = 1 + (i % (len(mids) - 1))
        step = max(-mids[j] + 10_100, min(99_900 - mids[j], gap))
        mids[j] += step
        gap -= step
        i += 1
        if i > 10_000:
            raise RuntimeError("cannot reach the demo total")
    amounts = bigs + mids
    rng.shuffle(amounts)
    return amounts


def _industry(rng):
    names = [n for n, w in INDUSTRY_WEIGHTS for _ in range(w)]
    return rng.choice(names)


def _company(rng, used):
    while True:
        name = f"{rng.choice(CITIES)}市{rng.choice(PLACE)}{rng.choice(PLACE)}{rng.choice(WORDS)}有限公司"
        if name not in used:
            used.add(name)
            return name


def _date_in(rng, start, end):
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def project_rows(units):
    """The demo projects as cleaned importer rows (deterministic)."""
    rng = random.Random(20240307)
    industries = {i.name: i for i in Industry.objects.all()}
    used, rows = set(), []

    def add(name, ent_name, amount, signed, unit, industry, started=None, completed=None, producing=None,
            kind="new"):
        rows.append({
            "name": name, "enterprise_name": ent_name, "credit_code": random_credit_code(rng),
            "industry": industries[industry], "planned_investment": Decimal(amount), "signed_date": signed,
            "unit": unit, "kind": kind, Milestone.Kind.STARTED: started, Milestone.Kind.COMPLETED: completed,
            Milestone.Kind.PRODUCING: producing,
        })

    # the seed's named project (one of 2023's ≥1亿 projects credited to 礼乐街道)
    add("金多多广东食品生产研发基地", "金多多（广东）食品有限公司", 12_000, date(2023, 3, 15), units["440704003000"], "其他",
        started=date(2023, 6, 20), completed=date(2024, 3, 6))
    for year, (n, big, total, small) in YEARS.items():
        amounts = _amounts(rng, n, big, total)
        slots = [units[code] for code, k in SPLIT[year] for _ in range(k)]
        if year == 2023:  # 金多多 already takes one 礼乐 slot and 12,000 万元
            amounts.remove(min(amounts, key=lambda a: abs(a - 12_000) if a < 100_000 else 10**9))
            slots.remove(units["440704003000"])
            amounts[-1] += 0  # total kept: the removed amount is replaced below
        rng.shuffle(slots)
        for amount, unit in zip(amounts, slots, strict=True):
            signed = _date_in(rng, date(year, 1, 5), date(year, 12, 28))
            ind = _industry(rng)
            ent = _company(rng, used)
            started = signed + timedelta(days=rng.randrange(30, 200))
            completed = started + timedelta(days=rng.randrange(240, 600)) if rng.random() < 0.6 else None
            producing = completed + timedelta(days=rng.randrange(20, 90)) if completed and rng.random() < 0.7 else None
            kind = "expansion" if rng.random() < 0.15 else "new"
            label = "增资扩产项目" if kind == "expansion" else rng.choice(["生产基地", "产业园项目", "研发制造中心", "智能工厂"])
            add(f"{ent[:-4].split('市', 1)[1]}{label}", ent, amount, signed, unit, ind,
                started if started <= DEMO_END else None,
                completed if completed and completed <= DEMO_END else None,
                producing if producing and producing <= DEMO_END else None, kind)
        for i in range(small):
            ent = _company(rng, used)
            amount = Decimal("9999.99") if i == 0 else rng.randrange(1_500, 9_900, 50)
            signed = _date_in(rng, date(year, 1, 5), date(year, 12, 28))
            add(f"{ent[:-4].split('市', 1)[1]}配套项目", ent, amount, signed,
                units[rng.choice(["440704003201", "440704002001", "440704001000", "440704003000"])], _industry(rng))
    # keep 2023's total exact after 金多多 replaced one amount
    y23 = [r for r in rows if r["signed_date"].year == 2023 and r["planned_investment"] >= 10_000]
    diff = Decimal(YEARS[2023][2]) - sum(r["planned_investment"] for r in y23)
    for r in y23:
        if r["name"] != "金多多广东食品生产研发基地" and 10_000 < r["planned_investment"] + diff < 100_000 \
                and r["planned_investment"] < 100_000:
            r["planned_investment"] += diff
            break
    # 2024: 15 ≥1亿 in January–February, 6 more in March, 3 small
    spread24 = ["440704002000", "440704003000", "440704001000", "JH-S01", "JH-B08"]
    for i in range(21):
        ent = _company(rng, used)
        signed = _date_in(rng, date(2024, 1, 3), date(2024, 2, 29)) if i < 15 else \
            _date_in(rng, date(2024, 3, 1), date(2024, 3, 29))
        amount = {4: 120_000, 11: 150_000}.get(i) or rng.randrange(10_000, 60_000, 500)
        add(f"{ent[:-4].split('市', 1)[1]}生产基地", ent, amount, signed, units[spread24[i % 5]], _industry(rng))
    for _ in range(3):
        ent = _company(rng, used)
        add(f"{ent[:-4].split('市', 1)[1]}配套项目", ent, rng.randrange(2_000, 9_000, 100),
            _date_in(rng, date(2024, 1, 3), date(2024, 3, 29)), units["440704003000"], _industry(rng))
    return rows


def load_projects(units):
    rows = project_rows(units)
    importer = ProjectImporter(actor=None)
    importer.prepare([])
    importer.save(list(enumerate(rows, 2)))
    # the lifecycle journey: a 2024 project whose 开工 is late (planned, not reached)
    late = Project.objects.filter(signed_date__year=2024, signed_date__month=1).order_by("signed_date", "pk").first()
    if late and not late.milestones.filter(kind=Milestone.Kind.STARTED).exists():
        inv.milestone_set(project=late, kind=Milestone.Kind.REGISTERED, actor=None,
                          planned_date=late.signed_date + timedelta(days=20),
                          actual_date=late.signed_date + timedelta(days=18))
        inv.milestone_set(project=late, kind=Milestone.Kind.STARTED, actor=None,
                          planned_date=late.signed_date + timedelta(days=60))


def load_targets(units):
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=["projects_100m", "investment_100m"])}
    for year, per_unit in TARGETS.items():
        for code, (n, amount) in per_unit.items():
            target_set(unit=units[code], indicator=indicators["projects_100m"], year=year, value=Decimal(n), actor=None)
            target_set(unit=units[code], indicator=indicators["investment_100m"], year=year, value=Decimal(amount),
                       actor=None)


def load_field_offices(units):
    """420 outbound activities by the four field offices since 2023 (430 enterprise visits) and
    298 leads collected from them."""
    offices = [units[c] for c in ("JH-F01", "JH-F02", "JH-F03", "JH-F04")]
    if Activity.objects.filter(unit__in=offices).exists():
        return
    rng = random.Random(400)
    industries = {i.name: i for i in Industry.objects.all()}
    used = set(Enterprise.objects.values_list("name", flat=True))
    pool = []
    for _ in range(330):
        name = _company(rng, used)
        pool.append(enterprise_create(actor=None, name=name, credit_code=random_credit_code(rng),
                                      city=name[:2], industry=industries[_industry(rng)]))
    leads = []
    for i, ent in enumerate(pool[:298]):
        office = offices[i % 4]
        lead = inv.lead_create(actor=None, unit=office, enterprise=ent, title=f"{ent.name[3:-4]}投资意向",
                               source=Lead.Source.FIELD_OFFICE, source_unit=office, industry=ent.industry,
                               intended_investment=Decimal(rng.randrange(3_000, 60_000, 500)),
                               registered_on=_date_in(rng, date(2023, 1, 10), DEMO_END))
        status = rng.choices(["following", "new", "shelved", "lost"], [6, 2, 1, 1])[0]
        if status != "new":
            inv.lead_transition(lead=lead, to="following", actor=None)
            if status in ("shelved", "lost"):
                inv.lead_transition(lead=lead, to=status, actor=None,
                                    reason=rng.choice(["企业投资计划调整", "用地需求无法满足", "选择其他地区落户"]))
        leads.append(lead)
    for i in range(420):
        office = offices[i % 4]
        met = [pool[i % len(pool)]] + ([pool[(i * 7 + 3) % len(pool)]] if i < 10 else [])
        day = _date_in(rng, date(2023, 1, 5), DEMO_END)
        inv.activity_create(actor=None, unit=office, kind=Activity.Kind.OUTBOUND, date=day,
                            title=f"{office.name[1:3]}走访{met[0].name[3:-4]}", city=office.name[1:3],
                            enterprises=met, leads=[leads[i % len(leads)]] if i < len(leads) else [])


def load_pipeline(units, accounts):
    """Leads in the pipeline for the journeys: an open 礼乐街道 lead (the duplicate the 驻深圳 officer
    will meet), four scored leads on an admission review meeting, one of them vetoed."""
    if Lead.objects.filter(unit=units["440704003000"], title="智能家电核心部件生产项目").exists():
        return
    rng = random.Random(7)
    industries = {i.name: i for i in Industry.objects.all()}
    lile, center = units["440704003000"], units["JH-B08"]
    ent = enterprise_create(actor=None, name="深圳市鹏瑞智能家电有限公司", credit_code=random_credit_code(rng),
                            city="深圳", industry=industries["智能家电"])
    lead = inv.lead_create(actor=None, unit=lile, enterprise=ent, title="智能家电核心部件生产项目",
                           source=Lead.Source.BUSINESS, industry=ent.industry, intended_investment=Decimal(35000),
                           land_need_mu=Decimal(60), registered_on=date(2024, 3, 4))
    inv.lead_transition(lead=lead, to="following", actor=None)

    evaluators = [accounts["tzcj"], accounts["tzcj_ps"]]
    criteria = list(EvalCriterion.objects.all())
    veto = VetoItem.objects.get(code="V02")
    meeting = inv.meeting_create(actor=None, unit=units["440704000000"], date=date(2024, 3, 20),
                                 title="2024年第一次招商项目准入联席评审会", place="区行政中心5楼会议室",
                                 participants=[center, units["JH-B03"], units["JH-B09"], units["JH-B04"]],
                                 chair="区投资促进中心主任")
    specs = [("广州市粤华新材高分子材料项目", "前沿新材料", 0.86, False, "pass"),
             ("东莞市恒达精密数控装备项目", "高端装备制造", 0.74, False, "conditional"),
             ("佛山市中信应急装备产业园", "安全应急产业", 0.66, False, None),
             ("深圳市鑫隆电镀表面处理项目", "其他", 0.78, True, "reject")]
    for title, industry, level, vetoed, decision in specs:
        e = enterprise_create(actor=None, name=title[:-2].replace("项目", "") + "有限公司" if not title.endswith("园")
                              else title[:-3] + "有限公司", credit_code=random_credit_code(rng), city=title[:2],
                              industry=industries[industry])
        lead = inv.lead_create(actor=None, unit=center, enterprise=e, title=title, source=Lead.Source.EXPO,
                               industry=e.industry, intended_investment=Decimal(rng.randrange(15_000, 80_000, 1000)),
                               land_need_mu=Decimal(rng.randrange(20, 120)), registered_on=date(2024, 2, 1))
        inv.lead_transition(lead=lead, to="following", actor=None)
        for k, ev in enumerate(evaluators):
            scores = {c: min(c.max_points, round(c.max_points * (level + (0.04 if k else -0.02)) * 2) / 2)
                      for c in criteria}
            inv.evaluation_submit(lead=lead, evaluator=ev, scores=scores, vetoes=[veto] if vetoed and k == 0 else [],
                                  comment="", on=date(2024, 3, 12))
        item = inv.meeting_add_lead(meeting=meeting, lead=lead, actor=None)
        if decision:
            inv.review_decide(item=item, decision=decision, actor=None,
                              conditions="投产后三年内亩均税收不低于30万元" if decision == "conditional" else "",
                              notes="")
    inv.meeting_update(meeting=meeting, actor=None, held=True,
                       minutes="会议听取了4个项目的情况汇报及六好评价结果，经参会单位充分讨论，形成评审意见如下。")


def load_investment():
    units = {u.code: u for u in OrgUnit.objects.all()}
    accounts = {u.username: u for u in User.objects.all()}
    load_projects(units)
    load_targets(units)
    load_field_offices(units)
    load_pipeline(units, accounts)
