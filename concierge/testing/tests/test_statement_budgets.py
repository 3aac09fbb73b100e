"""Statements per request of the hot pages and calls (PERFORMANCE.md): a change that makes one of
them ask the database more fails here, whatever the machine's speed. Each budget is what the
request needs today, counted on the second request (the first warms what a process keeps), and
includes the SAVEPOINT and RELEASE the test's transaction turns each BEGIN and COMMIT into."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from concierge.api.tests.test_commerce_api import token_headers
from concierge.orders.models import Order
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def statements(request: Callable[[], Any], *, status: int) -> list[str]:
    request()  # warm: the access and reference data a process keeps
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == status, getattr(response, "content", b"")[:500]
    return [q["sql"] for q in captured.captured_queries]


class Linker:
    """Stands in for the process's background linker: counts the wakes of a committed write."""

    wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@pytest.fixture
def linker(settings, monkeypatch) -> Linker:
    """Writes as production runs them: the request's audit events are linked by the process's
    background linker after the commit, so the request itself runs no statement for the chain."""
    settings.CONCIERGE_AUDIT_LINK_IN_BACKGROUND = True
    stub = Linker()
    monkeypatch.setattr("concierge.audit.chainer.background_linker", lambda: stub)
    return stub


def within(budget: int, sql: list[str]) -> None:
    assert len(sql) <= budget, f"{len(sql)} statements (budget {budget}):\n" + "\n".join(s[:150] for s in sql)


@pytest.fixture
def sku(store):
    return factories.product(store=store, name="Alpine Trail Runner", price="89.95")


@pytest.fixture
def placed(shopper, store) -> Order:
    return placed_order(shopper, store)


@pytest.fixture
def ann(csr) -> dict[str, str]:
    return token_headers(csr.email)


@pytest.fixture
def console(signed_in, csr) -> Client:
    return signed_in(csr)


# --- The per-request floor ------------------------------------------------------------------------


def test_a_trivial_api_call_reads_only_its_token(ann):
    sql = statements(lambda: Client().get("/api/v1/me", headers=ann), status=200)
    within(1, sql)
    assert "identity_apitoken" in sql[0]
    assert "customers_customer" in sql[0]


def test_a_trivial_console_page_reads_the_session_the_user_and_its_own_rows(console):
    sql = statements(lambda: console.get("/service/customers/"), status=200)
    within(3, sql)
    assert "django_session" in sql[0]
    assert "identity_user" in sql[1]
    assert not any("auth_permission" in s or "identity_user_groups" in s for s in sql)


# --- Find customer ------------------------------------------------------------------------------


def test_find_customer_over_the_api(ann, shopper):
    within(4, statements(lambda: Client().get("/api/v1/customers", {"last_name": "Shop"}, headers=ann), status=200))


def test_find_customer_in_the_console(console, shopper):
    within(8, statements(lambda: console.get("/service/", {"last_name": "Shop"}), status=200))


# --- Order search and the order view ------------------------------------------------------------


def test_order_search_over_the_api(ann, placed):
    terms = {"status": placed.status, "last_name": "Shop", "sort": "total", "direction": "desc", "limit": 25}
    within(4, statements(lambda: Client().get("/api/v1/service/orders", terms, headers=ann), status=200))


def test_order_search_in_the_console(console, placed):
    terms = {"status": placed.status, "last_name": "Shop", "sort": "total", "dir": "desc"}
    within(5, statements(lambda: console.get("/service/orders/", terms), status=200))


def test_the_order_view_over_the_api(ann, placed):
    within(6, statements(lambda: Client().get(f"/api/v1/service/orders/{placed.number}", headers=ann), status=200))


def test_the_order_view_in_the_console(console, placed):
    within(7, statements(lambda: console.get(f"/service/orders/{placed.number}/"), status=200))


# --- Adds to a cart -------------------------------------------------------------------------------


def test_a_csrs_add_to_the_customers_locked_cart(ann, shopper, sku, linker, django_capture_on_commit_callbacks):
    client = Client()
    started = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk, "ticket": "T-9"},
                          content_type="application/json", headers=ann)  # fmt: skip
    acting = {**ann, "X-Assisted-Session": str(started.json()["id"])}
    first = client.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=acting)
    acting["X-Lease-Token"] = first.json()["lease_token"]

    def add() -> Any:
        return client.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=acting)

    with django_capture_on_commit_callbacks(execute=True):
        sql = statements(add, status=201)
    # the session and the token; the cart's lock and version in one UPDATE, its lines (with the SKU
    # added, its stock read under the lock), the line, the audit event; the transaction's two
    within(8, sql)
    assert sum(s.startswith('UPDATE "carts_cart" ') for s in sql) == 1
    assert not any(s.startswith("SELECT") and 'FROM "carts_cart"' in s for s in sql)  # no re-read of the cart
    audit = [s for s in sql if "audit_" in s]
    assert len(audit) == 1
    assert audit[0].startswith('INSERT INTO "audit_event"')  # one append, no chain head
    assert linker.wakes >= 1  # the event is linked after the commit, off the request


def test_a_shoppers_add_to_their_own_cart(shopper, sku, linker, django_capture_on_commit_callbacks):
    me = token_headers(shopper.email)
    client = Client()

    def add() -> Any:
        return client.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=me)

    with django_capture_on_commit_callbacks(execute=True):
        sql = statements(add, status=201)
    within(7, sql)  # the CSR's add without the assisted session
    assert linker.wakes >= 1


def test_a_csrs_add_of_another_item_reads_its_sku(ann, shopper, sku, store, linker, django_capture_on_commit_callbacks):
    client = Client()
    started = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk, "ticket": "T-9"},
                          content_type="application/json", headers=ann)  # fmt: skip
    acting = {**ann, "X-Assisted-Session": str(started.json()["id"])}
    first = client.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=acting)
    acting["X-Lease-Token"] = first.json()["lease_token"]
    others = iter([factories.product(store=store, name=f"Trail Sock {n}", price="9.95") for n in range(2)])

    def add() -> Any:
        return client.post("/api/v1/cart/lines", {"sku_id": next(others).pk}, content_type="application/json",
                           headers=acting)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        sql = statements(add, status=201)
    within(10, sql)  # as above, and the SKU and its prices (kept from then on)


# --- Order locks ----------------------------------------------------------------------------------


def test_opening_and_closing_an_orders_editor(ann, placed, linker, django_capture_on_commit_callbacks):
    """A lock and its release read the order's id and version, then the row under the lock: never
    the order view's shipments, lines and holds."""
    client = Client()
    path = f"/api/v1/service/orders/{placed.number}/lock"

    def pair() -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as locking:
            locked = client.post(path, {}, content_type="application/json", headers=ann)
        assert locked.status_code == 200, locked.content
        with CaptureQueriesContext(connection) as unlocking:
            unlocked = client.delete(path, headers={**ann, "X-Lease-Token": locked.json()["lease_token"]})
        assert unlocked.status_code == 204, unlocked.content
        return [q["sql"] for q in locking.captured_queries], [q["sql"] for q in unlocking.captured_queries]

    with django_capture_on_commit_callbacks(execute=True):
        pair()  # warm: the access a process keeps
        measured = pair()
    for sql in measured:
        # the token; the order's id and version; the row under the lock, its lease, the audit
        # event; the transaction's two
        within(7, sql)
        assert not any("orders_shipment" in s or "orders_orderline" in s or "orders_hold" in s for s in sql)
        assert sum(s.startswith('INSERT INTO "audit_event"') for s in sql) == 1
    assert linker.wakes >= 4


def test_find_customer_from_the_page_itself(console, shopper):
    """The page's own search (htmx) renders its section alone: the session, the user, the search."""
    headers = {"HX-Request": "true", "HX-Target": "find-customer"}
    sql = statements(lambda: console.get("/service/", {"last_name": "Shop"}, headers=headers), status=200)
    within(5, sql)
    assert not any("audit_event" in s or "assist_sessiontransfer" in s for s in sql)
