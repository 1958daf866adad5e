"""The Jianghai rural demo (百千万工程): the weekly greening report of the "乡村绿化百日攻坚行动"
with each figure's aggregation type (乡贤 and 党员 reported as cumulative-to-date values, so their
totals to the end of March are the latest values, summed over villages: 497 and 2015; the week's
own figures sum to 1998 / 5438 / 3732 — the seed's figures), a work plan with its greening map and
maintenance grids for every village and community, the typical villages and towns, the women's
federation planting day (60 volunteers, 40 铁冬青 at 白水带茶花园, counted once: inside 白水带村's
weekly report of that week) and a points ledger for 向前村.

Loaded before the dispatch demo (whose load_greening then finds the form and leaves it alone).
The weekly figures are those of demo.dispatch.plan(), with 乡贤/党员 turned into running totals."""

import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from countyworks.core.models import OrgUnit, User
from countyworks.dispatch import services as dsvc
from countyworks.dispatch.models import ReportForm, Submission
from countyworks.rural import selectors
from countyworks.rural import services as svc
from countyworks.rural.flows import PLAN
from countyworks.rural.models import (
    VILLAGE_KINDS,
    CampaignEvent,
    Designation,
    DesignationLevel,
    GreeningPlan,
    PointRule,
    Villager,
)

from . import dispatch as ddemo

LATEST_CODES = [f["code"] for f in selectors.DEFAULT_FIELDS if f["aggregation"] == selectors.LATEST]
BAISHUIDAI = "440704001201"
EVENT_DAY = date(2024, 3, 7)  # “三八”国际妇女节到来之际
PROVINCIAL = ["440704003201", "440704003202", "440704003203", "440704001201", "440704002201", "440704002202",
              "440704002203"]  # 7 省级首批典型村
CITY_TOWNS = ["440704003000", "440704002000"]  # 2 市级典型镇
SPECIES = ["铁冬青、樟树", "黄花风铃木、红花紫荆", "樟树、秋枫", "铁冬青、宫粉紫荆", "木棉、细叶榕"]
PARTY = ["陈志强", "李秀英", "黄国平", "梁少华", "吴桂芳", "何伟明", "谭丽娟", "区永康", "莫振华", "冯玉兰"]


def _png(seed, w=240, h=160):
    """A small greening-map picture (blocks of green on a pale ground), made here, not shipped."""
    rows = []
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            block = ((x // 40) + (y // 40) + seed) % 3
            row += bytes((60, 150 + 30 * block, 70) if (x // 20 + y // 20 + seed) % 4 == 0 else (235, 242, 228))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def weekly_figures():
    """demo.dispatch.plan() with 乡贤/党员 as running totals per village (what a village reports for
    a "latest value" figure), and 白水带村's weeks 10 and 11 trees swapped so that the week of the
    women's federation day holds its 40 trees (the sums are unchanged)."""
    figures = ddemo.plan()
    a, b = (BAISHUIDAI, date(2024, 3, 4)), (BAISHUIDAI, date(2024, 3, 11))
    figures[a]["trees_planted"], figures[b]["trees_planted"] = figures[b]["trees_planted"], figures[a]["trees_planted"]
    running = {}
    for (code, week) in sorted(figures, key=lambda k: (k[0], k[1])):
        f = figures[(code, week)]
        for c in LATEST_CODES:
            running[(code, c)] = running.get((code, c), 0) + f[c]
            f[c] = running[(code, c)]
    return figures, running


def load_form(units, users):
    form = ReportForm.objects.filter(code=selectors.GREENING_FORM).first()
    if form is not None and Submission.objects.filter(form=form).exists():
        return form, False
    attrs = {"name": "乡村绿化周报", "programme": "rural", "owner": units["JH-B02"],
             "fields": [dict(f) for f in selectors.DEFAULT_FIELDS], "rules": [dict(r) for r in selectors.DEFAULT_RULES],
             "start_date": ddemo.WEEKS[0], "end_date": date(2024, 5, 31)}
    if form is None:
        form = ReportForm.objects.create(code=selectors.GREENING_FORM, **attrs)
    else:  # the default form of the data migration, still without data
        ReportForm.objects.filter(pk=form.pk).update(**attrs)
        form.refresh_from_db()
    form.units.set([units[c] for c in ddemo.UNIT_CODES])
    return form, True


def load_reports(form, units, users):
    figures, running = weekly_figures()
    operators = {"440704003201": users["xiangqian"], "440704003202": users["yingnan"], "440704002001": users["jinxi"]}
    for (code, week), figs in sorted(figures.items(), key=lambda kv: kv[0][1]):
        unit = units[code]
        sub = dsvc.submission_save(form=form, unit=unit, week_start=week, figures=figs, actor=operators.get(code),
                                   text=f"{unit.name}本周组织群众植树，落实苗木{figs['seedlings_secured']}株。", confirm=True)
        due = form.due_at(week)
        at = due + timedelta(hours=20) if (code, week) in ddemo.LATE else due - timedelta(hours=3 + int(code[-3:]) % 40)
        Submission.objects.filter(pk=sub.pk).update(first_submitted_at=at, submitted_at=at)
        if (code, week) == ddemo.RETURNED:
            continue  # reviewed below: returned once, then corrected
        if week in ddemo.MARCH_WEEKS:
            reviewer = users["lile_sh"] if code.startswith("440704003") else users["nyj"]
            dsvc.submission_review(submission=sub, actor=reviewer, approve=True)
            Submission.objects.filter(pk=sub.pk).update(reviewed_at=at + timedelta(days=1))
    # 威东村 week 13: first sent with a wrong seedling count, returned by the 礼乐街道 reviewer with a
    # reason, then corrected and resubmitted (waiting for review: the reviewer's journey)
    code, week = ddemo.RETURNED
    right = figures[(code, week)]
    wrong = {**right, "seedlings_secured": right["seedlings_secured"] + 100}
    sub = dsvc.submission_save(form=form, unit=units[code], week_start=week, actor=None, confirm=True, figures=wrong,
                               text="本周植树。")
    dsvc.submission_review(submission=sub, actor=users["lile_sh"], approve=False,
                           reason="已落实苗木数与村里台账不符，请核实后重新报送")
    dsvc.submission_save(form=form, unit=units[code], week_start=week, actor=None, confirm=True, figures=right,
                         text="已按村台账更正已落实苗木数。")


def load_plans_and_grids(units, users, villages):
    operators = {"440704003201": users["xiangqian"], "440704003202": users["yingnan"], "440704002001": users["jinxi"]}
    march_end = date(2024, 3, 31)
    for i, v in enumerate(villages):
        if GreeningPlan.objects.filter(unit=v, year=2024).exists():
            continue
        s = selectors.greening_stats(unit=v, through=date(2024, 5, 31), children=False)
        seedlings = int(s["seedlings_secured"] * 1.3) // 10 * 10 + 10
        trees = int(seedlings * 0.8) // 10 * 10
        plan = svc.plan_create(actor=operators.get(v.code) or users["nyj"], unit=v, year=2024,
                               seedlings_planned=seedlings, trees_planned=trees, species=SPECIES[i % len(SPECIES)],
                               meeting_date=date(2024, 2, 20 + i % 8),
                               note="抢抓2—5月植树“黄金期”，党员责任岗分片包干管护。")
        svc.plan_map_add(actor=operators.get(v.code) or users["nyj"], plan=plan,
                         upload=SimpleUploadedFile(f"{v.name}绿化示意图.png", _png(i), content_type="image/png"))
        PLAN.apply(plan, "submit", actor=operators.get(v.code), check=False)
        approver = users["lile_sh"] if v.code.startswith("440704003") else users["nyj"]
        PLAN.apply(plan, "approve", actor=approver, check=False)
        planted = int(selectors.greening_stats(unit=v, through=march_end, children=False)["trees_planted"])
        n = 2 if planted < 150 else 3
        for g in range(n):
            grid = svc.grid_create(actor=None, unit=v, name=f"第{'一二三'[g]}网格", party_member=PARTY[(i + g) % len(PARTY)],
                                   trees_in_care=planted // n + (planted % n if g == 0 else 0),
                                   area=f"{v.name}{['村道两侧', '文化广场周边', '河涌沿岸'][g]}")
            if grid.trees_in_care:
                svc.check_create(actor=None, grid=grid, date=date(2024, 3, 20 + g), watered=grid.trees_in_care,
                                 lost=(i + g) % 3, replanted=(i + g) % 2, note="浇水护苗，扶正歪斜苗木")


def load_typical(units):
    svc.ensure_default_levels()
    levels = {lv.name: lv for lv in DesignationLevel.objects.all()}
    leaders = ["区委副书记", "区人大常委会副主任", "副区长", "区政协副主席", "区委常委、组织部部长"]

    def designate(code, level, year, day):
        unit = units[code]
        d = Designation.objects.filter(unit=unit, level=levels[level]).first()
        if d is None:
            d = svc.designation_create(actor=None, unit=unit, level=levels[level], year=year, designated_on=day)
        return d

    villages = [u for u in OrgUnit.objects.filter(kind__in=VILLAGE_KINDS, code__startswith="440704").order_by("code")]
    for i, v in enumerate(villages):  # every village and community a 市级典型村 (2022–2023) …
        designate(v.code, "市级典型村", 2022 + i % 2, date(2022 + i % 2, 6, 30))
    for i, code in enumerate(PROVINCIAL):  # … seven of them promoted to 省级首批典型村 in 2023
        d = designate(code, "省级首批典型村", 2023, date(2023, 9, 15))
        if not d.tasks.exists():
            svc.task_create(actor=None, designation=d, title="打造“美丽庭院”示范户", indicator="户", target=Decimal(30),
                            progress=Decimal(12 + 3 * i), deadline=date(2024, 6, 30), leader=leaders[i % len(leaders)])
            svc.task_create(actor=None, designation=d, title="村道绿化美化", indicator="公里", target=Decimal(3),
                            progress=Decimal(1 + i % 3), deadline=date(2024, 3, 31), leader=leaders[(i + 1) % len(leaders)])
    for code in CITY_TOWNS:
        d = designate(code, "市级典型镇", 2023, date(2023, 12, 20))
        if not d.tasks.exists():
            svc.task_create(actor=None, designation=d, title="镇域乡村绿化全覆盖", indicator="村（社区）",
                            target=Decimal(7 if code == "440704003000" else 6), progress=Decimal(5),
                            deadline=date(2024, 5, 31), leader="副区长")


def load_event(units):
    if CampaignEvent.objects.filter(title="同植幸福树 共建绿美家").exists():
        return
    unit = units[BAISHUIDAI]
    report = Submission.objects.get(form__code=selectors.GREENING_FORM, unit=unit, week_start=date(2024, 3, 4))
    svc.event_create(actor=None, title="同植幸福树 共建绿美家", organiser=units["JH-B05"], unit=unit, place="白水带茶花园",
                     date=EVENT_DAY, volunteers=60, species=[("铁冬青", 40)], report=report,
                     note="区妇联组织女企业家代表、机关、公安、街道、村（社区）等60名巾帼志愿者，响应“我在江海种棵树”倡议。")


def load_points(units, users):
    unit = units["440704003201"]
    if Villager.objects.filter(unit=unit).exists():
        return
    op = users["xiangqian"]
    rules = {
        "plant": svc.rule_create(actor=None, unit=unit, name="植树每株", activity=PointRule.Activity.PLANTING, points=1),
        "upkeep": svc.rule_create(actor=None, unit=unit, name="认领管护每天", activity=PointRule.Activity.UPKEEP, points=2),
        "campaign": svc.rule_create(actor=None, unit=unit, name="参加植树活动每次", activity=PointRule.Activity.CAMPAIGN,
                                    points=5),
    }
    people = [("黄伯", "13702201001"), ("陈姨", "13702201002"), ("李叔", "13702201003"), ("梁婶", "13702201004"),
              ("何大哥", "13702201005"), ("谭阿婆", "13702201006"), ("区姐", "13702201007"), ("莫伯", "13702201008")]
    for i, (name, phone) in enumerate(people):
        v = svc.villager_create(actor=op, unit=unit, name=name, phone=phone)
        svc.points_earn(actor=op, villager=v, rule=rules["campaign"], quantity=1, date=date(2024, 2, 24))
        svc.points_earn(actor=op, villager=v, rule=rules["plant"], quantity=4 + 3 * i, date=date(2024, 3, 2))
        svc.points_earn(actor=op, villager=v, rule=rules["upkeep"], quantity=2 + i % 4, date=date(2024, 3, 16))
        if i % 3 == 0:
            svc.points_redeem(actor=op, villager=v, points=10, date=date(2024, 3, 28), reason="兑换洗衣液一瓶")
        if i == 4:  # a wrong line, corrected by a reversing entry
            wrong = svc.points_earn(actor=op, villager=v, rule=rules["plant"], quantity=30, date=date(2024, 3, 9))
            svc.points_reverse(actor=op, entry=wrong, reason="株数误录，实际为本村集体植树")


def load_rural():
    units = {u.code: u for u in OrgUnit.objects.all()}
    users = {u.username: u for u in User.objects.all()}
    form, fresh = load_form(units, users)
    if fresh:
        load_reports(form, units, users)
    villages = list(OrgUnit.objects.filter(kind__in=VILLAGE_KINDS, code__startswith="440704").order_by("code"))
    load_plans_and_grids(units, users, villages)
    load_typical(units)
    load_event(units)
    load_points(units, users)

