"""The refunds API: create (If-Match + X-Lease-Token), list, approve and reject, in the one error shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from concierge.orders.models import Order
from concierge.orders.tests.refund_support import captured_order
from concierge.payments.gateway import REFUND_DECLINE_CARD
from concierge.payments.models import Refund
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, store) -> Order:
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    return captured_order(shopper, store)


@pytest.fixture
def second_supervisor(store):
    return factories.staff("Supervisor", stores=[store], first_name="Sue", last_name="Second")


def api(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "refunds"},
                            content_type="application/json")  # fmt: skip
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def lock(client: Client, order: Order) -> dict[str, str]:
    grant = client.post(f"/api/v1/service/orders/{order.number}/lock").json()
    return {"If-Match": f'"{grant["version"]}"', "X-Lease-Token": grant["lease_token"]}


def post(client: Client, path: str, body: dict | None, headers: dict[str, str]):
    return client.post(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def create(client: Client, order: Order, **body):
    payload = {"amount": "10.00", "destination": "ORIGINAL", "note": "Goodwill", **body}
    return post(client, f"/service/orders/{order.number}/refunds", payload, lock(client, order))


def test_create_a_refund_to_the_original_card_then_list_it(order, supervisor):
    sam = api(supervisor)
    response = create(sam, order, amount="10.25")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "ISSUED"
    assert created["status_label"] == "Issued"
    assert created["refund_to"] == "Visa ending in 4242"
    assert created["amount"] == "10.25"
    assert created["rma"] == ""
    assert created["requested_by"] == supervisor.display_name
    assert created["version"] == Order.objects.get(pk=order.pk).version
    listed = sam.get(f"/api/v1/service/orders/{order.number}/refunds").json()
    assert [r["id"] for r in listed["refunds"]] == [created["id"]]
    assert Decimal(listed["refundable"]) == order.transactions.get(kind="CAPTURE").amount - Decimal("10.25")
    assert not Order.objects.get(pk=order.pk).lease_is_live()  # a save: unlocked


def test_a_manual_refund_is_recorded(order, supervisor):
    created = create(api(supervisor), order, destination="MANUAL", amount="3.00").json()
    assert created["status"] == "ISSUED"
    assert created["refund_to"] == "Manual Refund"
    assert created["destination"] == "MANUAL"


def test_too_much_is_a_422_in_the_one_error_shape_naming_the_field(order, supervisor):
    response = create(api(supervisor), order, amount="9999.00")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "refund.amount_too_large"
    assert body["fields"]["amount"][0].startswith("At most ")
    assert not Refund.objects.exists()


@pytest.mark.parametrize("body", [
    {"amount": "0"}, {"amount": "-1"}, {"amount": "1.005"}, {"destination": "CASH"}, {"note": ""},
    {"note": "n" * 501}, {"note": "bad\u0000note"},
])  # fmt: skip
def test_bad_input_is_refused_before_anything_is_written(order, supervisor, body):
    response = create(api(supervisor), order, **body)
    assert response.status_code in {400, 422}
    assert set(response.json()) >= {"code", "message"}
    assert not Refund.objects.exists()


def test_without_the_headers_nothing_is_refunded(order, supervisor):
    sam = api(supervisor)
    path = f"/service/orders/{order.number}/refunds"
    body = {"amount": "5.00", "destination": "MANUAL", "note": "Goodwill"}
    headers = lock(sam, order)
    assert post(sam, path, body, {"X-Lease-Token": headers["X-Lease-Token"]}).status_code == 428
    assert post(sam, path, body, {"If-Match": headers["If-Match"]}).json()["code"] == "order.lock_lost"
    stale = post(sam, path, body, {**headers, "If-Match": '"0"'})
    assert (stale.status_code, stale.json()["code"]) == (412, "order.stale")
    assert not Refund.objects.exists()


def test_a_csr_without_can_create_refund_gets_403(order, csr):
    response = create(api(csr), order)
    assert response.status_code == 403
    assert response.json()["message"] == "Creating a refund needs the Can Create Refund privilege."


def test_the_decline_card_answers_declined_and_frees_the_amount(shopper, store, supervisor):
    order = captured_order(shopper, store, card=REFUND_DECLINE_CARD)
    sam = api(supervisor)
    created = create(sam, order, amount="10.00").json()
    assert created["status"] == "DECLINED"
    assert created["message"] == "The card issuer declined the refund."
    listed = sam.get(f"/api/v1/service/orders/{order.number}/refunds").json()
    assert Decimal(listed["refundable"]) == order.transactions.get(kind="CAPTURE").amount


def test_four_eyes_over_the_api(order, supervisor, second_supervisor):
    sam, sue = api(supervisor), api(second_supervisor)
    waiting = create(sam, order, amount="60.00").json()
    assert waiting["status"] == "AWAITING_APPROVAL"
    assert waiting["status_label"] == "Awaiting Approval"
    approve = f"/service/orders/{order.number}/refunds/{waiting['id']}/approve"
    own = post(sam, approve, None, lock(sam, order))
    assert (own.status_code, own.json()["code"]) == (403, "refund.own_request")
    sam.delete(
        f"/api/v1/service/orders/{order.number}/lock", headers={"X-Lease-Token": lock(sam, order)["X-Lease-Token"]}
    )
    listed = sue.get("/api/v1/service/refunds/awaiting-approval").json()
    assert [r["id"] for r in listed] == [waiting["id"]]
    # the version to send as If-Match next is the order's current one
    assert listed[0]["version"] == Order.objects.get(pk=order.pk).version
    approved = post(sue, approve, None, lock(sue, order))
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "ISSUED"
    assert approved.json()["decided_by"] == second_supervisor.display_name
    assert sue.get("/api/v1/service/refunds/awaiting-approval").json() == []


def test_reject_over_the_api_needs_a_reason_and_frees_the_amount(order, supervisor, second_supervisor):
    sam, sue = api(supervisor), api(second_supervisor)
    waiting = create(sam, order, amount="60.00").json()
    reject = f"/service/orders/{order.number}/refunds/{waiting['id']}/reject"
    assert post(sue, reject, {"reason": ""}, lock(sue, order)).status_code == 422
    rejected = post(sue, reject, {"reason": "Not covered"}, lock(sue, order))
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "REJECTED"
    assert rejected.json()["decision_note"] == "Not covered"
    listed = sue.get(f"/api/v1/service/orders/{order.number}/refunds").json()
    assert Decimal(listed["refundable"]) == order.transactions.get(kind="CAPTURE").amount
    again = post(sue, reject, {"reason": "Twice"}, lock(sue, order))
    assert (again.status_code, again.json()["code"]) == (409, "refund.not_awaiting_approval")


def test_another_stores_order_is_not_found(order, csr_other_store):
    response = api(csr_other_store).get(f"/api/v1/service/orders/{order.number}/refunds")
    assert response.status_code == 404
    assert response.json()["code"] == "order.not_found"
