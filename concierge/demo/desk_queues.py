"""Rows for the supervisor's desk's queues that the rest of the demo does not leave: Bob Baker assisting
a customer now (a live session, with their cart locked and an item in it) and Carla Chen with an
order open for editing. The demo's holds and its refund awaiting approval fill the other two queues.

Made through the product's own services, as those people would. A lock lives a few minutes without
its holder's heartbeat; the demo keeps these two for the working day (their expiry pushed out), so
that a supervisor exploring the desk finds something to unlock. The session is live until its agent
has been idle for the idle timeout, as any session. Loading the demo again adds what has ended."""

from __future__ import annotations

import datetime as dt

from concierge.assist.models import AssistedSession
from concierge.assist.services import assisting, session_reasons, session_start
from concierge.carts.locks import cart_lock
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Price
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders import locks
from concierge.orders.models import Order

AGENT = "bob.agent@concierge.test"
EDITOR = "carla.csr@concierge.test"
KEPT_FOR = dt.timedelta(hours=8)


def _live_session(agent: User) -> int:
    """Bob assists a registered customer of the US store and locks their cart with an item in it."""
    now = clock.now()
    if AssistedSession.objects.filter(agent=agent, ended_at=None, last_seen_at__gt=now - dt.timedelta(minutes=5)):
        return 0
    customer = (
        Customer.objects.filter(store__code="us", kind=Customer.Kind.REGISTERED_USER, user__isnull=False,
                                status=Customer.Status.ACTIVE, assistance_opt_out=False)
        .exclude(shared_id="C000000000")  # Jane's own ledger stays as the demo tells it
        .order_by("shared_id")
        .first()
    )  # fmt: skip
    if customer is None:
        return 0
    reasons = session_reasons()
    session = session_start(ActingContext(user=agent), customer_id=customer.pk,
                            reason=reasons[0] if reasons else "", ticket="CS-20417")  # fmt: skip
    ctx = assisting(ActingContext(user=agent), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    grant = cart_lock(ctx, cart=cart)
    price = (Price.objects.filter(price_list__store=customer.store, price_list__segment=None, price_list__account=None,
                                  sku__stock_on_hand__gte=5, sku__is_active=True)
             .order_by("amount", "sku_id").first())  # fmt: skip
    if price is not None:
        cart_add(ctx, cart=Cart.objects.get(pk=cart.pk), sku_id=price.sku_id, quantity=1, lease_token=grant.token)
    Cart.objects.filter(pk=cart.pk, lease_holder=agent).update(lease_expires_at=now + KEPT_FOR)
    return 1


def _open_order(editor: User) -> int:
    """Carla opens a Canadian order for editing."""
    now = clock.now()
    if Order.objects.filter(lease_holder=editor, lease_expires_at__gt=now).exists():
        return 0
    order = (
        Order.objects.filter(store__code="ca", status__in=[Order.Status.CREATED, Order.Status.IN_PROGRESS])
        .order_by("-placed_at", "pk")
        .first()
    )
    if order is None:
        return 0
    locks.order_lock(ActingContext(user=editor), order_id=order.pk)
    Order.objects.filter(pk=order.pk, lease_holder=editor).update(lease_expires_at=now + KEPT_FOR)
    return 1


def seed_desk_queues() -> int:
    """The live session with its locked cart, and the order open for editing (none when they are
    there already). Returns how many were added."""
    added = 0
    agent = User.objects.filter(email=AGENT, is_active=True).first()
    if agent is not None:
        added += _live_session(agent)
    editor = User.objects.filter(email=EDITOR, is_active=True).first()
    if editor is not None:
        added += _open_order(editor)
    return added
