"""A small, known set of assisted sessions, orders, returns, refunds and a cart takeover, with the
figures worked out by hand (the tests of the desk's analytics assert each of them).

The clock stands at 2026-06-15 18:00 UTC: 13:00 in Chicago (the US store), 14:00 in Toronto (the
Canadian store). "The last 7 days" are June 9 to 15 in each store's calendar.

Ann Agent (US store, customer Jane):
- S1 June 10 15:00-15:10 UTC (10 min), "Order help", signed in as herself; put an item in a cart,
  placed order A1 ($100.00) at 15:05: converted, with a cart;
- S2 June 12 16:00-16:04 (4 min), "Returns and refunds", idle timeout; nothing placed;
- S3 today 14:00-14:20 (20 min), "Order help", signed out; item in a cart, order A2 ($50.00) at 14:10;
- S4 June 1 (before the period), 5 min, with order A0 ($70.00): outside;
- an open session today: not counted (it has not ended);
- order A3 ($20.00) placed for Jane outside any session on June 10 04:30 UTC = June 9 23:30 in
  Chicago: in the period, on June 9; order A4 ($999.00) June 9 03:00 UTC = June 8 22:00 in Chicago:
  outside;
- a return of A1 opened June 13 (counted) and a cancelled one (not); a refund of $25.00 of A1
  issued June 14 (counted) and one awaiting approval (not).

Carla (Canadian store, customer Chloe):
- S5 June 11 12:00-12:30 (30 min), "Order help", cart handed back; took over Chloe's cart at
  12:01, handed it back at 12:29; Chloe checked it out on June 13 10:00 UTC as order C1
  (CA$80.00, prepared by Carla): an assisted order, not a converted session (placed after it).

Shoppers alone: Jane's order J1 ($30.00) June 11; Chloe's order K1 (CA$40.00) June 14.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from concierge.assist.models import AssistedSession, CartTakeover
from concierge.audit.models import Event
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders.models import Order
from concierge.orders.tests.builders import order_row
from concierge.payments.models import PaymentTransaction, Refund
from concierge.returns.models import Return
from concierge.stores.models import Store
from concierge.testing import factories

NOW = dt.datetime(2026, 6, 15, 18, 0, tzinfo=dt.UTC)
_n = itertools.count(1)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


@dataclass
class Known:
    us: Store
    ca: Store
    ann: User
    carla: User
    sam: User
    jane: Customer
    chloe: Customer
    a1: Order
    c1: Order


def session(agent: User, customer: Customer, start: dt.datetime, minutes: int | None, reason: str,
            end: str = "") -> AssistedSession:  # fmt: skip
    return AssistedSession.objects.create(
        agent=agent, customer=customer, reason=reason, started_at=start, last_seen_at=start,
        ended_at=start + dt.timedelta(minutes=minutes) if minutes is not None else None,
        status=AssistedSession.Status.ENDED if minutes is not None else AssistedSession.Status.OPEN,
        end_reason=end,
    )  # fmt: skip


def cart_event(s: AssistedSession, when: dt.datetime) -> None:
    Event.objects.create(occurred_at=when, actor_id=s.agent_id, actor_label="Ann Agent", on_behalf_of_id=s.customer_id,
                         assisted_session_id=s.pk, subject_kind="cart", subject_id="1", action="cart.line_added",
                         payload_digest="0" * 64)  # fmt: skip


def order(customer: Customer, store: Store, when: dt.datetime, total: str, *, by: User | None = None,
          draft: bool = False, status: str = Order.Status.CREATED) -> Order:  # fmt: skip
    return order_row(customer, store, placed_at=when, total=Decimal(total), status=status,
                     placed_by=by or customer.user, placed_on_behalf=by is not None and not draft,
                     from_draft=draft, currency=store.currency)  # fmt: skip


def refund(o: Order, amount: str, status: str, when: dt.datetime) -> Refund:
    capture = PaymentTransaction.objects.create(order=o, kind="CAPTURE", status="SUCCEEDED", amount=o.total,
                                                currency=o.currency, idempotency_key=f"cap-{next(_n)}",
                                                request_digest="x", settled_at=when)  # fmt: skip
    return Refund.objects.create(order=o, capture=capture, amount=Decimal(amount), currency=o.currency,
                                 destination="MANUAL", status=status, created_at=when,
                                 settled_at=when if status == Refund.Status.ISSUED else None)  # fmt: skip


def a_return(o: Order, when: dt.datetime, status: str) -> Return:
    return Return.objects.create(rma=f"RMA{next(_n):05d}", status=status, order=o, store=o.store,
                                 order_number=o.number, currency=o.currency, created_at=when)  # fmt: skip


def build() -> Known:
    us = factories.store(code="us", name="Northwind Outfitters", currency="USD", is_default=True)
    ca = factories.store(code="ca", name="Northwind Outfitters Canada", currency="CAD", locale="en_CA")
    Store.objects.filter(pk=us.pk).update(time_zone="America/Chicago")
    Store.objects.filter(pk=ca.pk).update(time_zone="America/Toronto")
    us.refresh_from_db()
    ca.refresh_from_db()
    ann = factories.staff("CSR", stores=[us], email="ann@concierge.test", first_name="Ann", last_name="Agent")
    carla = factories.staff("CSR", stores=[ca], email="carla@concierge.test", first_name="Carla", last_name="Chen")
    sam = factories.staff("Supervisor", stores=[us, ca], email="sam@concierge.test", first_name="Sam",
                          last_name="Supervisor")  # fmt: skip
    jane = factories.shopper(store=us, email="jane@example.com", first_name="Jane", last_name="Shopper")
    chloe = factories.shopper(store=ca, email="chloe@example.com", first_name="Chloe", last_name="Roy")

    s1 = session(ann, jane, at(6, 10, 15), 10, "Order help", AssistedSession.EndReason.SIGNED_IN_AS_SELF)
    cart_event(s1, at(6, 10, 15, 2))
    a1 = order(jane, us, at(6, 10, 15, 5), "100.00", by=ann)
    session(ann, jane, at(6, 12, 16), 4, "Returns and refunds", AssistedSession.EndReason.IDLE)
    s3 = session(ann, jane, at(6, 15, 14), 20, "Order help", AssistedSession.EndReason.SIGNED_OUT)
    cart_event(s3, at(6, 15, 14, 5))
    order(jane, us, at(6, 15, 14, 10), "50.00", by=ann)
    session(ann, jane, at(6, 1, 15), 5, "Order help", AssistedSession.EndReason.SIGNED_OUT)
    order(jane, us, at(6, 1, 15, 2), "70.00", by=ann)
    session(ann, jane, at(6, 15, 17), None, "Order help")
    order(jane, us, at(6, 10, 4, 30), "20.00", by=ann)
    order(jane, us, at(6, 9, 3), "999.00", by=ann)
    a_return(a1, at(6, 13, 12), Return.Status.AWAITING_RECEIPT)
    a_return(a1, at(6, 13, 13), Return.Status.CANCELLED)
    refund(a1, "25.00", Refund.Status.ISSUED, at(6, 14, 12))
    refund(a1, "10.00", Refund.Status.AWAITING_APPROVAL, at(6, 14, 13))

    s5 = session(carla, chloe, at(6, 11, 12), 30, "Order help", AssistedSession.EndReason.HANDED_BACK)
    c1 = order(chloe, ca, at(6, 13, 10), "80.00", by=carla, draft=True)
    CartTakeover.objects.create(number=f"T{next(_n):06d}", order=c1, agent=carla, customer=chloe, session=s5,
                                status=CartTakeover.Status.HANDED_BACK, created_at=at(6, 11, 12, 1),
                                ended_at=at(6, 11, 12, 29))  # fmt: skip

    order(jane, us, at(6, 11, 18), "30.00")
    order(chloe, ca, at(6, 14, 18), "40.00")
    # A draft customer service has not handed over yet: no sale.
    order(jane, us, at(6, 14, 9), "15.00", by=ann, draft=True, status=Order.Status.DRAFT)
    return Known(us=us, ca=ca, ann=ann, carla=carla, sam=sam, jane=jane, chloe=chloe, a1=a1, c1=c1)
