"""The Customer Service home's "Your recent activity" in words (issue 10.11): each event of the
signed-in staff member as people read it — the action's declared words, the order by its number
(linking to the order page), the customer by name (linking to their console profile), a payment's
amount — never an action code or a row id. Locking and unlocking is left out: it is how editing
works, not something done for a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from concierge.assist.organization_sessions import session_labels
from concierge.audit.actions import describe
from concierge.audit.selectors import events_by_actor
from concierge.carts.actions import CartAction
from concierge.carts.models import Cart
from concierge.checkout.actions import CheckoutAction
from concierge.core.prepared import PreparedQuery
from concierge.customers.models import Customer
from concierge.orders.actions import OrderAction
from concierge.orders.models import Order
from concierge.payments.actions import PaymentAction
from concierge.payments.models import PaymentTransaction

if TYPE_CHECKING:
    import datetime as dt

    from concierge.audit.models import Event
    from concierge.stores.models import Store

# Opening and closing an order or a cart for editing: the noise of every edit.
LOCK_ACTIONS = (OrderAction.LOCKED, OrderAction.UNLOCKED, CartAction.LOCKED, CartAction.UNLOCKED)
AMOUNT_ACTIONS = frozenset(PaymentAction) | {CheckoutAction.ORDER_PLACED}
RECENT_LIMIT = 15
# The home page's one read of events, on every visit: compiled once per process (core/prepared.py).
_RECENT = PreparedQuery(
    lambda actor_id: events_by_actor(actor_id=actor_id, limit=RECENT_LIMIT, excluding=LOCK_ACTIONS),
    actor_id=-7_000_000_001,
)


@dataclass(frozen=True)
class ActivityItem:
    occurred_at: dt.datetime
    words: str
    order: Order | None  # the order the event is about: its number links to the order page
    customer: Customer | None  # the customer it was done for: their name links to their profile
    amount: str  # a payment's amount (an order's total on "Order placed"), with ``currency``
    currency: str
    store: Store | None  # whose time zone the time is shown in
    case: str = ""  # the reason and case of the session it was done in: "case 4711 · Order help"

    @property
    def kind(self) -> str:  # a CSS class
        return "payment" if self.amount else "event"


def recent_activity(*, actor_id: int) -> list[ActivityItem]:
    """The last ``RECENT_LIMIT`` things ``actor_id`` did, newest first, in words; lock and unlock
    events left out."""
    events = _RECENT.run(actor_id=actor_id)
    ids: dict[str, set[int]] = {"order": set(), "payment": set(), "cart": set(), "customer": set()}
    for event in events:
        if event.subject_kind in ids and event.subject_id.isdigit():
            ids[event.subject_kind].add(int(event.subject_id))
        if event.on_behalf_of_id:
            ids["customer"].add(event.on_behalf_of_id)
    if not events:
        return []
    # Each lookup only for ids the events name (an empty one still costs compiling the query).
    payments = {t.pk: t for t in PaymentTransaction.objects.filter(pk__in=ids["payment"])} if ids["payment"] else {}
    ids["order"] |= {t.order_id for t in payments.values() if t.order_id}
    orders = (
        {o.pk: o for o in Order.objects.filter(pk__in=ids["order"]).select_related("store", "customer")}
        if ids["order"]
        else {}
    )
    carts = {c.pk: c for c in Cart.objects.filter(pk__in=ids["cart"]).only("pk", "customer_id")} if ids["cart"] else {}
    ids["customer"] |= {c.customer_id for c in carts.values() if c.customer_id}
    customers = (
        {c.pk: c for c in Customer.objects.filter(pk__in=ids["customer"]).select_related("store")}
        if ids["customer"]
        else {}
    )
    cases = session_labels(events)
    return [_item(event, orders=orders, payments=payments, carts=carts, customers=customers,
                  case=cases.get(event.pk, "")) for event in events]  # fmt: skip


def _item(
    event: Event,
    *,
    orders: dict[int, Order],
    payments: dict[int, PaymentTransaction],
    carts: dict[int, Cart],
    customers: dict[int, Customer],
    case: str = "",
) -> ActivityItem:
    subject = int(event.subject_id) if event.subject_id.isdigit() else None
    payment = payments.get(subject) if event.subject_kind == "payment" and subject else None
    order = orders.get(subject) if event.subject_kind == "order" and subject else None
    if payment is not None and payment.order_id:
        order = orders.get(payment.order_id)
    customer = customers.get(event.on_behalf_of_id) if event.on_behalf_of_id else None
    if customer is None and event.subject_kind == "customer" and subject:
        customer = customers.get(subject)
    if customer is None and event.subject_kind == "cart" and subject and subject in carts:
        customer = customers.get(carts[subject].customer_id or 0)
    if customer is None and order is not None:
        customer = order.customer
    data = event.data or {}
    amount, currency = "", ""
    if event.action in AMOUNT_ACTIONS:
        amount = str(data.get("total") or data.get("amount") or (payment.amount if payment else "") or "")
        currency = str(data.get("currency") or (payment.currency if payment else "") or "")
    store = order.store if order is not None else customer.store if customer is not None else None
    return ActivityItem(occurred_at=event.occurred_at, words=describe(event.action), order=order, customer=customer,
                        amount=amount, currency=currency, store=store, case=case)  # fmt: skip
