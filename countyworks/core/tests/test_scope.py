"""The one rule for access: a user sees what lies in the subtrees of the units where they hold
a role for the programme; nothing else, and nothing at all once the account is disabled."""

import pytest
from django.contrib.auth.models import AnonymousUser

from countyworks.core.factories import (
    EnterpriseFactory,
    OrgUnitFactory,
    RoleFactory,
    UserFactory,
    user_with_role,
)
from countyworks.core.models import Enterprise, Indicator, OrgUnit, Programme, RoleKind, Target
from countyworks.core.scope import require_unit_in_scope, scope_paths

pytestmark = pytest.mark.django_db

K = OrgUnit.Kind


@pytest.fixture
def tree():
    district = OrgUnitFactory(name="江海区", kind=K.DISTRICT)
    lile = OrgUnitFactory(name="礼乐街道", parent=district)
    waihai = OrgUnitFactory(name="外海街道", parent=district)
    units = {
        "district": district,
        "lile": lile,
        "waihai": waihai,
        "xiangqian": OrgUnitFactory(name="向前村", kind=K.VILLAGE, parent=lile),
        "yingnan": OrgUnitFactory(name="英南村", kind=K.VILLAGE, parent=lile),
        "jinxi": OrgUnitFactory(name="金溪社区", kind=K.COMMUNITY, parent=waihai),
        "bureau": OrgUnitFactory(name="区投资促进中心", kind=K.BUREAU, parent=district),
    }
    units["office"] = OrgUnitFactory(name="驻深圳招商办事处", kind=K.FIELD_OFFICE, parent=units["bureau"])
    return units


def names(qs):
    return set(qs.values_list("name", flat=True))


# --- org units ----------------------------------------------------------------------------------------


def test_orgunits_subtree_of_role(tree):
    user = user_with_role(RoleKind.OPERATOR, Programme.RURAL, tree["lile"])
    assert names(OrgUnit.objects.visible_to(user)) == {"礼乐街道", "向前村", "英南村"}


def test_orgunits_village_operator_sees_only_the_village(tree):
    user = user_with_role(RoleKind.OPERATOR, Programme.RURAL, tree["xiangqian"])
    assert names(OrgUnit.objects.visible_to(user)) == {"向前村"}


def test_orgunits_roles_in_two_programmes_add_up(tree):
    user = user_with_role(RoleKind.OPERATOR, Programme.RURAL, tree["xiangqian"])
    RoleFactory(user=user, kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT, unit=tree["office"])
    assert names(OrgUnit.objects.visible_to(user)) == {"向前村", "驻深圳招商办事处"}


def test_orgunits_district_role_sees_everything(tree):
    user = user_with_role(RoleKind.LEADER, Programme.DISPATCH, tree["district"])
    assert OrgUnit.objects.visible_to(user).count() == OrgUnit.objects.count() == 8


def test_nested_roles_are_collapsed(tree):
    """A role on 礼乐街道 and another on 向前村 below it: no duplicate rows, one prefix."""
    user = user_with_role(RoleKind.OPERATOR, Programme.RURAL, tree["lile"])
    RoleFactory(user=user, kind=RoleKind.REVIEWER, programme=Programme.RURAL, unit=tree["xiangqian"])
    RoleFactory(user=user, kind=RoleKind.OPERATOR, programme=Programme.RURAL, unit=tree["yingnan"])
    assert scope_paths(user, programme=Programme.RURAL) == [tree["lile"].path]
    qs = OrgUnit.objects.visible_to(user)
    assert qs.count() == 3 and names(qs) == {"礼乐街道", "向前村", "英南村"}


def test_system_roles_and_no_roles_see_no_units(tree):
    for user in (UserFactory(), user_with_role(RoleKind.AUDITOR), user_with_role(RoleKind.SECADMIN)):
        assert not OrgUnit.objects.visible_to(user).exists()
    assert not OrgUnit.objects.visible_to(AnonymousUser()).exists()


def test_scope_action_levels(tree):
    leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, tree["lile"])
    assert OrgUnit.objects.visible_to(leader, action="view").count() == 3
    assert not OrgUnit.objects.visible_to(leader, action="change").exists()
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["lile"])
    assert OrgUnit.objects.visible_to(manager, action="manage").count() == 3


def test_require_unit_in_scope(tree):
    from django.core.exceptions import PermissionDenied

    user = user_with_role(RoleKind.OPERATOR, Programme.RURAL, tree["lile"])
    require_unit_in_scope(user, tree["yingnan"], programme=Programme.RURAL)
    for unit, programme in [(tree["jinxi"], Programme.RURAL), (tree["district"], Programme.RURAL),
                            (tree["yingnan"], Programme.SAFETY)]:
        with pytest.raises(PermissionDenied):
            require_unit_in_scope(user, unit, programme=programme)


# --- targets ------------------------------------------------------------------------------------------


@pytest.fixture
def targets(tree):
    inv = Indicator.objects.create(code="t_inv", name="测试：签约项目数", programme=Programme.INVESTMENT)
    rural = Indicator.objects.create(code="t_trees", name="测试：种树数", programme=Programme.RURAL)
    out = {}
    for unit in ("xiangqian", "jinxi", "district"):
        out[("inv", unit)] = Target.objects.create(unit=tree[unit], indicator=inv, year=2024, value=10)
        out[("rural", unit)] = Target.objects.create(unit=tree[unit], indicator=rural, year=2024, value=100)
    return out


def visible_targets(user, targets, action="view"):
    keys = {t.pk: k for k, t in targets.items()}
    return {keys[pk] for pk in Target.objects.visible_to(user, action=action).values_list("pk", flat=True)}


def test_targets_by_programme_and_subtree(tree, targets):
    user = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["lile"])
    assert visible_targets(user, targets) == {("inv", "xiangqian")}


def test_targets_roles_in_two_programmes(tree, targets):
    user = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["lile"])
    RoleFactory(user=user, kind=RoleKind.OPERATOR, programme=Programme.RURAL, unit=tree["waihai"])
    assert visible_targets(user, targets) == {("inv", "xiangqian"), ("rural", "jinxi")}


def test_targets_district_manager_sees_programme_only(tree, targets):
    user = user_with_role(RoleKind.MANAGER, Programme.RURAL, tree["district"])
    assert visible_targets(user, targets) == {("rural", "xiangqian"), ("rural", "jinxi"), ("rural", "district")}


def test_targets_nested_roles_no_duplicates(tree, targets):
    user = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["district"])
    RoleFactory(user=user, kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT, unit=tree["lile"])
    qs = Target.objects.visible_to(user)
    assert qs.count() == 3 and len(set(qs.values_list("pk", flat=True))) == 3


def test_targets_action(tree, targets):
    leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, tree["district"])
    assert len(visible_targets(leader, targets)) == 3
    assert visible_targets(leader, targets, action="manage") == set()


def test_targets_nobody(tree, targets):
    assert not Target.objects.visible_to(UserFactory()).exists()
    assert not Target.objects.visible_to(user_with_role(RoleKind.AUDITOR)).exists()
    assert not Target.objects.visible_to(AnonymousUser()).exists()


# --- enterprises (shared registry) ------------------------------------------------------------------------


def test_enterprises_shared_by_every_programme_role(tree):
    EnterpriseFactory.create_batch(3)
    for programme, unit in [(Programme.INVESTMENT, "office"), (Programme.SAFETY, "jinxi"), (Programme.RURAL, "xiangqian")]:
        user = user_with_role(RoleKind.OPERATOR, programme, tree[unit])
        assert Enterprise.objects.visible_to(user).count() == 3
        assert Enterprise.objects.visible_to(user, action="change").count() == 3


def test_enterprises_not_for_users_without_programme_role(tree):
    EnterpriseFactory.create_batch(2)
    for user in (UserFactory(), user_with_role(RoleKind.SYSADMIN), user_with_role(RoleKind.AUDITOR)):
        assert not Enterprise.objects.visible_to(user).exists()
    assert not Enterprise.objects.visible_to(AnonymousUser()).exists()
    leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, tree["district"])
    assert Enterprise.objects.visible_to(leader).count() == 2
    assert not Enterprise.objects.visible_to(leader, action="change").exists()


# --- disabled accounts ------------------------------------------------------------------------------------


def test_inactive_user_sees_nothing(tree, targets):
    EnterpriseFactory()
    user = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["district"])
    RoleFactory(user=user, kind=RoleKind.MANAGER, programme=Programme.RURAL, unit=tree["district"])
    assert OrgUnit.objects.visible_to(user).exists() and Target.objects.visible_to(user).exists()
    user.is_active = False
    user.save()
    user = type(user).objects.get(pk=user.pk)
    assert not OrgUnit.objects.visible_to(user).exists()
    assert not Target.objects.visible_to(user).exists()
    assert not Enterprise.objects.visible_to(user).exists()
    assert scope_paths(user, programme=Programme.INVESTMENT) == []
