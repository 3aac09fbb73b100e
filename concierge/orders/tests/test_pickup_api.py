"""Pickup in store in the order console API (orders/pickup_api.py): If-Match and the lock's token,
like every order edit; refusals in the error shape."""

from __future__ import annotations

import pytest

from concierge.orders.models import Order
from concierge.orders.tests.pickup_support import pickup_order
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


def _url(order: Order, action: str) -> str:
    return f"/api/v1/service/orders/{order.number}/shipments/{order.shipments.get().number}/{action}"


def _lock(client, order: Order) -> dict[str, str]:
    grant = client.post(f"/api/v1/service/orders/{order.number}/lock").json()
    return {"If-Match": str(grant["version"]), "X-Lease-Token": grant["lease_token"]}


def test_ready_then_picked_up(csr, store, shopper):
    order = pickup_order(shopper, store)
    client = browser(csr)
    ready = client.post(_url(order, "ready-for-pickup"), headers=_lock(client, order))
    assert ready.status_code == 200
    assert ready.json()["shipments"][0]["pickup_state"] == "Ready for pickup"
    collected = client.post(_url(order, "picked-up"), headers=_lock(client, order))
    assert (collected.json()["status"], collected.json()["shipments"][0]["pickup_state"]) == ("COMPLETED", "Picked up")


def test_without_the_version_or_the_lock_nothing_changes(csr, store, shopper):
    order = pickup_order(shopper, store)
    client = browser(csr)
    headers = _lock(client, order)
    missing_version = client.post(_url(order, "ready-for-pickup"), headers={"X-Lease-Token": headers["X-Lease-Token"]})
    stale = client.post(_url(order, "ready-for-pickup"), headers={**headers, "If-Match": str(order.version - 1 or 99)})
    no_lock = client.post(_url(order, "ready-for-pickup"), headers={"If-Match": headers["If-Match"]})
    assert [(r.status_code, r.json()["code"]) for r in (missing_version, stale, no_lock)] == [
        (428, "order.version_required"),
        (412, "order.stale"),
        (409, "order.lock_lost"),
    ]
    assert order.shipments.get().ready_for_pickup_at is None


def test_picked_up_before_ready_is_a_clear_409(csr, store, shopper):
    order = pickup_order(shopper, store)
    client = browser(csr)
    response = client.post(_url(order, "picked-up"), headers=_lock(client, order))
    assert (response.status_code, response.json()["code"]) == (409, "pickup.not_ready")


def test_another_stores_csr_gets_not_found(csr_other_store, store, shopper):
    order = pickup_order(shopper, store)
    response = browser(csr_other_store).post(_url(order, "ready-for-pickup"), headers={"If-Match": "1"})
    assert (response.status_code, response.json()["code"]) == (404, "order.not_found")
