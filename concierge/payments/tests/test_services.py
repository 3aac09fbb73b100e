"""Payments: cards on file without the number, idempotent gateway calls (bars 18 and 27)."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from concierge.audit.actions import describe
from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.payments.gateway import TestGateway
from concierge.payments.models import PaymentSource, PaymentTransaction
from concierge.payments.services import payment_authorize, payment_source_add_card

pytestmark = pytest.mark.django_db
NUMBER = "4242424242424242"


@pytest.fixture
def ctx(shopper, store) -> ActingContext:
    return ActingContext(user=shopper.user, customer=shopper, store=store)


def add_card(ctx, **overrides):
    fields: dict[str, Any] = {
        "number": NUMBER,
        "exp_month": 12,
        "exp_year": 2030,
        "cvc": "987",
        "holder_name": "Jane Shopper",
    }
    fields.update(overrides)
    return payment_source_add_card(ctx, customer=ctx.customer, **fields)


def test_a_card_on_file_keeps_brand_and_last_four_only(ctx):
    source = add_card(ctx)
    assert (source.label, source.is_default) == ("Visa ending in 4242", True)
    # nothing in the database holds the full number, or the CVV as a value (a random token or a
    # hash may contain the digits 987, so the CVV is looked for as a value, not a substring)
    with connection.cursor() as cursor:
        for table in ("payments_paymentsource", "audit_event"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows = cursor.fetchall()
            assert NUMBER not in repr(rows)
            values = [str(value) for row in rows for value in row]
            assert "987" not in values
            assert not any('"987"' in value or "cvc" in value.lower() for value in values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"number": "4242424242424241"}, "number"), ({"exp_year": 2001}, "exp_year"), ({"cvc": "12"}, "cvc"),
     ({"exp_month": 13}, "exp_month")],
)  # fmt: skip
def test_a_bad_card_is_refused_with_the_field(ctx, overrides, field):
    with pytest.raises(DomainError) as refused:
        add_card(ctx, **overrides)
    assert field in refused.value.fields
    assert not PaymentSource.objects.exists()


def test_the_same_key_and_request_reach_the_gateway_once(ctx):
    source = add_card(ctx)
    TestGateway.calls.clear()
    first = payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    again = payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    assert first.pk == again.pk
    assert len(TestGateway.calls) == 1
    assert Event.objects.filter(action="payment.authorize_succeeded").count() == 1


def test_the_same_key_with_another_amount_is_refused(ctx):
    source = add_card(ctx)
    payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    with pytest.raises(DomainError) as refused:
        payment_authorize(ctx, source=source, amount=Money(Decimal("11.00"), "USD"), idempotency_key="k1")
    assert (refused.value.code, refused.value.status) == ("payment.idempotency_key_reused", 422)


def test_a_request_in_flight_answers_409(ctx):
    source = add_card(ctx)
    payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    PaymentTransaction.objects.update(status=PaymentTransaction.Status.PENDING)  # as if still at the gateway
    with pytest.raises(DomainError) as refused:
        payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    assert refused.value.status == 409


def test_a_declined_card_settles_once_as_declined_and_the_log_says_so(ctx):
    source = add_card(ctx, number="4000000000000002")
    declined = payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    assert (declined.status, declined.message) == (PaymentTransaction.Status.DECLINED, "Your card was declined.")
    event = Event.objects.get(action="payment.authorize_declined")
    assert describe(event.action) == "Payment authorization declined"
    # a settled transaction never changes status again: the table on the model refuses it
    with pytest.raises(DomainError) as refused:
        declined.transition_to(PaymentTransaction.Status.SUCCEEDED)
    assert (refused.value.code, refused.value.status) == ("payment.illegal_transition", 409)
    assert "A payment transaction that is Declined cannot become Succeeded" in refused.value.message


def test_a_gateway_outage_settles_the_call_as_failed(ctx):
    source = add_card(ctx, number="4000000000000119")
    with pytest.raises(DomainError) as refused:
        payment_authorize(ctx, source=source, amount=Money(Decimal("10.00"), "USD"), idempotency_key="k1")
    assert refused.value.code == "payment.gateway_unavailable"
    failed = PaymentTransaction.objects.get(idempotency_key="k1")
    assert (failed.status, failed.message) == (PaymentTransaction.Status.FAILED, "The payment service did not answer.")
    assert describe(Event.objects.get(data__transaction=failed.pk).action).startswith("Payment service did not answer")
