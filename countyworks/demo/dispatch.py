"""The Jianghai dispatch demo: the weekly greening report of the "乡村绿化百日攻坚行动" from
18 villages and communities (weeks 8–15 of 2024), whose sums to the end of March are the seed's
figures (1998 training attendances, 497 sages visited, 2015 party members, 5438 seedlings
secured, 3732 trees planted); some weeks late, one missing, one returned; key tasks with
leaders in charge; and the published March-2024 bulletins.

The submission timestamps are back-dated to 2024 after saving through the services (the
services stamp "now"), so that on-time and late reports look as they did then."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from countyworks.core.models import OrgUnit, Person, User
from countyworks.core.services import person_create
from countyworks.dispatch import services as svc
from countyworks.dispatch.models import ReportForm, Submission, Task
from countyworks.reporting import services as reporting_svc
from countyworks.reporting.models import Bulletin

GREENING_FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True},
    {"code": "training", "label": "培训人次", "unit": "人次", "required": True},
    {"code": "sages_visited", "label": "走访乡贤", "unit": "人", "required": True},
    {"code": "party_members", "label": "参与“五带头”党员", "unit": "人", "required": True},
    {"code": "meetings", "label": "座谈会", "unit": "场", "required": True},
]
RULES = [{"type": "cumulative_lte", "left": "trees_planted", "right": "seedlings_secured",
          "message": "累计已植树不能超过累计已落实苗木"}]
DEMO_DAY = date(2024, 3, 29)  # the platform's today in the demo (COUNTYWORKS_TODAY)
MARCH_TOTALS = {"seedlings_secured": 5438, "trees_planted": 3732, "training": 1998, "sages_visited": 497,
                "party_members": 2015}
UNIT_CODES = ["440704001001", "440704001002", "440704001003", "440704001201", "440704002001", "440704002002",
              "440704002003", "440704002201", "440704002202", "440704002203", "440704003001", "440704003201",
              "440704003202", "440704003203", "440704003204", "440704003205", "440704003206"]
WEEKS = [date(2024, 2, 19) + timedelta(days=7 * k) for k in range(6)]  # W08 … W13: the demo lives on 2024-03-29
MARCH_WEEKS = WEEKS[:6]
MISSING = ("440704003202", date(2024, 3, 25))  # 英南村 forgot week 13
RETURNED = ("440704003203", date(2024, 3, 25))  # 威东村 week 13: first returned, then corrected and resubmitted
LATE = {("440704002002", date(2024, 3, 4)), ("440704001201", date(2024, 3, 11)), ("440704003206", date(2024, 3, 18))}


def _allocate(total, weights):
    """Split an integer total over weights exactly (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def plan():
    """{(unit code, week): figures} with the March sums equal to the seed's figures."""
    rng = random.Random(5438)
    cells = [(u, w) for u in UNIT_CODES for w in MARCH_WEEKS if (u, w) != MISSING]
    figures = {c: {} for c in cells}
    unit_w = {u: rng.uniform(0.6, 1.6) for u in UNIT_CODES}
    week_w = {w: 1.0 + 0.15 * i for i, w in enumerate(MARCH_WEEKS)}
    weights = [unit_w[u] * week_w[w] * rng.uniform(0.85, 1.15) for u, w in cells]
    for code in ("seedlings_secured", "training", "sages_visited", "party_members"):
        for c, v in zip(cells, _allocate(MARCH_TOTALS[code], weights), strict=True):
            figures[c][code] = v
    # trees follow each unit's seedlings with a lag so that cumulative trees ≤ cumulative seedlings
    ratio = MARCH_TOTALS["trees_planted"] / MARCH_TOTALS["seedlings_secured"]
    trees = {c: int(figures[c]["seedlings_secured"] * ratio) for c in cells}
    short = MARCH_TOTALS["trees_planted"] - sum(trees.values())
    by_unit_last = {}
    for u, w in cells:
        by_unit_last[u] = (u, w)
    for i, c in enumerate(sorted(by_unit_last.values())):
        if i < short:
            trees[c] += 1
    short = MARCH_TOTALS["trees_planted"] - sum(trees.values())
    for c in cells:  # anything left goes where seedlings leave room
        if short <= 0:
            break
        room = figures[c]["seedlings_secured"] - trees[c]
        add = min(room, short)
        trees[c] += add
        short -= add
    for c in cells:
        figures[c]["trees_planted"] = trees[c]
        figures[c]["meetings"] = 1 if c[1] == MARCH_WEEKS[0] else rng.choice([0, 0, 1])
    return figures


def load_greening(units, users):
    if ReportForm.objects.filter(code="greening").exists():
        return ReportForm.objects.get(code="greening")
    form = ReportForm.objects.create(code="greening", name="乡村绿化周报", programme="rural", owner=units["JH-B02"],
                                     fields=GREENING_FIELDS, rules=RULES, start_date=WEEKS[0], end_date=date(2024, 5, 31))
    form.units.set([units[c] for c in UNIT_CODES])
    operators = {"440704003201": users["xiangqian"], "440704003202": users["yingnan"], "440704002001": users["jinxi"]}
    for (code, week), figs in sorted(plan().items(), key=lambda kv: kv[0][1]):
        unit = units[code]
        sub = svc.submission_save(form=form, unit=unit, week_start=week, figures=figs, actor=operators.get(code),
                                  text=f"{unit.name}本周组织群众植树，落实苗木{figs['seedlings_secured']}株。", confirm=True)
        due = form.due_at(week)
        at = due + timedelta(hours=20) if (code, week) in LATE else due - timedelta(hours=3 + int(code[-3:]) % 40)
        Submission.objects.filter(pk=sub.pk).update(first_submitted_at=at, submitted_at=at)
        if (code, week) == RETURNED:
            continue  # reviewed below: returned once, then corrected
        if week in MARCH_WEEKS:
            reviewer = users["lile_sh"] if code.startswith("440704003") else users["nyj"]
            svc.submission_review(submission=sub, actor=reviewer, approve=True)
            Submission.objects.filter(pk=sub.pk).update(reviewed_at=at + timedelta(days=1))
    # 威东村 week 13: first sent with a wrong seedling count, returned by the 礼乐街道 reviewer with a
    # reason, then corrected and resubmitted (waiting for review: the reviewer's journey)
    code, week = RETURNED
    right = plan()[RETURNED]
    wrong = {**right, "seedlings_secured": right["seedlings_secured"] + 100}
    sub = Submission.objects.get(form=form, unit=units[code], week_start=week)
    sub = svc.submission_save(form=form, unit=units[code], week_start=week, actor=None, confirm=True,
                              figures=wrong, text="本周植树。")
    svc.submission_review(submission=sub, actor=users["lile_sh"], approve=False,
                          reason="已落实苗木数与村里台账不符，请核实后重新报送")
    svc.submission_save(form=form, unit=units[code], week_start=week, actor=None, confirm=True, figures=right,
                        text="已按村台账更正已落实苗木数。")
    return form


def load_tasks(units, users):
    if Task.objects.exists():
        return
    district = units["440704000000"]
    people = {}
    for name, post, account in (("郑丹辉", "区委副书记、区长", users["quzhang"]),
                                ("谭金玲", "副区长、市公安局江海分局局长", None)):
        people[name] = Person.objects.filter(name=name, unit=district).first() or person_create(
            actor=None, name=name, post=post, unit=district, user=account)
    leaders = {"investment": people["郑丹辉"], "rural": people["谭金玲"], "safety": people["郑丹辉"]}
    specs = [
        ("investment", "一季度引进亿元以上产业项目不少于15个", "JH-B08", "亿元以上项目数", 15, 15, date(2024, 3, 31), "done"),
        ("investment", "完成驻点招商办事处年度外出招商活动100次", "JH-F01", "外出招商活动(次)", 100, 46, date(2024, 12, 31), "open"),
        ("rural", "全面完成村庄绿化示意图编制", "440704003000", "完成村数", 7, 6, date(2024, 3, 15), "open"),
        ("rural", "完成“乡村绿化百日攻坚行动”植树任务", "440704002000", "植树(株)", 2000, 1450, date(2024, 5, 31), "open"),
        ("rural", "建立网格化管护机制全覆盖", "440704001000", "覆盖村(社区)数", 4, 4, date(2024, 3, 10), "done"),
        ("safety", "节后复工复产安全大检查全覆盖", "JH-B04", "检查对象(个)", 120, 96, date(2024, 3, 20), "open"),
    ]
    for programme, title, code, indicator, target, progress, deadline, status in specs:
        t = svc.task_create(actor=None, programme=programme, title=title, unit=units[code], deadline=deadline,
                            leader=leaders[programme], indicator=indicator, target=Decimal(target), progress=Decimal(progress))
        if status == "done":
            svc.task_update(task=t, actor=None, status="done", done_date=deadline - timedelta(days=2))


def load_bulletins(units, users):
    if Bulletin.objects.filter(period="2024-03", status=Bulletin.Status.PUBLISHED).exists():
        return
    district = units["440704000000"]
    for programme, issuer, prefix in (("all", "江海区“百千万工程”指挥部办公室", "江海百千万办"),
                                      ("investment", "江海区投资促进中心", "江海投促"),
                                      ("rural", "江海区农业农村和水利局", "江海农水")):
        reporting_svc.bulletin_setting_save(actor=None, unit=district, programme=programme, issuer=issuer,
                                            masthead=issuer, doc_prefix=prefix)
    for programme, user, number in (("all", users["nyj"], "江海百千万办〔2024〕3号"),
                                    ("investment", users["tzcj"], "江海投促〔2024〕3号")):
        b = reporting_svc.bulletin_create(programme=programme, period="2024-03", unit=district, actor=user,
                                issue_date=DEMO_DAY, doc_number=number)
        reporting_svc.bulletin_publish(bulletin=b, actor=user)
        stamp = timezone.make_aware(datetime.combine(DEMO_DAY, time(10, 0)))
        Bulletin.objects.filter(pk=b.pk).update(built_at=stamp, published_at=stamp)


def load_dispatch():
    units = {u.code: u for u in OrgUnit.objects.all()}
    users = {u.username: u for u in User.objects.all()}
    load_greening(units, users)
    load_tasks(units, users)
    load_bulletins(units, users)
