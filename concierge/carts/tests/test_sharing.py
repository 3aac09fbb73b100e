"""The shared cart's events: what an agent does in a customer's cart is told to the customer's
pages, in the customer's words; what the customer does themself is not (their page shows it)."""

from __future__ import annotations

import pytest

from concierge.assist.services import assisting, session_end, session_start
from concierge.carts.locks import cart_lock, cart_unlock
from concierge.carts.services import cart_add, cart_open, cart_remove, cart_set_quantity
from concierge.core.context import ActingContext
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(monkeypatch):
    events: list[tuple[str, str, dict]] = []
    monkeypatch.setattr(
        "concierge.carts.sharing.live.publish", lambda topic, kind, data: events.append((topic, kind, data))
    )
    return events


def test_an_agents_changes_are_told_to_the_customers_pages(told, csr, shopper, store):
    session = session_start(ActingContext(user=csr), customer_id=shopper.pk)
    ctx = assisting(ActingContext(user=csr), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    token = cart_lock(ctx, cart=cart).token
    sku = factories.product(store=store, name="Canyon Base Layer")
    cart = cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1, lease_token=token)
    line = cart.lines.get()
    cart = cart_set_quantity(ctx, cart=cart, line_id=line.pk, quantity=3, lease_token=token)
    cart = cart_remove(ctx, cart=cart, line_id=line.pk, lease_token=token)
    cart_unlock(ctx, cart=cart, lease_token=token)
    assert [(topic, kind, data["message"]) for topic, kind, data in told] == [
        (f"cart:{cart.pk}", "changed", "Ann from customer service added Canyon Base Layer."),
        (f"cart:{cart.pk}", "changed", "Ann from customer service changed the quantity of Canyon Base Layer to 3."),
        (f"cart:{cart.pk}", "changed", "Ann from customer service removed Canyon Base Layer."),
        (
            f"cart:{cart.pk}",
            "handed_back",
            "Ann from customer service has finished with your cart: you can check out now.",
        ),
    ]


def test_the_end_of_the_session_hands_the_cart_back(told, csr, shopper):
    session = session_start(ActingContext(user=csr), customer_id=shopper.pk)
    ctx = assisting(ActingContext(user=csr), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_lock(ctx, cart=cart)
    session_end(ctx)
    assert [kind for _, kind, _ in told] == ["handed_back"]


def test_the_customers_own_changes_are_not_told(told, shopper, store):
    ctx = ActingContext(user=shopper.user, customer=shopper, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=factories.product(store=store).pk, quantity=1)
    assert told == []
