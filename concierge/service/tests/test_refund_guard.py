"""The refund routes walked as ``test_order_edit_guard`` walks every order edit (RELIABILITY bar 29):
without a token, with someone else's or a forged one, without a version and with a stale one
nothing changes; with the editor's lock and loaded version the change goes through once.

They are walked here rather than in that file's tables because each needs what its walker does not
set up: an order whose payment was captured, editors with Can Create Refund / Approve Refund, and a
refund awaiting approval requested by a third person (the URL names it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.orders.models import Order
from concierge.orders.refunds import order_refund_create
from concierge.orders.tests.refund_support import captured_order, held
from concierge.payments.models import Refund
from concierge.service.tests.test_order_edit_guard import api_client, snapshot
from concierge.testing import factories
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db

CREATE = {"amount": "5.00", "destination": "MANUAL", "note": "Goodwill"}
# URL name or (method, API path) -> (needs a refund awaiting approval, the body).
HTML_ROUTES: dict[str, tuple[bool, dict[str, Any]]] = {
    "order_refund": (False, CREATE),
    "refund_approve": (True, {}),
    "refund_reject": (True, {"reason": "Outside the policy"}),
}
API_ROUTES: dict[tuple[str, str], tuple[bool, dict[str, Any] | None]] = {
    ("POST", "/service/orders/{number}/refunds"): (False, CREATE),
    ("POST", "/service/orders/{number}/refunds/{refund_id}/approve"): (True, None),
    ("POST", "/service/orders/{number}/refunds/{refund_id}/reject"): (True, {"reason": "Outside the policy"}),
}


def refund_snapshot(order: Order) -> tuple:
    return (*snapshot(order), list(Refund.objects.order_by("pk").values()))


@pytest.fixture
def setting(shopper, store):
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    order = captured_order(shopper, store)
    ann = factories.staff("Supervisor", stores=[store], email="ann.s@concierge.test", first_name="Ann")
    bob = factories.staff("Supervisor", stores=[store], email="bob.s@concierge.test", first_name="Bob")
    requester = factories.staff("Supervisor", stores=[store], email="rita@concierge.test", first_name="Rita")
    return order, ann, bob, requester


def waiting_refund(order: Order, requester) -> Refund:
    return order_refund_create(ActingContext(user=requester), order_id=order.pk, guard=held(requester, order),
                               amount=Money(Decimal("60.00"), "USD"), destination="MANUAL", source_id=None,
                               note="Above the threshold")  # fmt: skip


def test_the_refund_routes_are_the_ones_walked_here():
    from concierge.service.tests.test_order_edit_guard import NOT_EDITS

    walked_here = {name for name, reason in NOT_EDITS.items() if "test_refund_guard" in reason}
    assert walked_here == set(HTML_ROUTES) | set(API_ROUTES)


@pytest.mark.parametrize("name", sorted(HTML_ROUTES))
def test_an_html_refund_edit_without_its_lock_or_version_changes_nothing(name, setting):
    order, ann_user, bob_user, requester = setting
    needs_refund, form = HTML_ROUTES[name]
    args: list[object] = [order.number]
    if needs_refund:
        args.append(waiting_refund(order, requester).pk)
    url = reverse(f"service:{name}", args=args)
    order.refresh_from_db()
    ann = browser(ann_user)
    assert ann.post(reverse("service:order_edit", args=[order.number]), {"version": order.version}).status_code == 302
    ann_token = Order.objects.get(pk=order.pk).lease_token
    before = refund_snapshot(order)
    forged, borrowed = browser(bob_user), browser(bob_user)
    for client, token in ((forged, "forged-token"), (borrowed, ann_token)):
        session = client.session
        session["leases"] = {f"order:{order.pk}": token}
        session.save()
    bob = browser(bob_user)
    cases: list[tuple[str, Client, dict[str, Any], int, str]] = [
        ("no token", bob, {**form, "version": order.version}, 409, "Order locked"),
        ("a forged token", forged, {**form, "version": order.version}, 409, "Lock lost"),
        ("someone else's token", borrowed, {**form, "version": order.version}, 409, "Order locked"),
        ("no version", ann, form, 428, "Order changed"),
        ("a stale version", ann, {**form, "version": order.version - 1}, 412, "Order changed"),
        ("a version that is not a number", ann, {**form, "version": "v"}, 412, "Order changed"),
    ]
    for case, client, data, status, title in cases:
        response = client.post(url, data)
        body = response.content.decode()
        assert response.status_code == status, (case, body[:300])
        assert 'role="alertdialog"' in body, case
        assert title in body, case
        assert refund_snapshot(order) == before, f"{name} with {case} changed something"
    done = ann.post(url, {**form, "version": order.version})
    assert done.status_code == 302, done.content.decode()[:300]
    assert Order.objects.get(pk=order.pk).version > order.version


@pytest.mark.parametrize(("method", "path"), sorted(API_ROUTES))
def test_an_api_refund_edit_without_its_lock_or_version_changes_nothing(method, path, setting):
    order, ann_user, bob_user, requester = setting
    needs_refund, body = API_ROUTES[(method, path)]
    refund = waiting_refund(order, requester).pk if needs_refund else ""
    order.refresh_from_db()
    url = "/api/v1" + path.format(number=order.number, refund_id=refund)
    ann, bob = api_client(ann_user), api_client(bob_user)
    token = ann.post(f"/api/v1/service/orders/{order.number}/lock").json()["lease_token"]
    before = refund_snapshot(order)
    version = f'"{order.version}"'

    def send(client: Client, headers: dict[str, str]) -> Any:
        return getattr(client, method.lower())(url, body, content_type="application/json", headers=headers)

    cases: list[tuple[str, Client, dict[str, str], int, str]] = [
        ("no X-Lease-Token", bob, {"If-Match": version}, 409, "order.locked"),
        ("a forged token", bob, {"If-Match": version, "X-Lease-Token": "forged"}, 409, "order.lock_lost"),
        ("someone else's token", bob, {"If-Match": version, "X-Lease-Token": token}, 409, "order.locked"),
        ("no If-Match", ann, {"X-Lease-Token": token}, 428, "order.version_required"),
        ("an empty If-Match", ann, {"If-Match": "", "X-Lease-Token": token}, 428, "order.version_required"),
        ("a stale If-Match", ann, {"If-Match": f'"{order.version - 1}"', "X-Lease-Token": token}, 412, "order.stale"),
    ]
    for case, client, headers, status, code in cases:
        response = send(client, headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (case, response.json())
        assert refund_snapshot(order) == before, f"{method} {path} with {case} changed something"
    done = send(ann, {"If-Match": version, "X-Lease-Token": token})
    assert done.status_code in {200, 201}, done.json()
    assert done.json()["order_version"] > order.version
