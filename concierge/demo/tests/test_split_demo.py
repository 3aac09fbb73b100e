"""The demo's split order (Move Item): two shipments, exact totals, seeded once."""

import io

import pytest
from django.core.management import call_command

from concierge.orders.models import Amendment, Order

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_order_split_into_two_shipments_once():
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    split = Amendment.objects.get(kind=Amendment.Kind.SPLIT)
    assert split.status == Amendment.Status.APPLIED
    order = Order.objects.get(pk=split.order_id)
    first, second = order.shipments.order_by("number")
    assert (first.lines.get().quantity, second.lines.get().quantity) == (2, 1)
    assert (second.ship_city, second.shipping_method_name) == ("Chicago", "Express")
    lines = sum(line.total for line in order.lines.all())
    assert order.total == lines + first.shipping_price + second.shipping_price
