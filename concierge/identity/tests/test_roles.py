"""The role matrix: each role grants exactly its privileges, and every cell is walked."""

import pytest
from django.contrib.auth.models import Group, Permission

from concierge.identity.roles import ROLE_PRIVILEGES, ROLES_WITH_ALL_MODEL_PERMISSIONS, Priv, Role, sync_roles
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_with_exactly_its_privileges():
    # given the groups made by migrate
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    # then there is one group per role, each with the privileges of roles.py and nothing else
    assert set(groups) == {r.value for r in Role}
    every_model_permission = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type").exclude(content_type__model="privilege")
    }
    for role, privileges in ROLE_PRIVILEGES.items():
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in groups[role.value].permissions.all()}
        expected = {p.value for p in privileges}
        if role in ROLES_WITH_ALL_MODEL_PERMISSIONS:
            expected |= every_model_permission
        assert granted == expected, role


def test_the_seed_roles_have_the_privileges_later_issues_check():
    assert ROLE_PRIVILEGES[Role.CSR] == {
        Priv.USE_SERVICE_CONSOLE,
        Priv.UPDATE_CUSTOMER,
        Priv.ACCESS_CUSTOMER_ACCOUNT,
        Priv.CREATE_ORDER_FOR_CUSTOMER,
        Priv.RESOLVE_HOLD,
        Priv.CREATE_RETURN,
    }
    assert ROLE_PRIVILEGES[Role.SUPERVISOR] - ROLE_PRIVILEGES[Role.CSR] == {
        Priv.UNLOCK_ORDER,
        Priv.CREATE_REFUND,
        Priv.APPROVE_REFUND,
        Priv.RESOLVE_REVIEW_HOLD,
        Priv.REMOVE_CUSTOMER_DATA,
        Priv.VIEW_DESK,
    }
    assert ROLE_PRIVILEGES[Role.SELLER] == {Priv.ACT_FOR_ORGANIZATION, Priv.MANAGE_ORGANIZATIONS}
    assert ROLE_PRIVILEGES[Role.WAREHOUSE] == {Priv.RECEIVE_RETURNS}
    assert ROLE_PRIVILEGES[Role.SHOPPER] == frozenset()
    assert ROLE_PRIVILEGES[Role.ADMINISTRATOR] == frozenset(Priv)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("privilege", list(Priv))
def test_each_cell_of_the_matrix(store, role, privilege):
    # given a user who holds only this role
    user = factories.shopper(store=store).user if role is Role.SHOPPER else factories.staff(role.value, stores=[store])
    # then has_perm answers exactly what the matrix says
    assert user.has_perm(privilege) == (privilege in ROLE_PRIVILEGES[role])


def test_sync_roles_takes_away_a_privilege_granted_by_hand():
    # given a CSR group that someone gave the unlock privilege in the admin
    csr = Group.objects.get(name="CSR")
    csr.permissions.add(Permission.objects.get(codename="unlock_order"))
    # when the roles are synchronised (as after every migrate)
    sync_roles()
    # then the CSR group is back to its matrix row
    assert not csr.permissions.filter(codename="unlock_order").exists()


def test_sync_roles_gives_a_relabelled_privilege_its_new_name():
    # given a database whose refund privilege still has the label of an earlier release
    Permission.objects.filter(codename="create_refund").update(name="Can create refunds outside returns")
    # when the roles are synchronised (as after every migrate)
    sync_roles()
    # then the admin lists it in the seed's words
    assert Permission.objects.get(codename="create_refund").name == "Can Create Refund (outside a return)"


def test_a_disabled_user_has_no_privilege(store):
    user = factories.staff("Supervisor", stores=[store])
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not any(user.has_perm(p) for p in Priv)


def test_an_administrator_can_use_the_django_admin(client, administrator):
    client.force_login(administrator, backend="concierge.identity.backends.EmailBackend")
    assert administrator.has_perm("customers.change_customer")
    assert client.get("/admin/customers/customer/").status_code == 200
    assert client.get("/admin/catalog/product/").status_code == 200
