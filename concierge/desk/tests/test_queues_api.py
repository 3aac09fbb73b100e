"""The desk's queues in the API: the counts, each queue's page (sort, store, page), the actions on
their rows, in the one error shape; store scoping, never one's own refund, a CSR refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.carts.models import Cart
from concierge.desk.tests.queue_support import (
    awaiting_refund,
    browser,
    live_session,
    locked_cart,
    locked_order,
    on_hold,
)
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "desk"},
                            content_type="application/json")  # fmt: skip
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def post(client: Client, path: str, body: dict):
    return client.post(f"/api/v1/service/desk{path}", body, content_type="application/json")


@pytest.fixture
def us_supervisor(store):
    return factories.staff("Supervisor", stores=[store], first_name="Uma", last_name="Lead")


@pytest.fixture
def canadian(other_store):
    return factories.shopper(store=other_store, first_name="Chloe", last_name="Tremblay")


@pytest.fixture
def world(store, other_store, shopper, other_shopper, canadian, csr, csr_other_store, administrator):
    refund = awaiting_refund(administrator, other_shopper, store)
    held, held_ca = on_hold(shopper, store), on_hold(canadian, other_store)
    locked_order(csr, held)
    session_ca, cart_ca = locked_cart(csr_other_store, canadian)
    session = live_session(csr, other_shopper)
    return {"refund": refund, "held": held, "held_ca": held_ca, "session_ca": session_ca, "cart_ca": cart_ca,
            "session": session}  # fmt: skip


def test_a_csr_is_refused_every_desk_route_in_the_error_shape(csr, world):
    ann = api(csr)
    for path in ("/counts", "/on-hold", "/refunds", "/locks", "/sessions"):
        response = ann.get(f"/api/v1/service/desk{path}")
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
    refused = post(ann, f"/refunds/{world['refund'].pk}/approve", {})
    assert refused.status_code == 403
    assert Refund.objects.get(pk=world["refund"].pk).status == Refund.Status.AWAITING_APPROVAL
    assert Client().get("/api/v1/service/desk/counts").status_code == 401


def test_counts_and_queues_of_the_stores_served(supervisor, us_supervisor, other_store, world):
    sam = api(supervisor)
    assert sam.get("/api/v1/service/desk/counts").json() == {"on_hold": 2, "refunds": 1, "locks": 2, "sessions": 2}
    uma = api(us_supervisor)
    assert uma.get("/api/v1/service/desk/counts").json() == {"on_hold": 1, "refunds": 1, "locks": 1, "sessions": 1}
    # a store not served is nobody's here: an empty page
    assert uma.get(f"/api/v1/service/desk/on-hold?store={other_store.pk}").json()["rows"] == []
    held = uma.get("/api/v1/service/desk/on-hold").json()
    assert [r["number"] for r in held["rows"]] == [world["held"].number]
    row = held["rows"][0]
    assert {h["label"] for h in row["holds"]} == {"Large order review", "First order"}
    assert row["holds_tab"] == f"/service/orders/{world['held'].number}/?tab=holds"
    assert (held["sort"], held["direction"], held["page"], held["pages"]) == ("age", "asc", 1, 1)
    locks = uma.get("/api/v1/service/desk/locks").json()["rows"]
    assert [(lock["kind"], lock["order"], lock["holder"]) for lock in locks] == [
        ("order", world["held"].number, "Ann Agent")
    ]
    sessions = uma.get("/api/v1/service/desk/sessions").json()["rows"]
    assert [(s["agent"], s["customer"], s["reason"], s["case"]) for s in sessions] == [
        ("Ann Agent", "Omar Other", "Order help", "4711")
    ]
    # the other store's rows by id are 404
    cart_ca, session_ca = world["cart_ca"], world["session_ca"]
    assert post(uma, f"/locks/carts/{cart_ca.pk}/unlock", {"reason": "x"}).json()["code"] == "not_found"
    assert post(uma, f"/locks/orders/{world['held_ca'].number}/unlock", {"reason": "x"}).status_code == 404
    assert post(uma, f"/sessions/{session_ca.pk}/end", {"note": "x"}).status_code == 404
    assert uma.get(f"/api/v1/service/desk/sessions/{session_ca.pk}/colleagues").status_code == 404
    assert Cart.objects.get(pk=cart_ca.pk).lease_is_live()


def test_sort_store_filter_and_an_unknown_sort_refused(supervisor, other_store, world):
    sam = api(supervisor)
    by_total = sam.get("/api/v1/service/desk/on-hold?sort=total&direction=desc").json()
    assert by_total["direction"] == "desc"
    totals = [Decimal(str(r["total"])) for r in by_total["rows"]]
    assert totals == sorted(totals, reverse=True)
    only_ca = sam.get(f"/api/v1/service/desk/on-hold?store={other_store.pk}").json()["rows"]
    assert [r["number"] for r in only_ca] == [world["held_ca"].number]
    refused = sam.get("/api/v1/service/desk/on-hold?sort=nonsense")
    assert refused.status_code == 422
    assert refused.json()["code"] == "request.invalid"


def test_approve_and_never_ones_own(supervisor, administrator, world):
    refund = world["refund"]
    own = post(api(administrator), f"/refunds/{refund.pk}/approve", {})
    assert own.status_code == 403
    assert own.json()["code"] == "refund.own_request"
    listed = api(administrator).get("/api/v1/service/desk/refunds").json()["rows"]
    assert [r["yours"] for r in listed] == [True]
    stale = post(api(supervisor), f"/refunds/{refund.pk}/approve", {"version": listed[0]["order_version"] + 5})
    assert stale.status_code == 412
    approved = post(api(supervisor), f"/refunds/{refund.pk}/approve", {"version": listed[0]["order_version"]})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "ISSUED"
    assert not Order.objects.get(pk=refund.order_id).lease_is_live()
    again = post(api(supervisor), f"/refunds/{refund.pk}/approve", {})
    assert again.status_code == 409
    assert again.json()["code"] == "refund.not_awaiting_approval"


def test_reject_needs_a_reason(supervisor, world):
    refund = world["refund"]
    sam = api(supervisor)
    assert post(sam, f"/refunds/{refund.pk}/reject", {"reason": ""}).status_code == 422
    assert post(sam, f"/refunds/{refund.pk}/reject", {"reason": "x" * 1001}).status_code == 422
    rejected = post(sam, f"/refunds/{refund.pk}/reject", {"reason": "Outside the policy."})
    assert rejected.json()["status"] == "REJECTED"


def test_unlock_an_order_and_a_cart(supervisor, world):
    sam = api(supervisor)
    number = world["held"].number
    missing = post(sam, f"/locks/orders/{number}/unlock", {"reason": " "})
    assert missing.status_code == 422
    assert missing.json()["code"] == "order.unlock_reason_required"
    assert post(sam, f"/locks/orders/{number}/unlock", {"reason": "Ann left."}).json() == {"unlocked": True}
    assert post(sam, f"/locks/orders/{number}/unlock", {"reason": "Ann left."}).json() == {"unlocked": False}
    cart = world["cart_ca"]
    blank = post(sam, f"/locks/carts/{cart.pk}/unlock", {"reason": " "})
    assert blank.json()["code"] == "cart.unlock_reason_required"
    assert post(sam, f"/locks/carts/{cart.pk}/unlock", {"reason": "Stuck."}).json() == {"unlocked": True}
    assert not Cart.objects.get(pk=cart.pk).lease_is_live()
    assert sam.get("/api/v1/service/desk/counts").json()["locks"] == 0


def test_end_and_transfer_a_session(supervisor, csr, store, world):
    sam = api(supervisor)
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Baker")
    browser(bob)  # signed in lately
    session = world["session"]
    colleagues = sam.get(f"/api/v1/service/desk/sessions/{session.pk}/colleagues").json()
    assert [c["name"] for c in colleagues] == ["Bob Baker"]
    refused = post(sam, f"/sessions/{session.pk}/transfer", {"to": csr.pk})
    assert refused.status_code == 400
    assert refused.json()["code"] == "assist.transfer_refused"
    offered = post(sam, f"/sessions/{session.pk}/transfer", {"to": bob.pk, "note": "Ann is off at five."})
    assert offered.status_code == 201
    assert offered.json()["to"] == "Bob Baker"
    assert SessionTransfer.objects.get(session=session).status == "OFFERED"
    blank = post(sam, f"/sessions/{session.pk}/end", {"note": " "})
    assert blank.status_code == 422
    assert blank.json()["code"] == "assist.end_note_required"
    ended = post(sam, f"/sessions/{session.pk}/end", {"note": "Closing early."})
    assert ended.json()["end_reason"] == "ENDED_BY_SUPERVISOR"
    assert AssistedSession.objects.get(pk=session.pk).end_note == "Closing early."
    again = post(sam, f"/sessions/{session.pk}/end", {"note": "Again."})
    assert again.status_code == 409
    assert again.json()["code"] == "assist.session_ended"
