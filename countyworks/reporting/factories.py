"""factory-boy factories of the monthly bulletins: a bulletin is a draft (草稿, the initial state
of flows.BULLETIN) of a district with a one-heading content."""

import factory
from django.utils import timezone

from countyworks.core import clock
from countyworks.core.factories import DistrictFactory
from countyworks.core.models import Programme

from .models import Bulletin, BulletinSetting


class BulletinSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BulletinSetting

    unit = factory.SubFactory(DistrictFactory)
    programme = Programme.DISPATCH
    issuer = factory.LazyAttribute(lambda o: f"{o.unit.name}周调度办公室")
    doc_prefix = "测试调度"


class BulletinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bulletin

    programme = Programme.DISPATCH
    period = factory.LazyFunction(lambda: f"{clock.today():%Y-%m}")
    unit = factory.SubFactory(DistrictFactory)
    title = factory.LazyAttribute(lambda o: f"{o.unit.name}{o.period}月通报")
    content = factory.LazyAttribute(lambda o: {"title": o.title, "blocks": [{"type": "heading", "level": 1, "text": o.title}]})
    built_at = factory.LazyFunction(timezone.now)
