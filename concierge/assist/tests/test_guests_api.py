"""Attach my guest orders over the API: the count, the emailed link, attaching with its token, and
each refusal with its code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from concierge.api.tests.test_commerce_api import token_headers
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.storefront.tests.test_guest_checkout import committing, emailed_link, guest_order, register, sku

pytestmark = pytest.mark.django_db
__all__ = ["committing", "sku"]  # fixtures shared with the storefront's guest checkout tests
BASE = "/api/v1/me/guest-orders"


@pytest.fixture
def registered_guest(client, sku, committing) -> tuple[Order, dict[str, str]]:
    """A guest order, then registration with the same email, and that shopper's API token."""
    order = guest_order(client, sku, committing)
    register(Client())
    return order, token_headers("gus.guest@example.com")


def claim(headers: dict[str, str], committing: Any) -> Any:
    return committing(lambda: Client().post(f"{BASE}/claim", content_type="application/json", headers=headers))


def attach(headers: dict[str, str], token: str, **extra: object) -> Any:
    body = {"token": token, **extra}
    return Client().post(f"{BASE}/attach", body, content_type="application/json", headers=headers)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_a_registered_shopper_attaches_guest_orders_with_the_emailed_token(registered_guest, committing):
    # given
    order, headers = registered_guest
    waiting = Client().get(BASE, headers=headers)
    # when
    claimed = claim(headers, committing)
    attached = attach(headers, token_of(emailed_link(mail.outbox[-1])))
    # then
    assert waiting.json() == {"orders": 1}
    assert (claimed.status_code, claimed.json()) == (202, {"orders": 1, "sent_to": "gus.guest@example.com"})
    assert (attached.status_code, attached.json()) == (200, {"attached": [order.number]})
    order.refresh_from_db()
    assert order.customer.kind == Customer.Kind.REGISTERED_USER
    assert Client().get(BASE, headers=headers).json() == {"orders": 0}


def test_the_token_works_once(registered_guest, committing):
    _, headers = registered_guest
    claim(headers, committing)
    token = token_of(emailed_link(mail.outbox[-1]))
    attach(headers, token)
    again = attach(headers, token)
    assert (again.status_code, again.json()["code"]) == (409, "guest.link_used")


def test_another_accounts_token_is_refused(registered_guest, committing, shopper):
    order, headers = registered_guest
    claim(headers, committing)
    refused = attach(token_headers(shopper.email), token_of(emailed_link(mail.outbox[-1])))
    assert (refused.status_code, refused.json()["code"]) == (403, "guest.link_other_user")
    order.refresh_from_db()
    assert order.customer.kind == Customer.Kind.SINGLE_SESSION_USER


def test_a_damaged_or_expired_token_is_refused(registered_guest, committing, clock):
    _, headers = registered_guest
    claim(headers, committing)
    token = token_of(emailed_link(mail.outbox[-1]))
    damaged = attach(headers, token[:-2] + "zz")
    assert (damaged.status_code, damaged.json()["code"]) == (404, "guest.link_invalid")
    clock.advance(dt.timedelta(hours=25))
    expired = attach(headers, token)
    assert (expired.status_code, expired.json()["code"]) == (410, "guest.link_expired")


def test_bad_input_is_refused_with_the_error_shape(registered_guest):
    _, headers = registered_guest
    too_long = attach(headers, "x" * 2001)
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "request.invalid"
    assert attach(headers, "").status_code == 422


def test_nothing_to_attach_says_so(shopper, committing):
    headers = token_headers(shopper.email)
    response = claim(headers, committing)
    assert (response.status_code, response.json()["code"]) == (404, "guest.no_orders")
    assert mail.outbox == []


def test_staff_and_anonymous_callers_are_refused(signed_in, csr):
    assert Client().post(f"{BASE}/claim").status_code == 401
    staff = signed_in(csr).get(BASE)
    assert (staff.status_code, staff.json()["code"]) == (403, "permission_denied")


# --- Check out as guest over the API ---------------------------------------------------------------

CHECKOUT = "/api/v1/guest/checkout"
GUEST_BODY: dict[str, Any] = {
    "first_name": "Gus", "last_name": "Guest", "email": "Gus.Guest@Example.com", "phone": "",
    "shipping_address": {"line1": "12 Harbor Rd", "city": "Portland", "region": "ME", "postal_code": "04101",
                         "country": "us"},
    "shipping_method": "standard",
    "card": {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
}  # fmt: skip


def anonymous_cart(sku: Any, quantity: int = 1) -> str:
    """An anonymous caller's cart over the API, with ``sku`` in it: its token."""
    added = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": quantity},
                          content_type="application/json")  # fmt: skip
    assert added.status_code == 201, added.json()
    return added.json()["token"]


def guest_checkout(token: str, body: dict[str, Any] | None = None, *, key: str = "attempt-1",
                   headers: dict[str, str] | None = None) -> Any:  # fmt: skip
    sent = {"X-Cart-Token": token, "Idempotency-Key": key, **(headers or {})}
    return Client().post(CHECKOUT, GUEST_BODY if body is None else body, content_type="application/json",
                                     headers={k: v for k, v in sent.items() if v})  # fmt: skip


def place(committing: Any, *args: Any, **kwargs: Any) -> Any:
    """``guest_checkout`` and then what it left for after the commit (its email)."""
    return committing(lambda: guest_checkout(*args, **kwargs))


def with_changes(**changes: Any) -> dict[str, Any]:
    """The guest body with top-level fields, or ``address.<field>`` / ``card.<field>``, changed."""
    body = {**GUEST_BODY, "shipping_address": dict(GUEST_BODY["shipping_address"]), "card": dict(GUEST_BODY["card"])}
    for name, value in changes.items():
        part, _, field = name.partition("__")
        if field:
            body["shipping_address" if part == "address" else part][field] = value
        else:
            body[part] = value
    return body


def test_an_anonymous_caller_checks_out_as_a_guest_and_gets_the_order(sku, committing):
    # given an anonymous cart over the API
    token = anonymous_cart(sku, quantity=2)
    # when
    response = place(committing, token)
    # then the order is answered: 201 with its number, total, currency and status
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert (body["total"], body["currency"], body["status"]) == (str(order.total), "USD", order.status)
    assert Decimal(body["total"]) == Decimal("245.00")  # 2 x 120.00 + 5.00 shipping
    assert body["emailed_to"] == "gus.guest@example.com"
    # and the order is a guest record's: a single session user with the address and the card
    guest = order.customer
    assert (guest.kind, guest.first_name, guest.email) == (Customer.Kind.SINGLE_SESSION_USER, "Gus",
                                                           "gus.guest@example.com")  # fmt: skip
    address = guest.addresses.get()
    assert (address.line1, address.country, address.first_name) == ("12 Harbor Rd", "US", "Gus")
    assert (order.shipments.get().ship_line1, order.billing_country) == ("12 Harbor Rd", "US")
    assert guest.payment_sources.get().last4 == "4242"


def test_the_guest_is_emailed_the_order_with_a_link_that_shows_it(sku, committing):
    token = anonymous_cart(sku)
    number = place(committing, token).json()["number"]
    # then one email, to the guest, with the signed link to the order
    [message] = mail.outbox
    assert message.to == ["gus.guest@example.com"]
    assert number in message.subject + str(message.body)
    page = Client().get(emailed_link(message))
    assert page.status_code == 200
    assert number in page.content.decode()


def test_a_separate_billing_address_is_billed(sku, committing):
    billing = {"first_name": "Gina", "last_name": "Guest", "line1": "1 Bill St", "city": "Boston",
               "postal_code": "02101", "country": "US"}  # fmt: skip
    response = place(committing, anonymous_cart(sku), with_changes(billing_address=billing))
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    assert order.billing_line1 == "1 Bill St"
    assert order.shipments.get().ship_line1 == "12 Harbor Rd"
    assert order.customer.addresses.count() == 2


def test_the_same_key_twice_places_one_order_and_answers_it_again(sku, committing):
    token = anonymous_cart(sku)
    first = place(committing, token)
    again = place(committing, token)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert Customer.objects.filter(kind=Customer.Kind.SINGLE_SESSION_USER).count() == 1
    assert len(mail.outbox) == 1


def test_the_same_key_with_another_request_is_refused(sku, committing):
    token = anonymous_cart(sku)
    place(committing, token)
    other = place(committing, token, with_changes(phone="207 555 0100"))
    assert (other.status_code, other.json()["code"]) == (422, "checkout.idempotency_mismatch")
    assert Order.objects.count() == 1


def test_a_new_key_for_a_checked_out_cart_places_nothing(sku, committing):
    token = anonymous_cart(sku)
    place(committing, token)
    second = place(committing, token, key="attempt-2")
    assert (second.status_code, second.json()["code"]) == (409, "cart.not_active")
    assert Order.objects.count() == 1


def test_a_declined_card_places_nothing_and_a_retry_with_another_card_goes_on_as_the_same_guest(sku, committing):
    token = anonymous_cart(sku)
    declined = place(committing, token, with_changes(card__number="4000000000000002"))
    assert (declined.status_code, declined.json()["code"]) == (402, "payment.declined")
    assert not Order.objects.exists()
    retried = place(committing, token, key="attempt-2")
    assert retried.status_code == 201, retried.json()
    assert Customer.objects.filter(kind=Customer.Kind.SINGLE_SESSION_USER).count() == 1
    guest = Order.objects.get().customer
    assert guest.addresses.count() == 1  # the earlier attempt's address, not a second copy


def test_a_retry_with_another_email_is_a_new_guest_record(sku, committing):
    token = anonymous_cart(sku)
    place(committing, token, with_changes(shipping_method="overnight"))  # refused: no such method
    retried = place(committing, token, with_changes(email="gus@example.org"), key="attempt-2")
    assert retried.status_code == 201, retried.json()
    order = Order.objects.get()
    assert (order.customer.email, order.email) == ("gus@example.org", "gus@example.org")
    assert mail.outbox[-1].to == ["gus@example.org"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"first_name": ""}, "first_name", "at least 1"),
        ({"first_name": "G" * 81}, "first_name", "at most 80"),
        ({"last_name": "L" * 81}, "last_name", "at most 80"),
        ({"last_name": "Gu\x00est"}, "last_name", "pattern"),
        ({"first_name": "Gus\x1b"}, "first_name", "pattern"),
        ({"email": "e" * 250 + "@x.io"}, "email", "at most 254"),
        ({"email": "not-an-email"}, "email", "Enter your email address."),
        ({"phone": "5" * 33}, "phone", "at most 32"),
        ({"address__line1": ""}, "shipping_address.line1", "at least 1"),
        ({"address__line1": "1" * 161}, "shipping_address.line1", "at most 160"),
        ({"address__line2": "Apt\x07"}, "shipping_address.line2", "pattern"),
        ({"address__city": "C" * 81}, "shipping_address.city", "at most 80"),
        ({"address__region": "R" * 81}, "shipping_address.region", "at most 80"),
        ({"address__postal_code": "0" * 21}, "shipping_address.postal_code", "at most 20"),
        ({"address__country": "USA"}, "shipping_address.country", "pattern"),
        ({"address__first_name": "A" * 81}, "shipping_address.first_name", "at most 80"),
        ({"address__phone": "5" * 33}, "shipping_address.phone", "at most 32"),
        ({"shipping_method": "s" * 41}, "shipping_method", "at most 40"),
        ({"shipping_method": "std\x00"}, "shipping_method", "pattern"),
        ({"card__number": "4242"}, "card.number", "at least 12"),
        ({"card__number": "4242 4242 4242 4241"}, "card_number", "Enter a valid card number."),
        ({"card__exp_month": 13}, "card.exp_month", "less than or equal to 12"),
        ({"card__exp_year": 2020}, "card_exp_year", "This card has expired."),
        ({"card__cvc": "12"}, "card.cvc", "pattern"),
        ({"card__holder_name": "H" * 121}, "card.holder_name", "at most 120"),
    ],
)
def test_each_field_is_validated_with_the_error_shape_and_nothing_is_made(sku, committing, changes, field, words):
    # given
    token = anonymous_cart(sku)
    # when
    response = place(committing, token, with_changes(**changes))
    # then
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] in {"request.invalid", "payment.card_invalid"}
    assert set(body) == {"code", "message", "fields"}
    assert any(words in message for message in body["fields"][field]), body["fields"]
    assert not Customer.objects.filter(kind=Customer.Kind.SINGLE_SESSION_USER).exists()
    assert not Order.objects.exists()
    assert mail.outbox == []


def test_a_missing_field_or_address_is_refused(sku):
    token = anonymous_cart(sku)
    body = {k: v for k, v in GUEST_BODY.items() if k not in {"shipping_address", "email"}}
    response = guest_checkout(token, body)
    assert response.status_code == 422
    assert {"shipping_address", "email"} <= set(response.json()["fields"])


def test_an_unknown_shipping_method_is_refused_naming_it(sku, committing):
    response = place(committing, anonymous_cart(sku), with_changes(shipping_method="teleport"))
    assert (response.status_code, response.json()["code"]) == (422, "checkout.plan_invalid")
    assert "shipping_method" in response.json()["fields"]
    assert not Order.objects.exists()


def test_the_cart_token_and_the_idempotency_key_are_required(sku):
    token = anonymous_cart(sku)
    no_key = guest_checkout(token, key="")
    no_token = guest_checkout("", key="attempt-1")
    bad_key = guest_checkout(token, key="no spaces allowed")
    for response in (no_key, no_token, bad_key):
        assert (response.status_code, response.json()["code"]) == (422, "request.invalid")
    assert not Customer.objects.filter(kind=Customer.Kind.SINGLE_SESSION_USER).exists()


def test_an_unknown_or_empty_cart_is_refused(sku):
    unknown = guest_checkout("no-such-cart-token")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "cart.not_found")
    token = anonymous_cart(sku)
    line = Client().get("/api/v1/cart", headers={"X-Cart-Token": token}).json()["lines"][0]["id"]
    Client().delete(f"/api/v1/cart/lines/{line}", headers={"X-Cart-Token": token})
    empty = guest_checkout(token)
    assert (empty.status_code, empty.json()["code"]) == (409, "cart.empty")


def test_a_signed_in_caller_is_told_to_use_checkout(sku, shopper):
    token = anonymous_cart(sku)
    response = guest_checkout(token, headers=token_headers(shopper.email))
    assert (response.status_code, response.json()["code"]) == (409, "guest.signed_in")
    assert "/api/v1/checkout" in response.json()["message"]
    assert not Order.objects.exists()


def test_a_csr_finds_the_guest_with_find_customer(sku, committing, signed_in, csr):
    # given a guest who checked out over the API
    place(committing, anonymous_cart(sku))
    # when customer service looks for them by email and by name
    console = signed_in(csr)
    by_email = console.get("/api/v1/customers", {"email": "gus.guest@example.com"})
    by_name = console.get("/api/v1/customers", {"last_name": "guest"})
    # then
    assert by_email.status_code == 200, by_email.json()
    [found] = by_email.json()["customers"]
    assert (found["kind"], found["name"], found["postal_code"]) == ("SINGLE_SESSION_USER", "Gus Guest", "04101")
    assert [c["shared_id"] for c in by_name.json()["customers"]] == [found["shared_id"]]
