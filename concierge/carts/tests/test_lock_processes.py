"""Cart locks between separate processes on PostgreSQL (RELIABILITY.md bars 10 and 11)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from concierge.assist.models import AssistedSession
from concierge.assist.services import assisting, session_start
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_lock, cart_open
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.identity.models import User
from concierge.testing import factories
from concierge.testing.processes import run_in_processes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between processes are PostgreSQL's; SQLite serializes every writer in one file lock",
    ),
]


def _acting(session_id: int) -> ActingContext:
    session = AssistedSession.objects.select_related("customer__store", "agent").get(pk=session_id)
    return assisting(ActingContext(user=session.agent), session)


def attempt_lock(session_id: int, cart_id: int) -> tuple[str, ...]:
    """One agent's Lock, in a process of its own."""
    try:
        ctx = _acting(session_id)
        grant = cart_lock(ctx, cart=Cart.objects.get(pk=cart_id))
    except DomainError as exc:
        return ("refused", exc.code, str(exc.status), str(exc.data.get("locked_by")))
    except Exception as exc:
        return ("error", repr(exc))
    return ("locked", ctx.user.display_name, grant.token)


def attempt_add(session_id: int, cart_id: int, sku_id: int, token: str) -> tuple[str, ...]:
    try:
        cart_add(_acting(session_id), cart=Cart.objects.get(pk=cart_id), sku_id=sku_id, quantity=1, lease_token=token)
    except DomainError as exc:
        return ("refused", exc.code, str(exc.data.get("locked_by")))
    except Exception as exc:
        return ("error", repr(exc))
    return ("added",)


@pytest.fixture
def cart(shopper, store):
    sku = factories.product(store=store)
    ctx = ActingContext(user=shopper.user, customer=shopper, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    return cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1), sku


def agents_for(shopper, store, count: int) -> list[int]:
    sessions = []
    for n in range(count):
        agent = factories.staff("CSR", stores=[store], first_name=f"Agent{n:02d}", last_name="Racer")
        sessions.append(session_start(ActingContext(user=agent), customer_id=shopper.pk).pk)
    return sessions


def test_100_lock_attempts_from_8_processes_give_exactly_one_holder(cart, shopper, store):
    the_cart, _ = cart
    sessions = agents_for(shopper, store, 20)
    results = run_in_processes(attempt_lock, [(sessions[n % 20], the_cart.pk) for n in range(100)], processes=8)
    assert [r for r in results if r[0] == "error"] == []
    holders = {r[1] for r in results if r[0] == "locked"}
    assert len(holders) == 1
    [holder] = holders
    the_cart.refresh_from_db()
    assert the_cart.lease_holder.display_name == holder
    refusals = [r for r in results if r[0] == "refused"]
    assert refusals, "the other agents were refused"
    assert Counter(r[1:] for r in refusals) == Counter({("cart.locked", "409", holder): len(refusals)})


def test_after_a_takeover_the_former_holders_writes_are_refused(cart, shopper, store):
    the_cart, sku = cart
    ann, bob = agents_for(shopper, store, 2)
    old = cart_lock(_acting(ann), cart=the_cart)
    new = cart_lock(_acting(bob), cart=the_cart, takeover=True)
    calls = [
        (ann, the_cart.pk, sku.pk, old.token) if n % 2 else (bob, the_cart.pk, sku.pk, new.token) for n in range(40)
    ]
    results = run_in_processes(attempt_add, calls, processes=8)
    assert [r for r in results if r[0] == "error"] == []
    bob_name = User.objects.get(assisted_sessions__pk=bob).display_name
    assert Counter(results) == Counter({("added",): 20, ("refused", "cart.lock_lost", bob_name): 20})
    the_cart.refresh_from_db()
    assert the_cart.lines.get().quantity == 1 + 20
