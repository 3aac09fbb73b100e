"""The order console API: search, detail, lock and unlock, If-Match edits, notes, timeline."""

from __future__ import annotations

import pytest
from django.test import Client

from concierge.orders.models import Order
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St", "city": "Dallas", "region": "TX",
           "postal_code": "75201", "country": "US"}  # fmt: skip


def api(user) -> Client:
    """A client carrying ``user``'s API token."""
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "console"},
                            content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def url(order: Order, rest: str = "") -> str:
    return f"/api/v1/service/orders/{order.number}{rest}"


def test_search_and_detail_for_the_stores_served(csr, order):
    client = api(csr)
    found = client.get("/api/v1/service/orders", {"last_name": "SHOP", "sort": "total", "direction": "desc"})
    assert found.status_code == 200
    assert [o["number"] for o in found.json()["orders"]] == [order.number]
    assert (found.json()["total"], found.json()["more"]) == (1, False)  # a name search counts by the name index
    other = client.get("/api/v1/service/orders", {"last_name": "SHOP", "status": "CANCELLED"}).json()
    assert (other["orders"], other["total"]) == ([], 0)
    detail = client.get(url(order)).json()
    assert detail["version"] == order.version
    assert detail["billing_address"]["city"] == "Austin"
    assert len(detail["shipments"]) == 2
    assert detail["locked_by"] is None


def test_another_stores_csr_gets_404_and_empty_search(csr_other_store, order):
    client = api(csr_other_store)
    response = client.get(url(order))
    assert (response.status_code, response.json()["code"]) == (404, "order.not_found")
    assert client.post(url(order, "/lock")).status_code == 404
    assert client.get("/api/v1/service/orders", {"number": order.number}).json()["orders"] == []


def test_a_shopper_is_refused(shopper, order):
    assert api(shopper.user).get(url(order)).status_code == 403


def test_lock_edit_with_if_match_then_stale_and_missing_versions(csr, supervisor, order):
    client = api(csr)
    lock = client.post(url(order, "/lock"))
    assert lock.status_code == 200
    token = lock.json()["lease_token"]
    headers = {"If-Match": f'"{order.version}"', "X-Lease-Token": token}
    # missing If-Match: 428, nothing changes
    missing = client.put(url(order, "/billing-address"), ADDRESS, content_type="application/json",
                         headers={"X-Lease-Token": token})  # fmt: skip
    assert (missing.status_code, missing.json()["code"]) == (428, "order.version_required")
    saved = client.put(url(order, "/billing-address"), ADDRESS, content_type="application/json", headers=headers)
    assert saved.status_code == 200
    assert saved.json()["version"] == order.version + 1
    assert saved.json()["locked_by"] is None
    # the same old version again: 412 stale
    sup = api(supervisor)
    sup_token = sup.post(url(order, "/lock")).json()["lease_token"]
    stale = sup.put(url(order, "/billing-address"), {**ADDRESS, "city": "Waco"}, content_type="application/json",
                    headers={"If-Match": f'"{order.version}"', "X-Lease-Token": sup_token})  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (412, "order.stale")
    assert Order.objects.get(pk=order.pk).billing_city == "Dallas"


def test_a_second_lock_is_409_naming_the_holder_and_the_supervisor_unlocks_with_a_reason(csr, store, supervisor,
                                                                                        order):  # fmt: skip
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    token = api(csr).post(url(order, "/lock")).json()["lease_token"]
    refused = api(bob).post(url(order, "/lock"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "order.locked"
    assert refused.json()["locked_by"] == "Ann Agent"
    assert (
        api(bob).post(url(order, "/unlock"), {"reason": "please"}, content_type="application/json").status_code == 403
    )
    sup = api(supervisor)
    no_reason = sup.post(url(order, "/unlock"), {"reason": " "}, content_type="application/json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "order.unlock_reason_required")
    unlocked = sup.post(url(order, "/unlock"), {"reason": "Ann is away"}, content_type="application/json")
    assert unlocked.status_code == 200
    assert unlocked.json()["locked_by"] is None
    # Ann's token is dead now, even at the same version
    lost = api(csr).put(url(order, "/billing-address"), ADDRESS, content_type="application/json",
                        headers={"If-Match": str(order.version), "X-Lease-Token": token})  # fmt: skip
    assert (lost.status_code, lost.json()["code"]) == (409, "order.lock_lost")


def test_release_by_the_holder_only(csr, store, order):
    client = api(csr)
    token = client.post(url(order, "/lock")).json()["lease_token"]
    assert client.delete(url(order, "/lock"), headers={"X-Lease-Token": "wrong"}).status_code == 409
    assert client.delete(url(order, "/lock"), headers={"X-Lease-Token": token}).status_code == 204
    assert not Order.objects.get(pk=order.pk).lease_is_live()


def test_shipping_edit_and_notes_join_the_timeline(csr, shopper, order):
    client = api(csr)
    token = client.post(url(order, "/lock")).json()["lease_token"]
    shipment = order.shipments.order_by("number").first()
    changed = client.put(url(order, f"/shipments/{shipment.number}/shipping"),
                         {"shipping_method": "economy", "address": ADDRESS}, content_type="application/json",
                         headers={"If-Match": str(order.version), "X-Lease-Token": token})  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["shipments"][0]["shipping_method_name"] == "Economy"
    note = client.post(url(order, "/notes"), {"text": "Customer prefers economy shipping."},
                       content_type="application/json")  # fmt: skip
    assert note.status_code == 201
    timeline = client.get(url(order, "/timeline")).json()
    assert [e["action"] for e in timeline[:4]] == ["order.note_added", "order.unlocked", "shipment.shipping_changed",
                                                   "order.locked"]  # fmt: skip
    assert timeline[2]["actor"] == "Ann Agent"
    assert timeline[2]["on_behalf_of"] == shopper.display_name
    assert timeline[2]["changes"]["shipping_method"] == ["Standard", "Economy"]
    # beside each machine-readable action, the words the order timeline shows people
    assert [e["words"] for e in timeline[:4]] == ["Note added", "Order unlocked", "Shipping changed",
                                                  "Opened for editing (order locked)"]  # fmt: skip
    assert note.json()["words"] == "Note added"


def test_release_cancel_shipment_and_cancel_order_need_the_version_and_the_lock(csr, order):
    client = api(csr)
    first, second = order.shipments.order_by("number")
    assert client.post(url(order, f"/shipments/{first.number}/release")).status_code == 428
    refused = client.post(url(order, f"/shipments/{first.number}/release"), headers={"If-Match": str(order.version)})
    assert (refused.status_code, refused.json()["code"]) == (409, "order.lock_lost")
    token = client.post(url(order, "/lock")).json()["lease_token"]
    released = client.post(url(order, f"/shipments/{first.number}/release"),
                           headers={"If-Match": str(order.version), "X-Lease-Token": token})  # fmt: skip
    assert released.status_code == 200, released.content
    assert released.json()["shipments"][0]["status"] == "RELEASED"
    # the order says which actions are left, and why the others are not (the page's words)
    assert released.json()["cancel_unavailable"].startswith(f"Shipment {first.number} has been released")
    assert released.json()["shipments"][0]["release_unavailable"] == f"Shipment {first.number} is released: it " \
        "cannot be released."  # fmt: skip
    assert released.json()["shipments"][1]["cancel_unavailable"] == ""
    version = released.json()["version"]
    cancelled = client.post(url(order, f"/shipments/{second.number}/cancel"), {"reason": "Out of stock locally"},
                            content_type="application/json",
                            headers={"If-Match": str(version), "X-Lease-Token": token})  # fmt: skip
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["shipments"][1]["status"] == "CANCELLED"
    # a released shipment means the order can no longer be cancelled here
    too_late = client.post(url(order, "/cancel"), {"reason": "changed mind"}, content_type="application/json",
                           headers={"If-Match": str(cancelled.json()["version"]), "X-Lease-Token": token})  # fmt: skip
    assert too_late.status_code == 409


def test_cancel_order_unlocks_it(csr, order):
    client = api(csr)
    token = client.post(url(order, "/lock")).json()["lease_token"]
    stale = client.post(url(order, "/cancel"), {"reason": "changed mind"}, content_type="application/json",
                        headers={"If-Match": str(order.version - 1), "X-Lease-Token": token})  # fmt: skip
    assert stale.status_code == 412
    done = client.post(url(order, "/cancel"), {"reason": "changed mind"}, content_type="application/json",
                       headers={"If-Match": str(order.version), "X-Lease-Token": token})  # fmt: skip
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["locked_by"]) == ("CANCELLED", None)
