"""The demo refunds: one issued, one Manual Refund, one large one awaiting approval."""

import io

import pytest
from django.core.management import call_command

from concierge.demo.desk_history import HISTORY_REFUND_NOTE
from concierge.payments.models import Refund

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_issued_a_manual_and_a_large_refund_awaiting_approval():
    call_command("seed_demo", customers=20, stdout=io.StringIO())
    # the demo's returns have refunds of their own, and so do the ninety days of the desk's history
    outside_returns = Refund.objects.filter(rma="").exclude(note=HISTORY_REFUND_NOTE)
    refunds = list(outside_returns.order_by("id").values_list("status", "destination", "requested_by__email"))
    assert refunds == [
        ("AWAITING_APPROVAL", "ORIGINAL", "admin@concierge.test"),
        ("ISSUED", "ORIGINAL", "sam.supervisor@concierge.test"),
        ("ISSUED", "MANUAL", "sam.supervisor@concierge.test"),
    ]
    waiting = outside_returns.get(status="AWAITING_APPROVAL")
    assert waiting.amount > waiting.order.store.refund_approval_threshold
    call_command("seed_demo", customers=20, stdout=io.StringIO())
    assert outside_returns.count() == 3  # run again, nothing is added
