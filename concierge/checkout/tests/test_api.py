"""POST /api/v1/checkout with an Idempotency-Key (RELIABILITY.md bar 18)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from concierge.api.tests.test_commerce_api import add_card, ship_all, sku, token_headers
from concierge.checkout.api import CheckoutIn
from concierge.checkout.idempotency import request_digest
from concierge.checkout.models import CheckoutAttempt
from concierge.core import clock as clock_module
from concierge.orders.models import Order
from concierge.payments.gateway import TestGateway

pytestmark = pytest.mark.django_db
__all__ = ["sku"]  # the fixture, shared with the commerce API tests


@pytest.fixture
def checkout_request(shopper, sku):
    headers = token_headers(shopper.email)
    cart = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=headers)
    payload = ship_all(cart.json(), shopper.addresses.get(), add_card(shopper, "4242424242424242"))
    TestGateway.calls.clear()
    return headers, payload


def post(headers: dict[str, str], payload: dict, key: str | None):
    keyed = {**headers, **({"Idempotency-Key": key} if key is not None else {})}
    return Client().post("/api/v1/checkout", payload, content_type="application/json", headers=keyed)


def test_the_same_key_with_another_body_is_refused_with_its_own_code(checkout_request):
    # given: key K placed order N
    headers, payload = checkout_request
    first = post(headers, payload, "attempt-K")
    assert first.status_code == 201
    # when: K again, with another email
    again = post(headers, {**payload, "email": "someone.else@example.com"}, "attempt-K")
    # then: refused, and nothing more was placed or charged
    assert again.status_code == 422
    assert again.json()["code"] == "checkout.idempotency_mismatch"
    assert Order.objects.count() == 1
    assert [call[0] for call in TestGateway.calls] == ["authorize"]


def test_the_same_key_and_body_answer_the_same_order_even_with_keys_in_another_order(checkout_request):
    headers, payload = checkout_request
    first = post(headers, payload, "attempt-K")
    reordered = dict(reversed(list(payload.items())))
    again = post(headers, reordered, "attempt-K")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Order.objects.count() == 1


def test_a_key_whose_first_request_is_still_running_answers_409_then_is_taken_over_when_stale(
    checkout_request, shopper, clock
):
    # given: the first request with K claimed it and has not finished
    headers, payload = checkout_request
    digest = request_digest(
        method="POST", path="/api/v1/checkout", body=CheckoutIn.model_validate(payload).model_dump(mode="json")
    )
    now = clock_module.now()
    CheckoutAttempt.objects.create(customer=shopper, key="attempt-K", digest=digest, created_at=now, updated_at=now)
    # when / then: a second one is told to wait
    busy = post(headers, payload, "attempt-K")
    assert (busy.status_code, busy.json()["code"]) == (409, "checkout.idempotency_in_flight")
    assert not Order.objects.exists()
    # when: the first one's process died long ago
    clock.advance(dt.timedelta(minutes=5))
    retried = post(headers, payload, "attempt-K")
    # then
    assert retried.status_code == 201
    assert CheckoutAttempt.objects.get().state == CheckoutAttempt.State.PLACED


def test_a_declined_attempt_can_be_retried_with_the_same_key_and_body_but_not_another_body(checkout_request, shopper):
    headers, payload = checkout_request
    declined = add_card(shopper, "4000000000000002")
    refused = post(headers, {**payload, "payment_source_id": declined.pk}, "attempt-K")
    assert refused.status_code == 402
    assert CheckoutAttempt.objects.get().state == CheckoutAttempt.State.FAILED
    mismatch = post(headers, payload, "attempt-K")
    assert mismatch.json()["code"] == "checkout.idempotency_mismatch"
    fresh = post(headers, payload, "attempt-L")
    assert fresh.status_code == 201


def test_an_over_long_key_is_refused_naming_the_limit_not_cut(checkout_request):
    headers, payload = checkout_request
    response = post(headers, payload, "k" * 65)
    assert response.status_code == 422
    assert "64" in str(response.json()["fields"])
    assert not Order.objects.exists()
