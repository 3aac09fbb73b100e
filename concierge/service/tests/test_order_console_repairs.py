"""The order console's repairs, as a CSR meets them: only the actions the state allows (and why not),
a short lock kept alive by the open editor, a timeline in words, and bad input answered on the form."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.orders import locks
from concierge.orders.models import Order
from concierge.testing import factories
from concierge.testing.clients import browser
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
SEARCH = reverse("service:orders")


def url(name: str, order: Order, *rest: str) -> str:
    return reverse(f"service:{name}", args=[order.number, *rest])


def page(order: Order, tab: str = "summary", extra: str = "") -> str:
    return reverse("service:order", args=[order.number]) + f"?tab={tab}{extra}"


def edit(client: Client, order: Order) -> None:
    current = Order.objects.get(pk=order.pk)
    assert client.post(url("order_edit", order), {"version": current.version}).status_code == 302


def version(order: Order) -> int:
    return Order.objects.get(pk=order.pk).version


def text(html: str) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- 10.8: only the actions the state machine allows, and why not ---------------------------------


def test_cancel_order_is_not_offered_on_an_in_progress_order_and_the_page_says_why(order, csr):
    ann = browser(csr)
    edit(ann, order)
    first = order.shipments.order_by("number").first()
    assert ann.post(url("shipment_release", order, first.number), {"version": version(order)}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_PROGRESS
    # when Ann looks at the order she is still editing
    body = ann.get(page(order)).content.decode()
    # then Cancel Order is not offered, and the page says why
    assert ">Cancel Order</button>" not in body
    why = (f"Shipment {first.number} has been released to the warehouse, so the order can no longer be cancelled; "
           "cancel the shipments not yet released instead.")  # fmt: skip
    assert f"Cancel Order is not available: {why}" in text(body)
    # and a cancel posted anyway is refused with the same words, changing nothing
    refused = ann.post(url("order_cancel", order), {"reason": "Changed mind", "version": version(order)})
    assert refused.status_code == 409
    assert f"Shipment {first.number} has been released to the warehouse" in refused.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_PROGRESS


def test_a_released_shipment_offers_no_release_and_an_on_hold_order_says_why(order, csr):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.ON_HOLD)
    ann = browser(csr)
    edit(ann, order)
    body = text(ann.get(page(order, "details")).content.decode())
    assert "Release Shipment is not available: Resolve the order's holds before releasing." in body


# --- 10.9: a short lease, renewed by the open editor, released when it is left ---------------------


def test_a_crashed_editors_lock_expires_in_minutes(order, csr, store, clock):
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    edit(browser(csr), order)
    assert dt.timedelta(minutes=3) >= locks.ORDER_LEASE_TTL
    clock.advance(locks.ORDER_LEASE_TTL + dt.timedelta(seconds=1))
    # nobody renewed it: Bob may now edit
    edit(browser(bob), order)
    assert Order.objects.get(pk=order.pk).lease_holder_id == bob.pk


def test_the_open_editors_heartbeat_keeps_the_lock_and_a_get_never_renews(order, csr, store, clock):
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    ann = browser(csr)
    edit(ann, order)
    expires = Order.objects.get(pk=order.pk).lease_expires_at
    # a GET of the page, or of the heartbeat, renews nothing
    clock.advance(dt.timedelta(minutes=1))
    assert ann.get(page(order)).status_code == 200
    assert ann.get(url("order_heartbeat", order)).status_code == 405
    assert Order.objects.get(pk=order.pk).lease_expires_at == expires
    # the page's heartbeat POST pushes the expiry out, minute after minute
    for _ in range(5):
        beat = ann.post(url("order_heartbeat", order))
        assert beat.status_code == 200
        clock.advance(locks.ORDER_HEARTBEAT)
    assert browser(bob).post(url("order_edit", order), {"version": version(order)}).status_code == 409
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk
    # renewals are not events
    assert Event.objects.filter(action="order.locked").count() == 1


def test_a_heartbeat_without_the_lock_is_refused(order, csr):
    response = browser(csr).post(url("order_heartbeat", order))
    assert response.status_code == 409
    assert response.json()["code"] == "order.lock_lost"
    assert not Order.objects.get(pk=order.pk).lease_is_live()


def test_leaving_the_editor_page_unlocks_the_order(order, csr):
    ann = browser(csr)
    edit(ann, order)
    # the page's beacon as it is left: no page, no message, the order unlocked
    left = ann.post(url("order_close", order), {"left": "1"})
    assert left.status_code == 204
    assert not Order.objects.get(pk=order.pk).lease_is_live()
    assert Event.objects.filter(action="order.unlocked", data__reason="left").count() == 1
    assert "closed; it is unlocked" not in ann.get(page(order)).content.decode()


def test_the_editor_page_carries_the_heartbeat_and_the_close_prompt(order, csr):
    ann = browser(csr)
    edit(ann, order)
    body = ann.get(page(order)).content.decode()
    assert f'data-heartbeat-url="{url("order_heartbeat", order)}"' in body
    assert "data-close-editor" in body
    assert "Save the changes before closing the editor, or abandon them?" in body
    assert "order_editor.js" in body
    # a read-only page has none of it
    ann.post(url("order_close", order))
    assert "data-order-editor" not in ann.get(page(order)).content.decode()


# --- 10.11: the timeline in words ------------------------------------------------------------------


def test_the_timeline_reads_as_words_with_amounts_and_folds_lock_events(order, csr):
    ann = browser(csr)
    edit(ann, order)
    first = order.shipments.order_by("number").first()
    ann.post(url("shipment_release", order, first.number), {"version": version(order)})
    ann.post(url("order_close", order))
    body = text(ann.get(page(order, "notes")).content.decode())
    # statuses as people read them, never codes
    assert "Order status changed from Created to In Progress" in body
    for code in ("CREATED", "IN_PROGRESS", "order.", "shipment.", "payment."):
        assert code not in body, code
    # payment events with their amount
    authorized = order.transactions.get(kind="AUTHORIZE")
    assert f"Payment authorized ${authorized.amount:,.2f}" in body  # as every amount reads, not "110.00 USD"
    assert f"{authorized.amount} {authorized.currency}" not in body
    assert "Payment captured" in body
    # the lock and unlock noise is folded, and can be shown
    assert "Opened for editing" not in body
    assert "2 lock events hidden. Show lock events" in body
    shown = text(ann.get(page(order, "notes", "&locks=1")).content.decode())
    assert "Opened for editing (order locked)" in shown
    assert "Order unlocked editor closed" in shown
    assert "Hide lock events" in shown


def test_a_supervisors_unlock_stays_on_the_timeline_in_words(order, csr, supervisor):
    edit(browser(csr), order)
    sam = browser(supervisor)
    sam.post(url("order_unlock", order), {"reason": "Ann is away"})
    body = text(sam.get(page(order, "notes")).content.decode())
    assert "Order unlocked by a supervisor Was locked by Ann Agent Reason: Ann is away" in body


# --- 10.12 and 10.17: bad input is a field error, never every order or a 500 -----------------------


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"phone": "+-()"}, "phone", "A phone number needs at least one digit."),
        ({"postal_code": "--- "}, "postal_code", "A postal code needs at least one letter or digit."),
        ({"placed_from": "2026-11-20", "placed_to": "2026-11-01"}, "placed_to", "The end date is before the start"),
        ({"placed_from": "2026-02-30"}, "placed_from", "Not a date: use a day that exists"),
        ({"placed_to": "yesterday"}, "placed_to", "Not a date: use a day that exists"),
        ({"number": "a\x00b"}, "number", "Remove the control characters (such as NUL)"),
        ({"last_name": "x" * 500}, "last_name", "At most 80 characters."),
    ],
)
def test_a_meaningless_search_term_is_a_field_error_not_every_order(order, csr, terms, field, message):
    response = browser(csr).get(SEARCH, terms)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert f'name="{field}"' in body
    assert order.number not in body  # not "every order"


def test_the_api_refuses_the_same_terms(order, csr):
    created = Client().post("/api/v1/auth/tokens", {"email": csr.email, "password": PASSWORD, "name": "t"},
                            content_type="application/json")  # fmt: skip
    api = Client(headers={"Authorization": f"Bearer {created.json()['key']}"})
    for terms, field in [({"phone": "+++"}, "phone"), ({"placed_from": "2026-02-30"}, "placed_from"),
                         ({"number": "a\x00b"}, "number")]:  # fmt: skip
        response = api.get("/api/v1/service/orders", terms)
        assert response.status_code == 422, terms
        assert field in response.json()["fields"]


def test_a_5000_character_cancel_reason_is_refused_naming_the_limit_not_cut(order, csr):
    ann = browser(csr)
    edit(ann, order)
    response = ann.post(url("order_cancel", order), {"reason": "x" * 5000, "version": version(order)})
    assert response.status_code == 422
    assert "At most 500 characters. This has 5,000." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.CREATED
    assert not Event.objects.filter(action="order.cancelled").exists()


def test_a_5000_character_unlock_reason_is_refused_naming_the_limit(order, csr, supervisor):
    edit(browser(csr), order)
    response = browser(supervisor).post(url("order_unlock", order), {"reason": "x" * 5000})
    assert response.status_code == 422
    assert "At most 500 characters" in response.content.decode()
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk


def test_the_api_refuses_an_over_long_reason_naming_the_limit(order, csr):
    created = Client().post("/api/v1/auth/tokens", {"email": csr.email, "password": PASSWORD, "name": "t"},
                            content_type="application/json")  # fmt: skip
    api = Client(headers={"Authorization": f"Bearer {created.json()['key']}"})
    token = api.post(f"/api/v1/service/orders/{order.number}/lock").json()["lease_token"]
    response = api.post(f"/api/v1/service/orders/{order.number}/cancel", {"reason": "x" * 5000},
                        content_type="application/json",
                        headers={"If-Match": str(order.version), "X-Lease-Token": token})  # fmt: skip
    assert response.status_code == 422
    assert "500" in response.json()["fields"]["reason"][0]
    assert Order.objects.get(pk=order.pk).status == Order.Status.CREATED


def test_a_note_with_a_nul_byte_is_a_field_error(order, csr):
    response = browser(csr).post(url("order_note", order), {"text": "a\x00b"})
    assert response.status_code == 422
    assert "Remove the control characters (such as NUL)" in response.content.decode()
    assert not Event.objects.filter(action="order.note_added").exists()


# --- 10.20: the order lock route's own schema, required headers, minimum lengths -------------------


def test_the_openapi_document_says_what_the_console_api_does():
    from concierge.api.main import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    paths, schemas = schema["paths"], schema["components"]["schemas"]
    lock = paths["/api/v1/service/orders/{number}/lock"]["post"]["responses"][200]
    assert lock["content"]["application/json"]["schema"]["$ref"].endswith("/OrderLockOut")
    assert "OrderLockOut" in schemas
    edits = [("put", "billing-address"), ("post", "cancel"), ("post", "shipments/{shipment}/release"),
             ("post", "shipments/{shipment}/cancel"), ("put", "shipments/{shipment}/shipping")]  # fmt: skip
    for method, path in edits:
        parameters = {p["name"]: p for p in paths[f"/api/v1/service/orders/{{number}}/{path}"][method]["parameters"]}
        assert parameters["If-Match"]["required"] is True, path
        assert parameters["X-Lease-Token"]["required"] is True, path
    assert schemas["ReasonIn"]["properties"]["reason"]["minLength"] == 1
    assert schemas["ReasonIn"]["properties"]["reason"]["maxLength"] == 500
    assert schemas["NoteIn"]["properties"]["text"]["minLength"] == 1
    assert schemas["AddressIn"]["properties"]["first_name"]["minLength"] == 1
