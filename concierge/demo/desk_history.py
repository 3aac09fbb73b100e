"""Ninety days of assisted selling, so the supervisor's desk has figures with a shape: every day,
in each store, CSRs' assisted sessions (with their reasons, lengths and endings), the items they put
in carts, the orders they placed in them, now and then a cart taken over and handed back for the
shopper to check out, and the shoppers' own orders beside them; a few of the assisted orders are
returned and refunded.

Deterministic (one seed), written in bulk (a few thousand rows), and added once: the demo's
loading is safe to run again. The rollup of the figures is then filled by the worker's first beat.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from concierge.assist.models import AssistedSession, CartTakeover
from concierge.audit import chain
from concierge.audit.chainer import link_pending
from concierge.audit.models import Event
from concierge.catalog.models import Price, Sku
from concierge.core import clock
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders.models import Order, OrderLine, Shipment
from concierge.payments.models import PaymentTransaction, Refund
from concierge.returns.models import Return, ReturnLine, ReturnReason
from concierge.stores.models import Store

DAYS = 90
SEED = 18
MARK = "DESK-HISTORY"  # the case reference of the first session: the history is loaded
REASONS = [("Order help", 34), ("Sales", 22), ("Delivery question", 16), ("Returns and refunds", 12),
           ("Account problem", 9), ("Other", 7)]  # fmt: skip
R = AssistedSession.EndReason
ENDINGS = [(R.SIGNED_IN_AS_SELF, 44), (R.SIGNED_OUT, 20), (R.IDLE, 14), (R.TIME_LIMIT, 4), (R.REPLACED, 5),
           (R.ENDED_BY_CUSTOMER, 6), (R.ENDED_BY_SUPERVISOR, 2)]  # fmt: skip
# Who assists in each store (the demo's CSRs and their supervisor) and how busy each is.
AGENTS = {
    "us": [("ann.agent@concierge.test", 5), ("bob.agent@concierge.test", 3), ("sam.supervisor@concierge.test", 1)],
    "ca": [("carla.csr@concierge.test", 4), ("bob.agent@concierge.test", 2)],
}
SESSIONS_PER_DAY = {"us": 9, "ca": 5}
SHIPPING = Decimal("5.95")

# The note on the refunds of the ninety days of history (the demo's own refunds have their own).
HISTORY_REFUND_NOTE = "Demo refund"


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


@dataclass
class _Written:
    orders: list[Order]
    shipments: list[Shipment]
    lines: list[tuple[int, OrderLine]]  # the index of its order
    sessions: list[AssistedSession]
    events: list[tuple[int, Event]]  # the index of its session
    takeovers: list[tuple[int, int, CartTakeover]]  # session and order indexes
    refunded: list[tuple[int, Decimal, dt.datetime, bool]]  # order index, amount, when, with a return


def seed_desk_history(*, days: int = DAYS) -> int:
    """Write the history once; returns the assisted sessions written (0 when it is there already)."""
    if AssistedSession.objects.filter(ticket=MARK).exists():
        return 0
    rng = random.Random(SEED)
    now = clock.now().replace(second=0, microsecond=0)
    out = _Written([], [], [], [], [], [], [])
    numbers = iter(range(Order.objects.count() + 1, 10**7))
    for store in Store.objects.filter(code__in=list(AGENTS)).order_by("code"):
        agents = [(u, w) for email, w in AGENTS[store.code] if (u := User.objects.filter(email=email).first())]
        customers = list(Customer.objects.filter(store=store, user__isnull=False, kind=Customer.Kind.REGISTERED_USER)
                         .select_related("user").order_by("pk")[:120])  # fmt: skip
        prices = list(Price.objects.filter(price_list__store=store, price_list__segment__isnull=True,
                                           price_list__account__isnull=True, sku__kind=Sku.Kind.SHIPPABLE)
                      .select_related("sku__product").order_by("sku_id")[:60])  # fmt: skip
        if not agents or not customers or not prices:
            continue
        for back in range(days, -1, -1):
            day = now - dt.timedelta(days=back)
            _one_day(rng, out, store, day, now, back, agents, customers, prices, numbers)
    if not out.sessions:
        return 0
    out.sessions[0].ticket = MARK
    with transaction.atomic():
        _write(out)
    # The cart events happened weeks ago: link them into the audit chain now, not on a later pass.
    link_pending()
    return len(out.sessions)


def _one_day(rng: random.Random, out: _Written, store: Store, day: dt.datetime, now: dt.datetime, back: int,
             agents: list[tuple[User, int]], customers: list[Customer], prices: list[Price],
             numbers: Any) -> None:  # fmt: skip
    weekday = day.weekday()
    # Busier towards today, quieter at weekends, a wave through the months.
    trend = 0.7 + 0.6 * (DAYS - back) / DAYS
    shape = (0.55 if weekday >= 5 else 1.0) * (1.0 + 0.25 * ((back // 7) % 3 == 0))
    count = max(1, round(SESSIONS_PER_DAY[store.code] * trend * shape * rng.uniform(0.7, 1.3)))
    for _ in range(count):
        start = day.replace(hour=14, minute=0) + dt.timedelta(minutes=rng.randint(0, 8 * 60))
        minutes = max(1, min(90, round(rng.lognormvariate(2.2, 0.6))))
        end = start + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
        if end >= now:
            continue  # today's sessions that would still be going on
        agent = _weighted(rng, agents)
        customer = rng.choice(customers)
        reason = _weighted(rng, REASONS)
        takeover = rng.random() < 0.06
        session = AssistedSession(
            agent=agent, customer=customer, reason=reason, started_at=start, last_seen_at=end, ended_at=end,
            status=AssistedSession.Status.ENDED,
            channel=AssistedSession.Channel.CONSOLE if takeover else AssistedSession.Channel.STOREFRONT,
            end_reason=R.HANDED_BACK if takeover else _weighted(rng, ENDINGS),
        )  # fmt: skip
        out.sessions.append(session)
        s_index = len(out.sessions) - 1
        converts = not takeover and rng.random() < (0.42 if reason in ("Sales", "Order help") else 0.18)
        carted = takeover or converts or rng.random() < 0.25
        basket = rng.sample(prices, k=min(len(prices), rng.randint(1, 3)))
        if carted:
            for price in basket:
                at = start + (end - start) * rng.uniform(0.1, 0.6)
                data = chain.canonical({"sku": price.sku_id})
                changes = chain.canonical({"quantity": [0, 1]})
                out.events.append((s_index, Event(
                    occurred_at=at, actor_id=agent.pk, actor_label=agent.display_name, on_behalf_of_id=customer.pk,
                    subject_kind="cart", subject_id="0", action="cart.line_added", changes=changes, data=data,
                    payload_digest=chain.payload_digest(changes=changes, data=data),
                )))  # fmt: skip
        if converts:
            placed = start + (end - start) * rng.uniform(0.7, 0.95)
            _order(out, rng, store, customer, placed, basket, numbers, agent=agent, reason=reason, now=now)
        if takeover:
            checkout = end + dt.timedelta(hours=rng.randint(1, 30))
            order_index = None
            if rng.random() < 0.7 and checkout < now:
                order_index = _order(out, rng, store, customer, checkout, basket, numbers, agent=agent,
                                     reason=reason, now=now, draft=True)  # fmt: skip
            out.takeovers.append((s_index, order_index if order_index is not None else -1, CartTakeover(
                number=f"CT{next(numbers):08d}", agent=agent, customer=customer,
                status=CartTakeover.Status.HANDED_BACK, created_at=start + dt.timedelta(minutes=1), ended_at=end,
            )))  # fmt: skip
    # The shoppers' own orders of the day.
    for _ in range(round(count * rng.uniform(1.4, 2.2))):
        placed = day.replace(hour=12) + dt.timedelta(minutes=rng.randint(0, 11 * 60))
        if placed < now:
            basket = rng.sample(prices, k=min(len(prices), rng.randint(1, 3)))
            _order(out, rng, store, rng.choice(customers), placed, basket, numbers, now=now)


_ADDRESSES: dict[int, Any] = {}


def _first_address(customer: Customer) -> Any:
    if customer.pk not in _ADDRESSES:
        _ADDRESSES[customer.pk] = customer.addresses.order_by("id").first()
    return _ADDRESSES[customer.pk]


def _order(out: _Written, rng: random.Random, store: Store, customer: Customer, placed: dt.datetime,
           basket: list[Price], numbers: Any, *, now: dt.datetime, agent: User | None = None, reason: str = "",
           draft: bool = False) -> int:  # fmt: skip
    """An order of ``basket`` (quantities 1-2), one shipment; returns its index."""
    quantities = [rng.choice((1, 1, 1, 2)) for _ in basket]
    subtotal = sum((p.amount * q for p, q in zip(basket, quantities, strict=True)), Decimal(0))
    age = now - placed
    status = Order.Status.COMPLETED if age > dt.timedelta(days=3) else Order.Status.IN_PROGRESS
    if age > dt.timedelta(days=1) and rng.random() < 0.04:
        status = Order.Status.CANCELLED
    address = _first_address(customer)
    billing = {
        "billing_first_name": customer.first_name, "billing_last_name": customer.last_name,
        "billing_line1": getattr(address, "line1", "") or "1 Main St",
        "billing_city": getattr(address, "city", "") or "Chicago", "billing_region": getattr(address, "region", ""),
        "billing_postal_code": getattr(address, "postal_code", "") or "60601",
        "billing_country": getattr(address, "country", "") or "US",
    }  # fmt: skip
    order = Order(
        number=f"{store.code.upper()}H{next(numbers):07d}", store=store, customer=customer, status=status,
        placed_by=agent or customer.user, placed_on_behalf=agent is not None and not draft, from_draft=draft,
        assist_reason=reason if agent is not None else "", currency=store.currency, subtotal=subtotal,
        shipping_total=SHIPPING, total=subtotal + SHIPPING, email=customer.email, placed_at=placed, updated_at=placed,
        **billing,
    )  # fmt: skip
    out.orders.append(order)
    index = len(out.orders) - 1
    shipped = status == Order.Status.COMPLETED
    out.shipments.append(Shipment(
        number=f"{order.number}-1", kind=Shipment.Kind.SHIP,
        status=Shipment.Status.SHIPPED if shipped else (
            Shipment.Status.CANCELLED if status == Order.Status.CANCELLED else Shipment.Status.RELEASED),
        shipping_method_name="Standard", shipping_price=SHIPPING, ship_first_name=customer.first_name,
        ship_last_name=customer.last_name, ship_line1=billing["billing_line1"], ship_city=billing["billing_city"],
        ship_region=billing["billing_region"], ship_postal_code=billing["billing_postal_code"],
        ship_country=billing["billing_country"], released_at=placed, shipped_at=placed + dt.timedelta(days=1)
        if shipped else None,
    ))  # fmt: skip
    for price, quantity in zip(basket, quantities, strict=True):
        amount = price.amount * quantity
        out.lines.append((index, OrderLine(
            sku=price.sku, sku_code=price.sku.code, product_name=price.sku.product.name, sku_name=price.sku.name,
            quantity=quantity, unit_price=price.amount, subtotal=amount, total=amount,
        )))  # fmt: skip
    if agent is not None and shipped and rng.random() < 0.08:
        share = Decimal(rng.choice((25, 50, 100))) / 100
        amount = (subtotal * share).quantize(Decimal("0.01"))
        if amount > 0:
            out.refunded.append((index, amount, placed + dt.timedelta(days=rng.randint(4, 12)), rng.random() < 0.6))
    return index


def _write(out: _Written) -> None:
    Order.objects.bulk_create(out.orders, batch_size=500)
    for order, shipment in zip(out.orders, out.shipments, strict=True):
        shipment.order = order
    Shipment.objects.bulk_create(out.shipments, batch_size=500)
    for index, line in out.lines:
        line.order, line.shipment = out.orders[index], out.shipments[index]
    OrderLine.objects.bulk_create([line for _, line in out.lines], batch_size=1000)
    AssistedSession.objects.bulk_create(out.sessions, batch_size=500)
    for s_index, event in out.events:
        event.assisted_session_id = out.sessions[s_index].pk
    Event.objects.bulk_create([event for _, event in out.events], batch_size=1000)
    for s_index, o_index, takeover in out.takeovers:
        takeover.session = out.sessions[s_index]
        takeover.order = out.orders[o_index] if o_index >= 0 else None
    CartTakeover.objects.bulk_create([t for _, _, t in out.takeovers], batch_size=500)
    _refunds(out)


def _refunds(out: _Written) -> None:
    """Captures of the refunded orders, their issued refunds and, for most, the return they came with."""
    reason = ReturnReason.objects.filter(is_active=True).order_by("pk").first()
    captures, refunds, returns, return_lines = [], [], [], []
    lines_of: dict[int, list[OrderLine]] = {}
    for index, line in out.lines:
        lines_of.setdefault(index, []).append(line)
    for n, (index, amount, when, with_return) in enumerate(out.refunded):
        order = out.orders[index]
        captures.append(PaymentTransaction(
            order=order, kind=PaymentTransaction.Kind.CAPTURE, status=PaymentTransaction.Status.SUCCEEDED,
            amount=order.total, currency=order.currency, source_label="Visa ending in 4242",
            idempotency_key=f"desk-history-capture-{order.number}", request_digest="demo",
            created_at=order.placed_at, settled_at=order.placed_at, refund_reserved=amount,
        ))  # fmt: skip
        rma = ""
        if with_return and reason is not None:
            rma = f"RMA-H{n:07d}"
            ret = Return(rma=rma, status=Return.Status.COMPLETED, order=order, store_id=order.store_id,
                         order_number=order.number, customer_first_name=order.billing_first_name,
                         customer_last_name=order.billing_last_name, email=order.email, currency=order.currency,
                         value=amount, refund_amount=amount, refund_destination=Refund.Destination.ORIGINAL,
                         created_by=order.placed_by, created_at=when - dt.timedelta(days=2),
                         received_at=when - dt.timedelta(hours=3), completed_at=when)  # fmt: skip
            returns.append(ret)
            first = lines_of[index][0]
            back = ReturnLine(order_line=first, quantity=1, reason=reason, received_quantity=1,
                              price=first.unit_price, value=min(amount, first.unit_price))  # fmt: skip
            return_lines.append((ret, back))
        refunds.append(Refund(
            order=order, amount=amount, currency=order.currency, destination=Refund.Destination.ORIGINAL,
            source_label="Visa ending in 4242", rma=rma, status=Refund.Status.ISSUED, requested_by=order.placed_by,
            created_at=when - dt.timedelta(minutes=5), settled_at=when, note=HISTORY_REFUND_NOTE,
        ))  # fmt: skip
    PaymentTransaction.objects.bulk_create(captures, batch_size=500)
    for refund, capture in zip(refunds, captures, strict=True):
        refund.capture = capture
    Refund.objects.bulk_create(refunds, batch_size=500)
    Return.objects.bulk_create(returns, batch_size=500)
    for ret, return_line in return_lines:
        return_line.ret = ret
    ReturnLine.objects.bulk_create([return_line for _, return_line in return_lines], batch_size=500)
    for index, amount, _when, _with_return in out.refunded:
        Order.objects.filter(pk=out.orders[index].pk).update(refund_reserved=amount)
