"""The demo's orders to pick up in store: Pick-Up In-Store Customers has rows, some ready."""

from __future__ import annotations

import pytest

from concierge.core.context import ActingContext
from concierge.demo.pickups import PICKUPS, READY, seed_pickups
from concierge.orders.tests.pickup_support import pickup_location
from concierge.presence.lists import access_list, list_page
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_demo_pickup_orders_some_ready_and_once(csr, store):
    pickup_location(store)
    factories.product(store=store, name="Camp Mug", price="12.00", stock=50)
    buyers = [factories.shopper(store=store) for _ in range(5)]
    assert seed_pickups(customers=buyers) == PICKUPS
    assert seed_pickups(customers=buyers) == 0  # seeding again adds nothing
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, "pick-up-in-store-customers"))
    states = [dict((c.key, v) for c, v in row.cells)["pickup_status"] for row in page.rows]
    assert sorted(states) == sorted(["Ready for pickup"] * READY + ["Not ready"] * (PICKUPS - READY))
