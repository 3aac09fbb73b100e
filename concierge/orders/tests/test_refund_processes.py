"""Concurrent partial refunds of one payment from 8 processes on PostgreSQL never exceed the captured
amount, to the cent (RELIABILITY.md bar 17): through the order's refunds, and at the capture's own
conditional UPDATE with no order lock to serialize them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.orders.editing import SYSTEM, Then, order_edit
from concierge.orders.models import Order
from concierge.orders.refunds import refund_issue, refund_open, refundable
from concierge.orders.tests.refund_support import captured_order
from concierge.payments.models import PaymentTransaction, Refund
from concierge.payments.refunds import capture_reserve
from concierge.testing.processes import run_in_processes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and conditional updates between processes are PostgreSQL's; SQLite serializes every "
        "writer in one file lock, so nothing would race",
    ),
]

ATTEMPTS = 200


def refund_once(order_id: int, amount: str) -> tuple[str, str]:
    """One partial refund to the original card, opened and issued in a process of its own."""
    try:
        ctx = ActingContext.system("refund race")
        with order_edit(ctx, order_id=order_id, guard=SYSTEM, then=Then.KEEP) as edit:
            refund = refund_open(edit, amount=Money(Decimal(amount), edit.order.currency), destination="ORIGINAL",
                                 source_id=None, note="")  # fmt: skip
        return ("refund", refund_issue(ctx, refund_id=refund.pk).status)
    except DomainError as exc:
        return ("refused", exc.code)
    except Exception as exc:
        return ("error", repr(exc))


def reserve_once(capture_id: int, amount: str) -> str:
    """One reservation on the capture itself, in its own transaction, with no order lock taken."""
    try:
        with transaction.atomic():
            return "reserved" if capture_reserve(capture_id, Decimal(amount)) else "refused"
    except Exception as exc:
        return f"error {exc!r}"


@pytest.fixture
def order(shopper, store) -> Order:
    return captured_order(shopper, store, prices=("100.00",))


def test_200_concurrent_partial_refunds_from_8_processes_never_exceed_the_capture(order):
    capture = PaymentTransaction.objects.get(order=order, kind="CAPTURE")
    amount = Decimal("0.73")  # 200 of them ask for 146.00, more than was captured
    assert amount * ATTEMPTS > capture.amount
    results = run_in_processes(refund_once, [(order.pk, str(amount))] * ATTEMPTS, processes=8)
    assert [r for r in results if r[0] == "error"] == []
    issued = [r for r in results if r == ("refund", "ISSUED")]
    refused = [r for r in results if r[0] == "refused"]
    assert len(issued) + len(refused) == ATTEMPTS
    assert {r[1] for r in refused} == {"refund.amount_too_large"}
    total = amount * len(issued)
    assert total <= capture.amount
    assert capture.amount - total < amount  # every refund that fitted was made
    capture.refresh_from_db()
    assert capture.refund_reserved == total
    assert Order.objects.get(pk=order.pk).refund_reserved == total
    assert Refund.objects.filter(order=order, status="ISSUED").count() == len(issued)
    assert PaymentTransaction.objects.filter(order=order, kind="REFUND", status="SUCCEEDED").count() == len(issued)
    assert refundable(order).amount == capture.amount - total


def test_200_concurrent_reservations_on_one_capture_without_the_order_lock_never_exceed_it(order):
    capture = PaymentTransaction.objects.get(order=order, kind="CAPTURE")
    amount = Decimal("0.61")
    results = run_in_processes(reserve_once, [(capture.pk, str(amount))] * ATTEMPTS, processes=8)
    assert [r for r in results if r.startswith("error")] == []
    reserved = results.count("reserved")
    assert reserved == int(capture.amount // amount)  # exactly as many as fit, not one more
    capture.refresh_from_db()
    assert capture.refund_reserved == amount * reserved
    assert capture.refund_reserved <= capture.amount
