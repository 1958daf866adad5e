from dataclasses import dataclass
from typing import Any

import pytest

from countyworks.core.factories import org_tree, user_with_role
from countyworks.core.models import OrgUnit, Programme, Role, RoleKind
from countyworks.households.factories import new_id_number

P = Programme.HOUSEHOLDS
K = OrgUnit.Kind


def new_id():
    """A fresh valid ID number (a factory sequence: households.factories.IdNumberFactory)."""
    return new_id_number()


@dataclass
class HH:
    district: Any
    town: Any
    village: Any
    other_town: Any
    other_village: Any
    operator: Any
    operator2: Any  # a second operator of the same village
    reviewer: Any
    manager: Any
    other_operator: Any
    leader: Any


@pytest.fixture
def hh(db, settings):
    settings.COUNTYWORKS_TODAY = "2024-03-20"
    t = org_tree("a1", "b1", names={"a": "礼乐街道", "a1": "向前村", "b": "外海街道", "b1": "麻三村"})
    district, town, village, other_town, other_village = t.district, t.a, t.a1, t.b, t.b1
    return HH(
        district=district, town=town, village=village, other_town=other_town, other_village=other_village,
        operator=user_with_role(RoleKind.OPERATOR, P, village, full_name="向前村填报员"),
        operator2=user_with_role(RoleKind.OPERATOR, P, village),
        reviewer=user_with_role(RoleKind.REVIEWER, P, town, full_name="街道审核员"),
        manager=user_with_role(RoleKind.MANAGER, P, district, full_name="区业务管理员"),
        other_operator=user_with_role(RoleKind.OPERATOR, P, other_village),
        leader=user_with_role(RoleKind.LEADER, P, district),
    )


def grant(user, kind, unit):
    Role.objects.create(user=user, kind=kind, programme=P, unit=unit)
    if hasattr(user, "_cw_roles"):
        del user._cw_roles


def make_household(actor, unit, *, head_name="陈大文", id_number=None, phone="13812345678",
                   bank_account="6222021234561234", **kw):
    from countyworks.households import services

    return services.household_create(actor=actor, unit=unit, head_name=head_name,
                                     head_id_number=id_number or new_id(), phone=phone,
                                     bank_account=bank_account, **kw)


def database_dump():
    """Every row of every table as text (SQLite's iterdump; elsewhere a SELECT of each table), to
    search for a plain value that must never be stored."""
    from django.apps import apps
    from django.db import connection

    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    out = []
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            table = connection.ops.quote_name(model._meta.db_table)
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names come from the models
            out.extend(repr(row) for row in cur.fetchall())
    return "\n".join(out)
