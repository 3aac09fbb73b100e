"""Gift certificates: a balance held at authorization, given back on reversal, never below zero."""

from decimal import Decimal

import pytest

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.payments.models import GiftCertificate
from concierge.payments.services import (
    gift_certificate_issue,
    payment_authorize,
    payment_capture,
    payment_reverse,
    payment_source_add_gift_certificate,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ctx(shopper, store) -> ActingContext:
    return ActingContext(user=shopper.user, customer=shopper, store=store)


@pytest.fixture
def issued(system_ctx, store):
    return gift_certificate_issue(system_ctx, store=store, amount=Money(D("50.00"), "USD"))


def test_only_the_digest_of_the_code_is_kept(issued):
    certificate, code = issued
    assert code.replace("-", "") not in repr(list(GiftCertificate.objects.values()))
    assert certificate.last4 == code[-4:]


def test_a_code_on_file_pays_and_a_reversal_gives_it_back(ctx, shopper, issued):
    certificate, code = issued
    source = payment_source_add_gift_certificate(ctx, customer=shopper, code=code.lower())
    authorization = payment_authorize(ctx, source=source, amount=Money(D("30.00"), "USD"), idempotency_key="a")
    assert authorization.status == "SUCCEEDED"
    assert GiftCertificate.objects.get(pk=certificate.pk).balance == D("20.00")
    payment_capture(ctx, authorization=authorization, amount=Money(D("10.00"), "USD"), idempotency_key="c")
    payment_reverse(ctx, authorization=authorization, idempotency_key="r")
    assert GiftCertificate.objects.get(pk=certificate.pk).balance == D("40.00")  # 10 captured, 20 back


def test_more_than_the_balance_is_declined_and_nothing_is_taken(ctx, shopper, issued):
    certificate, code = issued
    source = payment_source_add_gift_certificate(ctx, customer=shopper, code=code)
    authorization = payment_authorize(ctx, source=source, amount=Money(D("50.01"), "USD"), idempotency_key="a")
    assert (authorization.status, authorization.message) == (
        "DECLINED",
        "The gift certificate balance is not enough for this order.",
    )
    assert GiftCertificate.objects.get(pk=certificate.pk).balance == D("50.00")


def test_a_wrong_code_or_another_stores_certificate_is_refused(ctx, shopper, system_ctx, other_store):
    with pytest.raises(DomainError) as refused:
        payment_source_add_gift_certificate(ctx, customer=shopper, code="NOPE-NOPE-NOPE-NOPE")
    assert refused.value.code == "payment.gift_certificate_invalid"
    _, canadian_code = gift_certificate_issue(system_ctx, store=other_store, amount=Money(D("20"), "CAD"))
    with pytest.raises(DomainError):
        payment_source_add_gift_certificate(ctx, customer=shopper, code=canadian_code)


def test_the_my_account_form_adds_a_gift_certificate(signed_in, shopper, issued):
    _, code = issued
    client = signed_in(shopper.user)
    client.post("/account/payment-methods/", {"action": "gift_certificate", "code": code})
    assert "Gift certificate ending in" in client.get("/account/payment-methods/").content.decode()
    bad = client.post("/account/payment-methods/", {"action": "gift_certificate", "code": "x"})
    assert bad.status_code == 400
