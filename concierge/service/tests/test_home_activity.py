"""The Customer Service home's "Your recent activity" as a CSR reads it (issue 10.11): each event in
words, the order by its number and the customer by name (both links), payments with their amount,
lock and unlock noise left out; never an action code or a row id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.orders.tests.builders import placed_order
from concierge.payments.services import payment_authorize
from concierge.service.tests.test_order_console_repairs import browser, edit, text, url, version

pytestmark = pytest.mark.django_db
HOME = reverse("service:home")


def test_recent_activity_reads_as_words_with_links_and_amounts(shopper, store, csr):
    # given: Ann opened Jane's order, released a shipment and closed the editor, and authorized a payment for her
    order = placed_order(shopper, store)
    ann = browser(csr)
    edit(ann, order)
    first = order.shipments.order_by("number")[0]
    assert ann.post(url("shipment_release", order, first.number), {"version": version(order)}).status_code == 302
    ann.post(url("order_close", order))
    for_jane = ActingContext(user=csr, customer=shopper, store=store)
    payment_authorize(for_jane, source=shopper.payment_sources.get(), amount=Money(Decimal("42.50"), "USD"),
                      idempotency_key="phone-order-1")  # fmt: skip
    # when
    html = ann.get(HOME).content.decode()
    # then: the events in words, the order by its number linking to its page, Jane by name linking to her profile
    activity = html[html.index('id="activity-heading"') :]
    words = text(activity)
    assert f"Shipment released to the warehouse · Order {order.number} for Jane Shopper" in words
    assert "Payment authorized $42.50 for Jane Shopper" in words
    assert f'<a href="{reverse("service:order", args=[order.number])}">Order {order.number}</a>' in activity
    assert f'<a href="{reverse("service:customer", args=[shopper.pk])}">Jane Shopper</a>' in activity
    # no codes, no row ids, no "USD" amounts; opening and closing the editor is not listed
    for raw in (
        "shipment.released",
        "order.",
        "payment.",
        f"order {order.pk}",
        "42.50 USD",
        "Order unlocked",
        "Opened for editing",
    ):
        assert raw not in words, raw
    assert "Opening and closing orders and carts for editing is not listed." in words
