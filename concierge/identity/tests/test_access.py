"""A person's access is kept per process, yet every change to it counts on their next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from concierge.identity import access
from concierge.identity.models import User

pytestmark = pytest.mark.django_db


def me(client) -> dict:
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    return response.json()


def test_a_console_page_asks_nothing_about_privileges_once_known(signed_in, csr, django_assert_max_num_queries):
    client = signed_in(csr)
    assert client.get("/service/customers/").status_code == 200
    # the session, the user with their customer record and store, then the page's own reading
    with django_assert_max_num_queries(4) as captured:
        assert client.get("/service/customers/").status_code == 200
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "auth_permission" not in sql
    assert "identity_user_groups" not in sql
    assert "identity_user_stores" not in sql


def test_a_role_given_counts_on_the_next_request(signed_in, csr):
    client = signed_in(csr)
    assert me(client)["roles"] == ["CSR"]
    assert client.get("/service/orders/").status_code == 200
    csr.groups.set([Group.objects.get(name="Warehouse")])
    assert me(client)["roles"] == ["Warehouse"]
    assert client.get("/service/customers/").status_code in {302, 403}


def test_a_role_taken_away_from_the_role_side_counts_on_the_next_request(signed_in, csr):
    client = signed_in(csr)
    assert "identity.use_service_console" in me(client)["privileges"]
    Group.objects.get(name="CSR").user_set.remove(csr)
    assert me(client)["roles"] == []
    assert "identity.use_service_console" not in me(client)["privileges"]


def test_clearing_a_role_of_its_members_counts_for_each_of_them(signed_in, csr, supervisor):
    client = signed_in(csr)
    assert me(client)["roles"] == ["CSR"]
    Group.objects.get(name="CSR").user_set.clear()
    assert me(client)["roles"] == []


def test_a_privilege_taken_from_a_role_counts_for_its_holders(signed_in, csr):
    client = signed_in(csr)
    assert "identity.use_service_console" in me(client)["privileges"]
    Group.objects.get(name="CSR").permissions.remove(Permission.objects.get(codename="use_service_console"))
    assert "identity.use_service_console" not in me(client)["privileges"]


def test_stores_changed_count_on_the_next_request(signed_in, csr, other_store):
    client = signed_in(csr)
    assert me(client)["stores"] == ["us"]
    csr.stores.add(other_store)
    assert me(client)["stores"] == ["ca", "us"]


def test_a_change_made_by_another_process_is_seen_through_the_stamp(signed_in, csr):
    # given this process knows the CSR's access
    client = signed_in(csr)
    assert me(client)["roles"] == ["CSR"]
    # when another process changes the roles (its signals never run here) and restamps the row
    through = User.groups.through
    through.objects.filter(user_id=csr.pk).update(group_id=Group.objects.get(name="Supervisor").pk)
    access.restamp([csr.pk])
    # then the next request here reads the access again
    assert me(client)["roles"] == ["Supervisor"]


def test_becoming_a_superuser_counts_at_once(signed_in, csr):
    client = signed_in(csr)
    assert "identity.administer" not in me(client)["privileges"]
    User.objects.filter(pk=csr.pk).update(is_superuser=True)
    assert "identity.administer" in me(client)["privileges"]


def test_a_deleted_role_counts_for_its_members_on_the_next_request(signed_in, csr):
    client = signed_in(csr)
    assert me(client)["roles"] == ["CSR"]
    Group.objects.get(name="CSR").delete()
    assert me(client)["roles"] == []
    assert "identity.use_service_console" not in me(client)["privileges"]
