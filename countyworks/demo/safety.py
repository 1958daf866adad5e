"""The Jianghai safety demo: the post-holiday campaign of the 区住建局(交通局) (节后复工复产安全大检查,
8 专项督导检查组 over the seed's object categories) and its 电动自行车消防安全专项检查, objects in every
category, inspections made with the checklists, and hazards in every state of the flow — a few
overdue on the demo's day, one major hazard under 挂牌督办.

Every record is written through the safety services and the declared flow, each on its own day
(the platform's clock is pinned to that day while it is written), so histories, notice numbers
and closing dates read as they would have happened. Loading twice changes nothing: the campaign's
existence means the safety demo is loaded."""

import random
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from countyworks.core import services as core
from countyworks.core.identifiers import random_credit_code
from countyworks.core.models import Enterprise, OrgUnit, Programme, Role, RoleKind, User
from countyworks.safety import services
from countyworks.safety.models import Campaign, InspectedObject, ObjectCategory
from countyworks.safety.selectors import current_checklist
from countyworks.safety.workflows import HAZARD_FLOW

CAMPAIGN = "2024年节后复工复产安全大检查"
EBIKE_CAMPAIGN = "2024年电动自行车消防安全专项检查"
PASSWORD = "Jianghai@2024"
# a 1×1 PNG: the demo's photos (the attachment check reads the real PNG signature)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

W, L, J = "440704002000", "440704003000", "440704001000"  # 外海 / 礼乐 / 江南街道
# the post-holiday campaign: team n ↔ the n-th category of the seed's list
TEAM_CATEGORIES = ["房屋市政工程项目", "道路运输企业", "交通站场", "物业小区", "港口码头", "农村自建房(危房)",
                   "混凝土企业(搅拌站)", "养护道路"]
# (name, category, area code, address, responsible enterprise or None)
OBJECTS = [
    ("江海区安置房三期工程", "房屋市政工程项目", W, "外海街道金瓯路", "江门市江海建设工程有限公司"),
    ("礼乐污水处理厂扩建工程", "房屋市政工程项目", L, "礼乐街道威东村", "江门市礼乐水务建设有限公司"),
    ("东海路市政道路改造工程", "房屋市政工程项目", J, "江南街道东海路", "江门市东海市政工程有限公司"),
    ("江海汽车客运有限公司", "道路运输企业", J, "江南街道五邑路", "江门市江海汽车客运有限公司"),
    ("外海货运物流有限公司", "道路运输企业", W, "外海街道直冲工业区", "江门市外海货运物流有限公司"),
    ("江海客运站", "交通站场", J, "江南街道东海路12号", "江门市江海汽车客运有限公司"),
    ("外海公交总站", "交通站场", W, "外海街道中东西路", None),
    ("金溪花园", "物业小区", "440704002001", "外海街道金溪路8号", "江门市金溪物业服务有限公司"),
    ("礼乐新城", "物业小区", "440704003001", "礼乐街道乐华路", "江门市礼乐物业管理有限公司"),
    ("滘头雅苑", "物业小区", "440704001002", "江南街道滘头路", "江门市滘头物业服务有限公司"),
    ("江门高新港", "港口码头", W, "外海街道高新港区", "江门高新港务有限公司"),
    ("礼乐货运码头", "港口码头", L, "礼乐街道江边路", None),
    ("英南村自建房（李某宅）", "农村自建房(危房)", "440704003202", "礼乐街道英南村三巷", None),
    ("麻三村自建房（陈某宅）", "农村自建房(危房)", "440704002201", "外海街道麻三村", None),
    ("江海混凝土搅拌站", "混凝土企业(搅拌站)", W, "外海街道直冲村", "江门市江海混凝土有限公司"),
    ("礼乐建材搅拌站", "混凝土企业(搅拌站)", L, "礼乐街道丰盛村", "江门市礼乐建材有限公司"),
    ("江睦公路江海段", "养护道路", L, "礼乐街道", "江门市江海公路养护中心"),
    ("五邑路江海段", "养护道路", J, "江南街道", "江门市江海公路养护中心"),
    ("外海大桥", "通航桥梁", W, "外海街道西江", "江门市江海公路养护中心"),
    ("礼乐大桥", "通航桥梁", L, "礼乐街道", "江门市江海公路养护中心"),
    ("金溪花园电动自行车集中停放点", "电动自行车集中停放点", "440704002001", "金溪花园3栋旁", "江门市金溪物业服务有限公司"),
    ("石鹤利社区电动自行车停放点", "电动自行车集中停放点", "440704002002", "石鹤利社区文化广场旁", None),
    ("礼乐新城电动自行车停放点", "电动自行车集中停放点", "440704003001", "礼乐新城2期地面", "江门市礼乐物业管理有限公司"),
]
EXTRA_ACCOUNTS = [  # (username, full name, unit code, role unit code); team3 and team5 come with the org demo
    ("team3_li", "专项督导检查组第3组组员", "JH-T03", "JH-T03"),
    ("jinxi_wuye", "金溪物业服务有限公司", "440704002001", "440704002001"),
] + [(f"team{n}", f"专项督导检查组第{n}组", f"JH-T{n:02d}", f"JH-T{n:02d}") for n in (1, 2, 4, 6, 7, 8)]
# hazards of the demo, by (object, failed item seq, inspection day, team n, outcome)
# outcome: found / notified / rectifying / submitted / reopened / passed / closed; "major" marks a 重大隐患
HAZARDS = [
    ("江海区安置房三期工程", 3, date(2024, 2, 21), 1, "closed", False),
    ("江海区安置房三期工程", 4, date(2024, 2, 21), 1, "closed", False),
    ("礼乐污水处理厂扩建工程", 2, date(2024, 2, 23), 1, "rectifying", True),  # major, overdue → 挂牌督办
    ("东海路市政道路改造工程", 3, date(2024, 3, 20), 1, "notified", False),
    ("江海汽车客运有限公司", 1, date(2024, 2, 22), 2, "closed", False),
    ("外海货运物流有限公司", 3, date(2024, 3, 15), 2, "submitted", False),
    ("江海客运站", 2, date(2024, 2, 26), 3, "closed", False),
    ("外海公交总站", 4, date(2024, 3, 5), 3, "rectifying", False),  # overdue
    ("金溪花园", 1, date(2024, 2, 27), 4, "passed", False),
    ("礼乐新城", 3, date(2024, 3, 12), 4, "reopened", False),
    ("江门高新港", 2, date(2024, 2, 28), 5, "closed", False),
    ("礼乐货运码头", 4, date(2024, 3, 8), 5, "rectifying", False),  # overdue
    ("英南村自建房（李某宅）", 1, date(2024, 3, 1), 6, "rectifying", True),  # major, not yet overdue
    ("江海混凝土搅拌站", 2, date(2024, 3, 4), 7, "closed", False),
    ("礼乐建材搅拌站", 1, date(2024, 3, 25), 7, "found", False),
    ("江睦公路江海段", 3, date(2024, 3, 6), 8, "submitted", False),
]


# the hazards left overdue on the demo's day (2024-03-29); the others get a deadline past it
OVERDUE = {"礼乐污水处理厂扩建工程", "外海公交总站", "礼乐货运码头"}


def _deadline(name, day, days):
    return day + timedelta(days=days) if name in OVERDUE else max(day + timedelta(days=days), date(2024, 4, 3))


def _photo(name):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _on(day):
    return override_settings(COUNTYWORKS_TODAY=day.isoformat())


def _accounts(units):
    users = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in EXTRA_ACCOUNTS])}
    for username, full_name, unit_code, role_unit in EXTRA_ACCOUNTS:
        user = users.get(username)
        if user is None:
            user = core.user_create(actor=None, username=username, password=PASSWORD, full_name=full_name,
                                    unit=units[unit_code])
            users[username] = user
        if not Role.objects.filter(user=user, programme=Programme.SAFETY, unit=units[role_unit]).exists():
            core.role_grant(user=user, kind=RoleKind.OPERATOR, programme=Programme.SAFETY, unit=units[role_unit],
                            actor=None)
    return users


def _results(obj, failed, rng):
    out = []
    for it in current_checklist(obj.category).items.all():
        if it.seq in failed:
            out.append({"item": it.pk, "result": "fail", "note": "现场检查发现不符合要求",
                        "photos": [_photo(f"检查照片_{obj.pk}_{it.seq}.png")]})
        else:
            out.append({"item": it.pk, "result": "na" if rng.random() < 0.08 else "pass", "note": "", "photos": []})
    return out


def _follow_up(h, outcome, day, team_user, checker, area_user):
    """Move a hazard along the flow to `outcome`, each step a few days after the last: the team
    issues the notice, the responsible side (the area's account, else the team) rectifies, and
    someone else re-checks and closes."""
    if outcome == "found":
        return
    step = day + timedelta(days=1)
    with _on(step):
        HAZARD_FLOW.apply(h, "issue_notice", actor=team_user)
    if outcome == "notified":
        return
    rectifier = area_user or team_user
    step += timedelta(days=1)
    with _on(step):
        HAZARD_FLOW.apply(h, "start", actor=rectifier)
    if outcome == "rectifying":
        return
    step = max(step, min(h.deadline, step + timedelta(days=4)))
    with _on(step):
        services.hazard_submit_rectification(hazard=h, actor=rectifier, note="已按整改通知书要求整改完毕",
                                             photos=[_photo(f"整改后_{h.code}.png")])
    if outcome == "submitted":
        return
    step += timedelta(days=1)
    with _on(step):
        if outcome == "reopened":
            HAZARD_FLOW.apply(h, "recheck_fail", actor=checker, reason="复查发现整改不彻底，仍有问题")
            return
        HAZARD_FLOW.apply(h, "recheck_pass", actor=checker)
        if outcome == "closed":
            HAZARD_FLOW.apply(h, "close", actor=checker)


def load_safety():
    """Load the safety demo (once)."""
    if Campaign.objects.filter(name=CAMPAIGN).exists():
        return
    rng = random.Random(20240219)
    units = {u.code: u for u in OrgUnit.objects.all()}
    office = User.objects.get(username="zjj")
    users = _accounts(units)
    team_users = {n: User.objects.get(username=f"team{n}") for n in range(1, 9)}
    cats = {c.name: c for c in ObjectCategory.objects.all()}
    zjj = units["JH-B04"]
    teams = {n: units[f"JH-T{n:02d}"] for n in range(1, 9)}

    with _on(date(2024, 2, 18)):
        campaign = services.campaign_create(
            actor=office, name=CAMPAIGN, lead_bureau=zjj, start=date(2024, 2, 19), end=date(2024, 3, 31),
            categories=[cats[n] for n in TEAM_CATEGORIES],
            description="全面排查全行业领域安全隐患，压紧压实企业安全生产主体责任，确保节后安全有序复工复产。")
        ebike = services.campaign_create(
            actor=office, name=EBIKE_CAMPAIGN, lead_bureau=zjj, start=date(2024, 3, 1), end=date(2024, 4, 30),
            categories=[cats["电动自行车集中停放点"], cats["物业小区"]],
            description="督促物业服务企业设置电动自行车集中停放点，配齐消防设施，整治入楼入户停放和飞线充电。")
        objects = {}
        for name, cat, area, address, ent_name in OBJECTS:
            ent = None
            if ent_name:
                ent = Enterprise.objects.filter(name=ent_name).first() or core.enterprise_create(
                    actor=None, name=ent_name, credit_code=random_credit_code(rng), city="江门")
            objects[name] = InspectedObject.objects.filter(name=name, unit=units[area]).first() or \
                services.object_create(actor=office, name=name, category=cats[cat], unit=units[area],
                                       address=address, enterprise=ent,
                                       contact_name=rng.choice(["陈经理", "李主任", "黄站长", "梁先生", "吴女士"]))
        for n, team in teams.items():
            leader = team_users.get(n)
            members = [users["team3_li"]] if n == 3 else []
            named = [objects[o[0]] for o in OBJECTS if o[1] == TEAM_CATEGORIES[n - 1]]
            services.campaign_team_set(campaign=campaign, team=team, actor=office, leader=leader, members=members,
                                       objects=named)
        services.campaign_team_set(campaign=ebike, team=teams[3], actor=office, leader=team_users[3],
                                   members=[users["team3_li"]], areas=[units[W]])
        services.campaign_team_set(campaign=ebike, team=teams[5], actor=office, leader=team_users[5],
                                   areas=[units[L]])

    # every object of the campaign inspected once; the listed ones with a failed item
    failing = {(o, d): (seq, n, outcome, major) for o, seq, d, n, outcome, major in HAZARDS}
    by_object = {o: (d, seq, n, outcome, major) for (o, d), (seq, n, outcome, major) in failing.items()}
    day0 = date(2024, 2, 20)
    for i, (name, cat, _area, _addr, _ent) in enumerate(OBJECTS):
        if cat not in TEAM_CATEGORIES:
            continue
        obj = objects[name]
        n = TEAM_CATEGORIES.index(cat) + 1
        day, failed, outcome, major = day0 + timedelta(days=i % 9), (), None, False
        if name in by_object:
            day, seq, _n, outcome, major = by_object[name]
            failed = (seq,)
        actor = team_users[n]
        with _on(day):
            insp, _ = services.inspection_record(
                actor=actor, campaign=campaign, team=teams[n], object=obj, date=day,
                results=_results(obj, failed, rng), inspectors=f"{teams[n].name}检查人员",
                client_key=f"demo-{campaign.pk}-{obj.pk}", deadline=_deadline(name, day, 10))
        for h in insp.hazards.all():
            if major:
                h.level = "major"
                h.save(update_fields=["level"])
            area_user = users["jinxi_wuye"] if obj.unit.code == "440704002001" else None
            checker = users["team3_li"] if n == 3 else office
            _follow_up(h, outcome, day, actor, checker, area_user)

    # the e-bike campaign: team 3 at the 金溪 and 石鹤利 sites, team 5 in 礼乐
    for name, n, day, failed in [("金溪花园电动自行车集中停放点", 3, date(2024, 3, 18), (4,)),
                                 ("石鹤利社区电动自行车停放点", 3, date(2024, 3, 19), ()),
                                 ("礼乐新城电动自行车停放点", 5, date(2024, 3, 20), (3,))]:
        obj = objects[name]
        with _on(day):
            insp, _ = services.inspection_record(
                actor=team_users[n], campaign=ebike, team=teams[n], object=obj, date=day,
                results=_results(obj, failed, rng),
                inspectors=team_users[n].display_name, client_key=f"demo-{ebike.pk}-{obj.pk}",
                deadline=_deadline(name, day, 7))
        for h in insp.hazards.all():
            with _on(day):
                HAZARD_FLOW.apply(h, "issue_notice", actor=team_users[n])

    # bridges: routine inspections (日常检查) by team 8's bureau, no hazard
    routine = services.routine_campaign()
    for name in ("外海大桥", "礼乐大桥"):
        obj = objects[name]
        with _on(date(2024, 3, 12)):
            services.inspection_record(actor=office, campaign=routine, team=teams[8], object=obj,
                                       date=date(2024, 3, 12), results=_results(obj, (), rng),
                                       inspectors="区住建局(交通局)", client_key=f"demo-routine-{obj.pk}")

    # an extension granted, and the major overdue hazard escalated to 挂牌督办
    from countyworks.safety.models import Hazard

    late = Hazard.objects.filter(object__name="礼乐货运码头").first()
    if late is not None:
        with _on(date(2024, 3, 16)):
            ext = services.extension_request(hazard=late, actor=team_users[5], new_deadline=date(2024, 3, 25),
                                             reason="码头设施维修需等待潮位窗口")
            services.extension_decide(extension=ext, actor=office, approve=True, note="同意延期至3月25日")
    major = Hazard.objects.filter(object__name="礼乐污水处理厂扩建工程", level="major").first()
    if major is not None:
        with _on(date(2024, 3, 15)):
            services.hazard_supervise(hazard=major, actor=office, supervising_unit=zjj)
