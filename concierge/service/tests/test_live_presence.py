"""Who else has a record open: a second CSR on an order shows on the first one's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from concierge.core import live
from concierge.core.models import LiveViewer
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def token_on(page_html: str) -> str:
    match = re.search(r'data-live-token="([^"]+)"', page_html)
    assert match, "the page carries no presence line"
    return match.group(1)


@pytest.fixture
def bob(store):
    return factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")


def open_order(client, user, order) -> str:
    client.force_login(user, backend="concierge.identity.backends.EmailBackend")
    response = client.get(f"/service/orders/{order.number}/")
    assert response.status_code == 200
    return token_on(response.content.decode())


def test_the_order_page_shows_who_else_has_it_open(client, csr, bob, order):
    from django.test import Client

    ann_token = open_order(client, csr, order)
    ann = client.post("/service/live/here", {"token": ann_token, "page": "ann-page"})
    assert ann.status_code == 200
    assert [v["name"] for v in ann.json()["viewers"][f"order:{order.number}"]] == ["Ann Agent"]

    bob_client = Client()
    bob_token = open_order(bob_client, bob, order)
    bob_client.post("/service/live/here", {"token": bob_token, "page": "bob-page", "editing": "1"})

    answer = client.post("/service/live/here", {"token": ann_token, "page": "ann-page"}).json()
    people = {v["name"]: v for v in answer["viewers"][f"order:{order.number}"]}
    assert set(people) == {"Ann Agent", "Bob Agent"}
    assert people["Bob Agent"]["editing"] is True
    assert people["Ann Agent"]["editing"] is False

    assert bob_client.post("/service/live/leave", {"token": bob_token, "page": "bob-page"}).status_code == 204
    answer = client.post("/service/live/here", {"token": ann_token, "page": "ann-page"}).json()
    assert [v["name"] for v in answer["viewers"][f"order:{order.number}"]] == ["Ann Agent"]


def test_a_page_that_stops_saying_it_is_there_drops_out(client, csr, bob, order, clock):
    from django.test import Client

    bob_client = Client()
    bob_token = open_order(bob_client, bob, order)
    bob_client.post("/service/live/here", {"token": bob_token, "page": "bob-page"})
    clock.advance(dt.timedelta(seconds=20))  # Bob's laptop closed: no beat, no beacon
    ann_token = open_order(client, csr, order)
    answer = client.post("/service/live/here", {"token": ann_token, "page": "ann-page"}).json()
    assert [v["name"] for v in answer["viewers"][f"order:{order.number}"]] == ["Ann Agent"]
    assert not LiveViewer.objects.filter(page="bob-page").exists()


def test_another_users_token_and_a_bad_page_id_are_refused(client, csr, bob, order):
    open_order(client, csr, order)
    forged = live.stream_token(bob.pk, [f"order:{order.number}"])
    refused = client.post("/service/live/here", {"token": forged, "page": "p1"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "live.token_invalid"
    mine = live.stream_token(csr.pk, [f"order:{order.number}"])
    bad = client.post("/service/live/here", {"token": mine, "page": "x" * 41})
    assert bad.status_code == 400
    assert "40" in bad.json()["message"]
    assert not LiveViewer.objects.exists()


def test_a_shopper_cannot_announce_themselves_on_a_record(client, shopper, order):
    client.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    token = live.stream_token(shopper.user.pk, [f"order:{order.number}"])
    response = client.post("/service/live/here", {"token": token, "page": "p1"})
    assert response.status_code in {302, 403}
    assert not LiveViewer.objects.exists()


def test_the_customer_record_shows_the_presence_line(client, csr, shopper):
    client.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    page = client.get(f"/service/customers/{shopper.pk}/").content.decode()
    assert live.read_stream_token(token_on(page)) == (csr.pk, [f"customer:{shopper.pk}"])


def test_the_offline_orders_cart_page_shows_the_presence_line_on_a_topic_of_its_own(client, csr, shopper):
    from concierge.assist.takeover import takeover_create
    from concierge.core.context import ActingContext

    takeover = takeover_create(ActingContext(user=csr), customer_id=shopper.pk)
    client.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    page = client.get(f"/service/takeovers/{takeover.number}/").content.decode()
    # not the cart's own topic, which the customer's pages listen on
    assert live.read_stream_token(token_on(page)) == (csr.pk, [f"takeover:{takeover.number}"])
