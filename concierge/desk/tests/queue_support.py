"""Rows for the desk's queues, made through the product's own services: an order On Hold, a refund
awaiting approval, an order open for editing, a cart locked by an agent, a live assisted session."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from concierge.assist.models import AssistedSession
from concierge.assist.services import assisting, session_start
from concierge.carts.locks import cart_lock
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders import locks
from concierge.orders.models import Order
from concierge.orders.refunds import order_refund_create
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.refund_support import captured_order, held
from concierge.payments.models import Refund
from concierge.stores.models import Store
from concierge.testing import factories
from concierge.testing.clients import SIGN_IN_BACKEND


def on_hold(customer: Customer, store: Store) -> Order:
    return held_order(customer, store)


def awaiting_refund(requester: User, customer: Customer, store: Store, amount: str = "60.00") -> Refund:
    """A refund above the store's approval threshold, requested by ``requester``."""
    Store.objects.filter(pk=store.pk).update(refund_approval_threshold=Decimal("50.00"))
    store.refresh_from_db()
    from concierge.orders.models import HoldRule

    active = list(HoldRule.objects.filter(is_active=True).values_list("pk", flat=True))
    HoldRule.objects.filter(pk__in=active).update(is_active=False)  # a captured order is not on hold
    order = captured_order(customer, store)
    HoldRule.objects.filter(pk__in=active).update(is_active=True)
    from concierge.core.money import Money

    refund = order_refund_create(ActingContext(user=requester), order_id=order.pk, guard=held(requester, order),
                                 amount=Money(Decimal(amount), order.currency), destination="ORIGINAL",
                                 source_id=None, note="Goodwill: the parcel was late.")  # fmt: skip
    assert refund.status == Refund.Status.AWAITING_APPROVAL, refund.status
    return refund


def locked_order(holder: User, order: Order) -> str:
    """``holder`` opens ``order`` for editing; returns the lock's token."""
    return locks.order_lock(ActingContext(user=holder), order_id=order.pk).token


def live_session(
    agent: User, customer: Customer, *, reason: str = "Order help", ticket: str = "4711"
) -> AssistedSession:
    return session_start(ActingContext(user=agent), customer_id=customer.pk, reason=reason, ticket=ticket)


def locked_cart(agent: User, customer: Customer) -> tuple[AssistedSession, Cart]:
    """``agent`` assists ``customer`` and locks their cart (with an item in it)."""
    session = live_session(agent, customer)
    ctx = assisting(ActingContext(user=agent), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    grant = cart_lock(ctx, cart=cart)
    sku = factories.product(store=customer.store, name="Canyon Base Layer", price="30.00", stock=10)
    cart_add(ctx, cart=Cart.objects.get(pk=cart.pk), sku_id=sku.pk, quantity=1, lease_token=grant.token)
    return session, Cart.objects.get(pk=cart.pk)


def browser(user: User) -> Client:
    """A browser of its own signed in as ``user``, seen as signed in now (a transfer's colleague)."""
    client = Client()
    client.force_login(user, backend=SIGN_IN_BACKEND)
    User.objects.filter(pk=user.pk).update(last_login=clock.now())
    return client
