"""The Jianghai District demo (江门日报, March 2024): org tree and one demo account per role.

Loading is idempotent: every unit and account is matched on its code / username and only what
is missing or different is written (through the services, so the audit log records it).
Later programmes extend the same loader with their records."""

from django.db import transaction

from countyworks.core import services
from countyworks.core.models import OrgUnit, Programme, Role, RoleKind, User

DEMO_PASSWORD = "Jianghai@2024"

K = OrgUnit.Kind
# (code, name, kind, parent code)
UNITS = [
    ("440704000000", "江海区", K.DISTRICT, None),
    ("440704001000", "江南街道", K.SUBDISTRICT, "440704000000"),
    ("440704002000", "外海街道", K.SUBDISTRICT, "440704000000"),
    ("440704003000", "礼乐街道", K.SUBDISTRICT, "440704000000"),
    # 江南街道
    ("440704001001", "东海社区", K.COMMUNITY, "440704001000"),
    ("440704001002", "滘头社区", K.COMMUNITY, "440704001000"),
    ("440704001003", "滘北社区", K.COMMUNITY, "440704001000"),
    ("440704001201", "白水带村", K.VILLAGE, "440704001000"),
    # 外海街道
    ("440704002001", "金溪社区", K.COMMUNITY, "440704002000"),
    ("440704002002", "石鹤利社区", K.COMMUNITY, "440704002000"),
    ("440704002003", "南华社区", K.COMMUNITY, "440704002000"),
    ("440704002201", "麻三村", K.VILLAGE, "440704002000"),
    ("440704002202", "直冲村", K.VILLAGE, "440704002000"),
    ("440704002203", "龙溪村", K.VILLAGE, "440704002000"),
    # 礼乐街道
    ("440704003001", "礼乐社区", K.COMMUNITY, "440704003000"),
    ("440704003201", "向前村", K.VILLAGE, "440704003000"),
    ("440704003202", "英南村", K.VILLAGE, "440704003000"),
    ("440704003203", "威东村", K.VILLAGE, "440704003000"),
    ("440704003204", "乌纱村", K.VILLAGE, "440704003000"),
    ("440704003205", "新民村", K.VILLAGE, "440704003000"),
    ("440704003206", "丰盛村", K.VILLAGE, "440704003000"),
    # 区直部门
    ("JH-B01", "区委组织部", K.BUREAU, "440704000000"),
    ("JH-B02", "区农业农村和水利局", K.BUREAU, "440704000000"),
    ("JH-B03", "区自然资源局", K.BUREAU, "440704000000"),
    ("JH-B04", "区住建局(交通局)", K.BUREAU, "440704000000"),
    ("JH-B05", "区妇联", K.BUREAU, "440704000000"),
    ("JH-B06", "区税务局", K.BUREAU, "440704000000"),
    ("JH-B07", "区文广旅体局", K.BUREAU, "440704000000"),
    ("JH-B08", "区投资促进中心", K.BUREAU, "440704000000"),
    ("JH-B09", "区发展和改革局", K.BUREAU, "440704000000"),
    ("JH-B10", "江海供电局", K.BUREAU, "440704000000"),
    # 国资公司
    ("JH-S01", "高新招商公司", K.STATE_COMPANY, "440704000000"),
    # 驻点招商办事处
    ("JH-F01", "驻深圳招商办事处", K.FIELD_OFFICE, "JH-B08"),
    ("JH-F02", "驻北京招商办事处", K.FIELD_OFFICE, "JH-B08"),
    ("JH-F03", "驻杭州招商办事处", K.FIELD_OFFICE, "JH-B08"),
    ("JH-F04", "驻上海招商办事处", K.FIELD_OFFICE, "JH-B08"),
] + [
    (f"JH-T{n:02d}", f"专项督导检查组第{n}组", K.TEAM, "JH-B04") for n in range(1, 9)
]

P, R = Programme, RoleKind
ALL_PROGRAMMES = [p.value for p in Programme]
# (username, full name, home unit code, [(kind, programme(s), unit code)] or system kind)
ACCOUNTS = [
    ("admin", "系统管理员", "440704000000", [(R.SYSADMIN, None, None)]),
    ("secadmin", "安全管理员", "440704000000", [(R.SECADMIN, None, None)]),
    ("auditor", "审计员", "440704000000", [(R.AUDITOR, None, None)]),
    ("quzhang", "区长（领导驾驶舱）", "440704000000", [(R.LEADER, ALL_PROGRAMMES, "440704000000")]),
    ("tzcj", "区投资促进中心", "JH-B08", [(R.MANAGER, [P.INVESTMENT, P.DISPATCH], "440704000000")]),
    ("tzcj_ps", "区投资促进中心评审员", "JH-B08", [(R.REVIEWER, [P.INVESTMENT], "440704000000")]),
    ("zsz", "驻深圳招商办事处", "JH-F01", [(R.OPERATOR, [P.INVESTMENT], "JH-F01")]),
    ("gdj", "江海供电局", "JH-B10", [(R.OPERATOR, [P.INVESTMENT], "JH-B10")]),
    ("lile_zs", "礼乐街道招商办", "440704003000", [(R.OPERATOR, [P.INVESTMENT], "440704003000")]),
    ("waihai_zs", "外海街道招商办", "440704002000", [(R.OPERATOR, [P.INVESTMENT], "440704002000")]),
    ("gxzs", "高新招商公司", "JH-S01", [(R.OPERATOR, [P.INVESTMENT], "JH-S01")]),
    ("nyj", "区农业农村和水利局", "JH-B02",
     [(R.MANAGER, [P.RURAL, P.HOUSEHOLDS, P.DISPATCH], "440704000000")]),
    ("lile_sh", "礼乐街道审核员", "440704003000", [(R.REVIEWER, [P.RURAL, P.HOUSEHOLDS, P.DISPATCH], "440704003000")]),
    ("xiangqian", "向前村填报员", "440704003201", [(R.OPERATOR, [P.RURAL, P.HOUSEHOLDS, P.DISPATCH], "440704003201")]),
    ("yingnan", "英南村填报员", "440704003202", [(R.OPERATOR, [P.RURAL, P.HOUSEHOLDS, P.DISPATCH], "440704003202")]),
    ("jinxi", "金溪社区填报员", "440704002001", [(R.OPERATOR, [P.RURAL, P.DISPATCH], "440704002001")]),
    ("zjj", "区住建局(交通局)", "JH-B04", [(R.MANAGER, [P.SAFETY, P.DISPATCH], "440704000000")]),
    ("team3", "专项督导检查组第3组", "JH-T03", [(R.OPERATOR, [P.SAFETY], "JH-T03")]),
    ("team5", "专项督导检查组第5组", "JH-T05", [(R.OPERATOR, [P.SAFETY], "JH-T05")]),
]


@transaction.atomic
def load_org_and_accounts():
    """Create or refresh the Jianghai org tree and the demo accounts. Returns the accounts."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    for order, (code, name, kind, parent_code) in enumerate(UNITS):
        parent = units.get(parent_code) if parent_code else None
        fields = {"name": name, "kind": kind, "parent": parent, "sort_order": order}
        unit = units.get(code)
        if unit is None:
            units[code] = services.orgunit_create(actor=None, code=code, **fields)
        elif any(getattr(unit, k) != v for k, v in fields.items()):
            units[code] = services.orgunit_update(unit=unit, actor=None, **fields)

    accounts = []
    for username, full_name, unit_code, roles in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(actor=None, username=username, password=DEMO_PASSWORD,
                                        full_name=full_name, unit=units[unit_code])
        have = set(Role.objects.filter(user=user).values_list("kind", "programme", "unit__code"))
        for kind, programmes, unit_code_r in roles:
            for programme in programmes or [""]:
                key = (kind, programme, unit_code_r)
                if key not in have:
                    services.role_grant(user=user, kind=kind, programme=programme,
                                        unit=units[unit_code_r] if unit_code_r else None, actor=None)
        accounts.append(user)
    return accounts


def account_lines():
    lines = []
    for username, full_name, _, _roles in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        role_text = "；".join(str(r) for r in user.roles.select_related("unit")) if user else ""
        lines.append(f"  {username:<10} {full_name:<14} {role_text}")
    return lines
