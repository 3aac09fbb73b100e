"""Customer lists in the API (presence/lists_api.py): the lists the caller may open, one page of a
list's rows, store scoping and the error shape."""

from __future__ import annotations

import pytest

from concierge.orders.tests.pickup_support import pickup_order
from concierge.presence.tests.list_support import in_store
from concierge.testing import factories
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db

ROWS = "/api/v1/service/lists/{}/rows"


def test_the_lists_a_csr_may_open_with_counts(csr, store, shopper):
    in_store(shopper, store)
    response = browser(csr).get("/api/v1/service/lists")
    assert response.status_code == 200
    lists = {item["slug"]: item for item in response.json()}
    assert set(lists) == {"current-in-store-customers", "pick-up-in-store-customers", "recent-assisted-sessions",
                          "open-carts-over-threshold"}  # fmt: skip
    in_store_list = lists["current-in-store-customers"]
    assert (in_store_list["name"], in_store_list["count"], in_store_list["kind"]) == (
        "Current In-Store Customers",
        1,
        "in_store",
    )
    assert [c["key"] for c in in_store_list["columns"]] == ["name", "email", "phone", "zone", "since"]


def test_rows_of_a_list(csr, store, shopper):
    in_store(shopper, store, zone="Footwear")
    body = browser(csr).get(ROWS.format("current-in-store-customers")).json()
    assert (body["total"], body["page"], body["pages"], body["sort"], body["direction"]) == (1, 1, 1, "since", "desc")
    row = body["rows"][0]
    assert row["customer"] == {"customer_id": shopper.shared_id, "name": "Jane Shopper",
                               "profile": f"/service/customers/{shopper.pk}/",
                               "access": f"/service/assist/?customer={shopper.shared_id}"}  # fmt: skip
    assert (row["values"]["zone"], row["values"]["email"]) == ("Footwear", "jane@example.com")


def test_pickup_rows_name_the_order_and_its_version(csr, store, shopper):
    order = pickup_order(shopper, store)
    in_store(shopper, store)
    row = browser(csr).get(ROWS.format("pick-up-in-store-customers")).json()["rows"][0]
    assert (row["order"], row["order_version"], row["in_store"]) == (order.number, order.version, True)
    assert row["values"]["pickup_status"] == "Not ready"


def test_sort_and_page(csr, store):
    for last in ("Young", "Adams"):
        in_store(factories.shopper(store=store, first_name="Kim", last_name=last), store)
    client = browser(csr)
    body = client.get(ROWS.format("current-in-store-customers"), {"sort": "name", "direction": "asc"}).json()
    assert [r["customer"]["name"] for r in body["rows"]] == ["Kim Adams", "Kim Young"]
    refused = client.get(ROWS.format("current-in-store-customers"), {"sort": "cart_total"})
    assert (refused.status_code, refused.json()["code"]) == (400, "list.sort_invalid")
    past = client.get(ROWS.format("current-in-store-customers"), {"page": 9})
    assert (past.status_code, past.json()["code"]) == (404, "list.page_invalid")


def test_another_stores_rows_are_not_shown(csr_other_store, store, shopper):
    in_store(shopper, store)
    assert browser(csr_other_store).get(ROWS.format("current-in-store-customers")).json()["rows"] == []


def test_an_unknown_list_is_not_found(csr):
    response = browser(csr).get(ROWS.format("nope"))
    assert (response.status_code, response.json()["code"]) == (404, "list.not_found")


def test_shoppers_are_refused(shopper):
    response = browser(shopper.user).get("/api/v1/service/lists")
    assert response.status_code == 403
    assert set(response.json()) >= {"code", "message"}


def test_anonymous_callers_are_refused(client, store):
    assert client.get("/api/v1/service/lists").status_code == 401
