"""A small Jianghai for the safety tests: the district, two subdistricts with a community, the
住建局 with teams 3 and 5, the post-holiday campaign, an e-bike parking site in 外海街道."""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, org_tree, user_with_role
from countyworks.core.models import OrgUnit, Programme, RoleKind
from countyworks.safety import services
from countyworks.safety.models import ObjectCategory

K = OrgUnit.Kind
P = Programme.SAFETY
R = RoleKind
TODAY = "2024-03-20"

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def photo(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class Town:
    district: Any
    waihai: Any
    lile: Any
    jinxi: Any
    zjj: Any
    team3: Any
    team5: Any
    office: Any  # 区住建局 manager over the district
    inspector3: Any
    inspector3b: Any
    inspector5: Any
    property_user: Any  # the property company's account, on 金溪社区
    lile_user: Any
    campaign: Any
    ebike: Any
    property_cat: Any
    site: Any  # an e-bike parking site in 金溪社区 (外海街道)
    lile_site: Any  # an e-bike site in 礼乐街道 (covered by team 5)
    enterprise: Any


@pytest.fixture
def town(db, settings):
    settings.COUNTYWORKS_TODAY = TODAY
    t = org_tree("a1", "b", "team",
                 names={"district": "江海区", "a": "外海街道", "b": "礼乐街道", "a1": "金溪社区",
                        "bureau": "区住建局(交通局)", "team": "专项督导检查组第3组"},
                 codes={"district": "440704000000", "a": "440704002000", "b": "440704003000", "a1": "440704002001",
                        "bureau": "JH-B04", "team": "JH-T03"})
    district, waihai, lile, jinxi, zjj, team3 = t.district, t.a, t.b, t.a1, t.bureau, t.team
    team5 = OrgUnitFactory(code="JH-T05", name="专项督导检查组第5组", kind=K.TEAM, parent=zjj)
    office = user_with_role(R.MANAGER, P, district, username="zjj")
    inspector3 = user_with_role(R.OPERATOR, P, team3, username="team3", full_name="张三")
    inspector3b = user_with_role(R.OPERATOR, P, team3, username="team3b", full_name="李四")
    inspector5 = user_with_role(R.OPERATOR, P, team5, username="team5")
    property_user = user_with_role(R.OPERATOR, P, jinxi, username="wuye", full_name="金溪物业")
    lile_user = user_with_role(R.OPERATOR, P, lile, username="lile_aj")
    ebike = ObjectCategory.objects.get(name="电动自行车集中停放点")
    property_cat = ObjectCategory.objects.get(name="物业小区")
    campaign = services.campaign_create(actor=office, name="节后复工复产安全大检查", lead_bureau=zjj,
                                        start=date(2024, 2, 19), end=date(2024, 3, 31),
                                        categories=[ebike, property_cat])
    ent = EnterpriseFactory(name="江门市金溪物业服务有限公司")
    site = services.object_create(actor=office, name="金溪花园电动自行车集中停放点", category=ebike, unit=jinxi,
                                  address="金溪路8号", enterprise=ent, contact_name="王经理")
    lile_site = services.object_create(actor=office, name="礼乐新村电动自行车停放点", category=ebike, unit=lile)
    services.campaign_team_set(campaign=campaign, team=team3, actor=office, leader=inspector3,
                               members=[inspector3b], areas=[waihai])
    services.campaign_team_set(campaign=campaign, team=team5, actor=office, leader=inspector5, areas=[lile])
    return Town(district, waihai, lile, jinxi, zjj, team3, team5, office, inspector3, inspector3b, inspector5,
                property_user, lile_user, campaign, ebike, property_cat, site, lile_site, ent)


def results_for(obj, failed=(), photos=None):
    """Results for every item of the object's current checklist: items whose seq is in `failed`
    fail with a note (and photos), the others pass."""
    from countyworks.safety.selectors import current_checklist

    out = []
    for it in current_checklist(obj.category).items.all():
        if it.seq in failed:
            out.append({"item": it.pk, "result": "fail", "note": f"现场发现：{it.text}不符合",
                        "photos": [photo(f"item{it.seq}.png")] if photos is None else photos})
        else:
            out.append({"item": it.pk, "result": "pass", "note": "", "photos": []})
    return out


def inspect(town, obj=None, failed=(2, 4), actor=None, team=None, day=date(2024, 3, 18), **kw):
    obj = obj or town.site
    insp, _ = services.inspection_record(actor=actor or town.inspector3, campaign=town.campaign,
                                         team=team or town.team3, object=obj, date=day,
                                         results=results_for(obj, failed), **kw)
    return insp


def docx_text(content):
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


