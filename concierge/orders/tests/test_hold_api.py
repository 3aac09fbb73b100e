"""The holds API: list an order's holds, decide one under If-Match and the lock's token; one error shape."""

from __future__ import annotations

import pytest

from concierge.orders.models import Hold, Order
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.hold_steps import run_settlements
from concierge.orders.tests.test_console_api import api, url

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}


def _lock(client, order: Order) -> dict[str, str]:
    lock = client.post(url(order, "/lock")).json()
    return {"If-Match": f'"{lock["version"]}"', "X-Lease-Token": lock["lease_token"]}


def _decide(client, order: Order, hold, headers: dict[str, str], **body):
    body = {"decision": "resolved", "comment": "Checked with the customer.", **body}
    return client.post(url(order, f"/holds/{hold.pk}/decision"), body, content_type="application/json",
                       headers=headers)  # fmt: skip


def test_list_decide_settle_and_the_order_goes_in_progress(shopper, store, csr):
    order = held_order(shopper, store)
    client = api(csr)
    listed = client.get(url(order, "/holds")).json()
    assert listed["status"] == "ON_HOLD"
    assert [h["status"] for h in listed["holds"]] == ["OPEN", "OPEN"]
    assert all(h["decidable"] for h in listed["holds"])
    first, second = order.holds.all()
    headers = _lock(client, order)
    answer = _decide(client, order, first, headers)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["holds"][0]["status"] == "RESOLVE_PENDING"
    assert body["holds"][0]["status_words"] == "Resolve pending"
    assert body["holds"][0]["decided_by"] == "Ann Agent"
    # the next decision names the new version; the lock stays
    headers["If-Match"] = f'"{body["version"]}"'
    assert _decide(client, order, second, headers).status_code == 200
    run_settlements()
    after = client.get(url(order, "/holds")).json()
    assert after["status"] == "IN_PROGRESS"
    assert [h["status"] for h in after["holds"]] == ["RESOLVED", "RESOLVED"]
    assert all(h["settled_at"] for h in after["holds"])


def test_unresolvable_cancels_the_order(shopper, store, csr):
    order = held_order(shopper, store)
    client = api(csr)
    answer = _decide(client, order, order.holds.first(), _lock(client, order), decision="unresolvable")
    assert answer.json()["holds"][0]["status"] == "UNRESOLVABLE_PENDING"
    run_settlements()
    assert client.get(url(order)).json()["status"] == "CANCELLED"
    assert order.transactions.filter(kind="REVERSE", status="SUCCEEDED").count() == 1


def test_refusals_have_the_one_error_shape(shopper, store, csr, supervisor):
    order = held_order(shopper, store, review_by_supervisor=True)
    review, first_order = order.holds.all()
    client = api(csr)
    headers = _lock(client, order)
    cases = [
        ("no privilege", review, headers, {}, 403, "hold.privilege_required"),
        ("no comment", first_order, headers, {"comment": ""}, 422, "request.invalid"),
        ("a comment too long", first_order, headers, {"comment": "x" * 1001}, 422, "request.invalid"),
        ("a NUL", first_order, headers, {"comment": "ok\u0000"}, 422, "request.invalid"),
        ("no decision", first_order, headers, {"decision": "maybe"}, 422, "request.invalid"),
        ("a stale version", first_order, {**headers, "If-Match": f'"{order.version - 1}"'}, {}, 412, "order.stale"),
        ("no If-Match", first_order, {"X-Lease-Token": headers["X-Lease-Token"]}, {}, 428, "order.version_required"),
    ]
    for case, hold, sent, body, status, code in cases:
        response = _decide(client, order, hold, sent, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), (case, response.json())
        assert set(response.json()) >= ERROR_KEYS, case  # (a stale answer adds the current version)
    assert set(Hold.objects.filter(order=order).values_list("status", flat=True)) == {"OPEN"}
    listed = client.get(url(order, "/holds")).json()["holds"]
    assert listed[0]["decidable"] is False
    assert "Ask a supervisor" in listed[0]["not_decidable_because"]
    # a hold of another order is not found
    other = _decide(client, order, Hold(pk=2**31 - 1), headers)
    assert (other.status_code, other.json()["code"]) == (404, "hold.not_found")


def test_another_stores_csr_and_a_shopper_see_nothing(shopper, store, csr_other_store):
    order = held_order(shopper, store)
    assert api(csr_other_store).get(url(order, "/holds")).status_code == 404
    assert api(shopper.user).get(url(order, "/holds")).status_code == 403
