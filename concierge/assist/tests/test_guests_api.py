"""Attach my guest orders over the API: the count, the emailed link, attaching with its token, and
each refusal with its code."""

from __future__ import annotations

import datetime as dt
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
