"""The Users and Accounts search API (GET /api/v1/customers/users, /accounts): the console's search
for customer service staff, with the one error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from concierge.customers.models import Customer
from concierge.customers.tests.directory_people import ACCOUNT_ORDERS, USER_ORDERS, Directory, build
from concierge.identity.models import User
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
USERS = "/api/v1/customers/users"
ACCOUNTS = "/api/v1/customers/accounts"


@pytest.fixture
def directory(store, other_store) -> Directory:
    return build(store, other_store)


def api(user: User) -> Client:
    """A client carrying ``user``'s API token."""
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "search"},
                            content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def shared_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["shared_id"] for row in response.json()["results"]]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_users_in_each_sort_order(csr, directory, order):
    client = api(csr)
    for sort, letters in USER_ORDERS.items():
        expected = directory.shared_ids(letters)
        assert shared_ids(client.get(USERS, {"sort": sort, "order": order})) == (
            expected if order == "asc" else expected[::-1]
        ), sort


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_accounts_in_each_sort_order(csr, directory, order):
    client = api(csr)
    for sort, letters in ACCOUNT_ORDERS.items():
        expected = directory.shared_ids(letters)
        assert shared_ids(client.get(ACCOUNTS, {"sort": sort, "order": order})) == (
            expected if order == "asc" else expected[::-1]
        ), sort


def test_rows_carry_what_the_table_shows(csr, directory):
    row = api(csr).get(USERS, {"last_name": "adams"}).json()["results"]
    assert row == [{"id": directory.people["B"].pk, "shared_id": "S-002", "kind": "REGISTERED_USER",
                    "status": "ACTIVE", "first_name": "Cleo", "last_name": "adams", "email": "dan@x.test",
                    "phone": "555-0101", "billing_address": "1 Ash St, Austin 78702 US"}]  # fmt: skip
    account = api(csr).get(ACCOUNTS, {"business_name": "acme"}).json()["results"]
    assert [(a["business_name"], a["business_number"]) for a in account] == [("Acme", "bn-3")]


def test_cursors_page_forward_and_back(csr, store):
    Customer.objects.bulk_create(
        Customer(kind=Customer.Kind.REGISTERED_USER, store=store, shared_id=f"G{n:03d}", last_name=f"Name{n % 7}")
        for n in range(30)
    )
    client = api(csr)
    first = client.get(USERS, {"sort": "last_name"}).json()
    assert len(first["results"]) == 25
    assert first["previous_cursor"] == ""
    second = client.get(USERS, {"sort": "last_name", "cursor": first["next_cursor"]}).json()
    assert len(second["results"]) == 5
    assert second["next_cursor"] == ""
    back = client.get(USERS, {"sort": "last_name", "cursor": second["previous_cursor"]}).json()
    assert back["results"] == first["results"]
    assert back["previous_cursor"] == ""


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "password"}, "sort"), ({"order": "up"}, "order"), ({"cursor": "x" * 40}, "cursor"),
     ({"cursor": "y" * 500}, "cursor"), ({"email": "e" * 255}, "email"), ({"phone": "abc"}, "phone"),
     ({"first_name": "a\x00b"}, "first_name")],
)  # fmt: skip
def test_bad_input_is_400_with_the_field_named(csr, directory, params, field):
    response = api(csr).get(USERS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "customer.search_invalid"
    assert list(body["fields"]) == [field]


def test_a_cursor_of_another_tab_is_refused(csr, directory, store):
    Customer.objects.bulk_create(
        Customer(kind=Customer.Kind.ACCOUNT, store=store, shared_id=f"B{n:03d}") for n in range(30)
    )
    client = api(csr)
    cursor = client.get(ACCOUNTS).json()["next_cursor"]
    assert cursor
    assert client.get(ACCOUNTS, {"cursor": cursor}).status_code == 200
    assert client.get(USERS, {"cursor": cursor}).json()["code"] == "customer.search_invalid"


def test_store_scope_and_who_may_search(csr, csr_other_store, warehouse, shopper, directory):
    assert "S-900" not in shared_ids(api(csr).get(USERS))
    assert shared_ids(api(csr_other_store).get(USERS)) == ["S-900"]
    assert shared_ids(api(csr_other_store).get(ACCOUNTS)) == []
    refused = api(warehouse).get(USERS)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert api(shopper.user).get(ACCOUNTS).status_code == 403
    assert Client().get(USERS).status_code == 401
