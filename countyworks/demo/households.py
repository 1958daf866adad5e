"""The Jianghai households demo (防止返贫监测): about 300 fictitious rural households across the
district's villages, with members whose ID numbers are synthetic (region 440704, random birth
date and sequence, valid GB 11643 check digit — generated, never real people), phones from the
139-0000 test range, incomes of the last two full years against the monitoring lines, risk
factors, measures, visits, and procedures: some households monitored, some in the
identification procedure (one past the 15-day limit), some with their risk eliminated.

Dates are relative to the platform's today at load time, so the clocks make sense whenever the
demo is loaded. Seeded and idempotent: loading twice adds nothing."""

import random
from datetime import timedelta
from decimal import Decimal

from django.test.utils import override_settings

from countyworks.core import clock
from countyworks.core.identifiers import random_id_number
from countyworks.core.models import OrgUnit, User
from countyworks.households import services as hs
from countyworks.households.models import Household, Member, MonitoringLine

SURNAMES = "陈李黄梁吴何林张罗郑谢冯邓许钟叶卢彭潘苏蔡区"
GIVEN = ["伟强", "志明", "桂英", "秀珍", "国华", "建平", "丽娟", "文辉", "少芬", "永康", "淑贞", "锦荣",
         "惠玲", "家豪", "美玲", "振华", "玉兰", "炳坤", "月娥", "德成"]
HOUSEHOLDS_PER_VILLAGE = 30


def _user(name):
    return User.objects.filter(username=name).first()


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _unique_id(rng, used):
    while True:
        idn = random_id_number(rng)
        if idn not in used:
            used.add(idn)
            return idn


def _on(day):
    return override_settings(COUNTYWORKS_TODAY=day.isoformat())


def _identify(case, actors, start, *, to="confirm"):
    """Walk a procedure through its steps on plausible days (the 5-day notice kept)."""
    op, rev, man = actors
    day = start
    for name in ("verify", "consent", "compare", "deliberate", "publish"):
        with _on(day):
            hs.identification_move(actor=op, case=case, name=name)
        if name == to:
            return
        day += timedelta(days=1)
    day += timedelta(days=5)
    with _on(day):
        hs.identification_move(actor=rev, case=case, name="town_review")
    if to == "town_review":
        return
    day += timedelta(days=2)
    with _on(day):
        hs.identification_move(actor=man, case=case, name="confirm")


def load_households():
    if Household.objects.exists():
        return
    rng = random.Random(20240320)
    today = clock.today()
    y1, y2 = today.year - 1, today.year - 2
    manager = _user("nyj")
    MonitoringLine.objects.get_or_create(year=y2, defaults={"amount": Decimal("7200"), "note": "省定监测线（演示）"})
    MonitoringLine.objects.get_or_create(year=y1, defaults={"amount": Decimal("7600"), "note": "省定监测线（演示）"})
    operators = {"向前村": _user("xiangqian"), "英南村": _user("yingnan")}
    reviewer = _user("lile_sh")
    villages = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.VILLAGE, code__startswith="440704").order_by("code"))
    phone_seq = 0
    used = set()
    overdue_done = False
    for village in villages:
        op = operators.get(village.name)
        actors = (op, reviewer if op else None, manager if op else None)
        for i in range(HOUSEHOLDS_PER_VILLAGE):
            phone_seq += 1
            head = _unique_id(rng, used)
            h = hs.household_create(
                actor=op, unit=village, head_name=_name(rng), head_id_number=head,
                phone=f"1390000{phone_seq:04d}", bank_account=f"62220200{rng.randrange(10**8):08d}",
                bank_name="江门农商银行", address=f"第{rng.randint(1, 8)}村民小组",
                category=rng.choice(["lifted", "lifted", "ordinary", "ordinary", "ordinary"]),
                channel=rng.choice(["self", "cadre", "cadre", "department"]),
                head_health="高血压" if rng.random() < 0.2 else "")
            for relation in rng.sample(["spouse", "child", "child", "parent"], rng.randint(1, 3)):
                hs.member_add(actor=op, household=h, name=_name(rng), relation=relation,
                              id_number=_unique_id(rng, used), working=rng.random() < 0.5)
            base = Decimal(rng.randint(6000, 16000))
            roll = rng.random()
            if roll < 0.12:  # poor last year: below the line
                base = Decimal(rng.randint(5200, 7500))
            hs.income_set(actor=op, household=h, year=y2, per_capita=(base * Decimal("0.94")).quantize(Decimal("1")))
            hs.income_set(actor=op, household=h, year=y1, per_capita=base)
            risky = rng.random() < 0.10
            if risky:
                kind = rng.choice(["illness", "disability", "disaster", "accident", "education", "jobloss"])
                hs.risk_add(actor=op, household=h, kind=kind, occurred_on=today - timedelta(days=rng.randint(20, 200)),
                            amount=Decimal(rng.randint(5, 80) * 1000), detail="演示：具体情况已加密保存")
            h.refresh_from_db()
            if i < 6 or (h.at_risk and i < 14):
                # an identification procedure: most confirmed long ago, some still running
                started = today - timedelta(days=rng.randint(40, 300)) if i < 5 else today - timedelta(days=rng.randint(1, 8))
                if not overdue_done and op is not None and i == 5:
                    started, overdue_done = today - timedelta(days=19), True
                with _on(started):
                    case = hs.identification_start(actor=op, household=h, reason="收入低于监测线或存在风险（演示）",
                                                   proposed_category=rng.choice(Household.MONITORED_CATEGORIES))
                if i < 5:
                    _identify(case, actors, started)
                    hs.measure_add(actor=op, household=h, kind=rng.choice(["industry", "employment", "medical",
                                                                           "education", "safety_net"]),
                                   description="落实帮扶措施（演示）", cadre=_name(rng) + "（村干部）",
                                   started_on=started + timedelta(days=15), result="")
                    hs.visit_add(actor=op, household=h, visited_on=today - timedelta(days=rng.randint(1, 30)),
                                 visitor=_name(rng), notes="入户走访，了解生产生活情况（演示）")
                else:
                    steps = ["verify", "consent", "compare", "deliberate", "publish"]
                    _identify(case, actors, started, to=steps[min((today - started).days, 4)])
    # a few monitored households whose risk has been eliminated: income above the line, risks resolved
    for h in Household.objects.filter(status="monitored", at_risk=False, incomes__year=y1,
                                      incomes__per_capita__gt=Decimal("9000")).order_by("code")[:12]:
        if h.risks.filter(resolved_on__isnull=True).exists():
            continue
        op = operators.get(h.unit.name)
        start = today - timedelta(days=30)
        with _on(start):
            case = hs.elimination_start(actor=op, household=h, reason="收入持续稳定高于监测线，风险已消除（演示）")
            hs.elimination_move(actor=op, case=case, name="verify")
        with _on(start + timedelta(days=1)):
            hs.elimination_move(actor=op, case=case, name="publish")
        with _on(start + timedelta(days=7)):
            hs.elimination_move(actor=reviewer if op else None, case=case, name="town_review")
        with _on(start + timedelta(days=9)):
            hs.elimination_move(actor=manager if op else None, case=case, name="confirm")
    return Member.objects.count()
