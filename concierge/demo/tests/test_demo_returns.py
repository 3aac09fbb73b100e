"""The demo's returns and exchanges: the Returns and exchanges tab and the Warehouse are populated."""

import io

import pytest
from django.core.management import call_command

from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.returns.models import Return

pytestmark = pytest.mark.django_db


def test_the_demo_has_returns_and_exchanges_in_each_state():
    call_command("seed_demo", customers=20, stdout=io.StringIO())
    kinds = set(Return.objects.values_list("kind", "status"))
    assert {("RETURN", "AWAITING_RECEIPT"), ("RETURN", "COMPLETED"), ("RETURN", "CANCELLED"),
            ("EXCHANGE", "AWAITING_RECEIPT"), ("EXCHANGE", "COMPLETED")} <= kinds  # fmt: skip
    assert Return.objects.filter(lines__received_quantity__gt=0, status="AWAITING_RECEIPT").exists()  # partly received
    assert Refund.objects.filter(rma__startswith="RMA-", status="ISSUED").exists()
    assert Return.objects.filter(lines__is_digital=True, status="COMPLETED", refund_destination="MANUAL").exists()
    assert Order.objects.filter(status=Order.Status.AWAITING_EXCHANGE).count() == 1
    # one return rests in Received: its goods are back, its large refund awaits a second person
    received = Return.objects.get(status="RECEIVED")
    assert received.refund_wait() == "APPROVAL"
    assert not any(line.to_receive for line in received.lines.all())
    waiting = Refund.objects.get(rma=received.rma)
    assert (waiting.status, waiting.requested_by.email) == ("AWAITING_APPROVAL", "ann.agent@concierge.test")
    assert waiting.amount > received.store.refund_approval_threshold
    # and every other return that was received in full is completed, its refund issued
    assert not Return.objects.filter(status="RECEIVED").exclude(pk=received.pk).exists()
    # and seeding again adds none
    count = Return.objects.count()
    call_command("seed_demo", customers=20, stdout=io.StringIO())
    assert Return.objects.count() == count
