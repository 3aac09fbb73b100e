"""No order edit reaches a write without its guard (RELIABILITY bar 29, seed 004 "Order Locking").

The routes are read from the URL conf and from the API's routers, not listed by hand: every POST-only
console page under /service/orders/ and every write operation of the API under /service/orders must
be either an edit (described in EDITS / API_EDITS by a ``Walk``: the order it needs, who edits it and
what it posts; then walked with no token, someone else's token, a forged token, no version and a
stale version — nothing may change — and once with the right ones, which must change the order) or
a lease or history route named in NOT_EDITS with the reason. A new edit route without an entry
fails here; one that skips the guard fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from concierge.api.main import api
from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders import amendments, locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.models import Amendment, Hold, Order, OrderLine, Shipment
from concierge.orders.pickup import pickup_mark_ready
from concierge.orders.refunds import order_refund_create
from concierge.orders.services import shipment_release, shipment_ship
from concierge.orders.tests.builders import held_order, placed_order
from concierge.orders.tests.pickup_support import pickup_order
from concierge.orders.tests.refund_support import captured_order, held
from concierge.payments.gateway import REFUND_DECLINE_CARD
from concierge.payments.models import PaymentTransaction, Refund
from concierge.returns.models import Return, ReturnReason
from concierge.returns.services import ItemIn, ReturnIn, return_create
from concierge.returns.tests.builders import delivered_order
from concierge.stores.models import Store
from concierge.testing import factories
from concierge.testing.clients import browser
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St", "city": "Dallas", "region": "TX",
           "postal_code": "75201", "country": "US"}  # fmt: skip


@dataclass(frozen=True)
class Walk:
    """How one edit route is walked: the order it starts from, the role of the two staff members
    who try it (Ann, who holds the lock, and Bob), and what it posts — a form or JSON body, or a
    function making it for the order, with the route's other URL parts ({"rma": ...})."""

    post: dict[str, Any] | Callable[[Order], tuple[dict[str, Any] | None, dict[str, Any]]] | None
    shipment: int | None = None  # the URL names this shipment of the order (by number order)
    order: Callable[[Customer, Store], Order] = placed_order
    role: str = "CSR"
    versions: int = 1  # how far a successful edit moves the order's version (a refund's settlement is a second edit)

    def prepare(self, order: Order) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        data, parts = self.post(order) if callable(self.post) else (self.post, {})
        if self.shipment is not None:
            parts = {"shipment": order.shipments.order_by("number")[self.shipment].number, **parts}
        return data, parts


def made(form: Callable[[Order], dict[str, Any]]) -> Callable[[Order], tuple[dict[str, Any], dict[str, Any]]]:
    """A form made for the order, with no other URL parts."""
    return lambda order: (form(order), {})


# --- Amendments (orders/amendments.py): their forms name lines and changes of the order walked -----
def _two_of_first_line(order: Order) -> OrderLine:
    line = order.lines.order_by("id")[0]
    OrderLine.objects.filter(pk=line.pk).update(quantity=2)
    return line


def _pending_change(order: Order) -> Amendment:
    """A quantity increase awaiting Payment Authorization, proposed by Concierge itself."""
    line = order.lines.order_by("id").first()
    return amendments.propose_quantities(ActingContext.system("tests"), order_id=order.pk, guard=SYSTEM,
                                         quantities={line.pk: 2})  # fmt: skip


def _move_form(order: Order) -> dict[str, Any]:
    line = _two_of_first_line(order)
    return {"move": line.pk, f"move-quantity-{line.pk}": "1", "step": "ok", "shipping_method": "economy",
            "address_choice": order.customer.addresses.order_by("id").first().pk}  # fmt: skip


def _split_body(order: Order) -> dict[str, Any]:
    line = _two_of_first_line(order)
    return {"lines": [{"line_id": line.pk, "quantity": 1}], "shipping_method": "economy", "address": ADDRESS}


def _source(order: Order) -> int:
    return order.customer.payment_sources.order_by("id").first().pk


# --- Holds (orders/holds.py): walked on an order placed On Hold, naming its first hold -------------
DECISION = {"decision": "resolved", "comment": "Checked with the customer"}


# --- Returns (returns/services.py): they need shipped items; cancelling names an open return -------
def _shipped(order: Order) -> Order:
    """Ship every shipment of ``order`` (a return needs shipped items)."""
    warehouse = ActingContext.system("tests", store=order.store)
    for shipment in order.shipments.order_by("id"):
        if shipment.status != Shipment.Status.SHIPPED:
            shipment_release(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
            shipment_ship(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


def _return_form(order: Order) -> dict[str, Any]:
    line = _shipped(order).lines.order_by("id").first()
    return {"kind": "RETURN", f"quantity-{line.pk}": "1", f"reason-{line.pk}": ReturnReason.objects.first().pk,
            "receipt_required": "1", "destination": "ORIGINAL"}  # fmt: skip


def _return_body(order: Order) -> dict[str, Any]:
    line = _shipped(order).lines.order_by("id").first()
    return {"items": [{"order_line": line.pk, "quantity": 1, "reason": ReturnReason.objects.first().pk}]}


def _open_return(order: Order) -> dict[str, Any]:
    """An open return of the shipped ``order`` made by another CSR, whose lock is then let go."""
    order = _shipped(order)
    maker = factories.staff("CSR", stores=[order.store])
    grant = locks.order_lock(ActingContext(user=maker), order_id=order.pk)
    line = order.lines.order_by("id").first()
    ret = return_create(
        ActingContext(user=maker),
        order_id=order.pk,
        guard=EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token),
        request=ReturnIn(kind="RETURN", items=(ItemIn(line.pk, 1, ReturnReason.objects.first().pk),)),
    )
    locks.order_unlock(ActingContext(user=maker), order_id=order.pk, lease_token=grant.token)
    return {"rma": ret.rma}


def _declining_order(customer: Customer, store: Store) -> Order:
    """A delivered order paid with a card that declines refunds."""
    return delivered_order(customer, store, card_number=REFUND_DECLINE_CARD)


def _declined_return(order: Order) -> dict[str, Any]:
    """A return of ``order`` with nothing to receive whose refund was declined: it rests in Received
    until another refund is issued (made by another CSR, whose lock is then let go)."""
    maker = factories.staff("CSR", stores=[order.store])
    grant = locks.order_lock(ActingContext(user=maker), order_id=order.pk)
    line = order.lines.order_by("id").first()
    ret = return_create(
        ActingContext(user=maker),
        order_id=order.pk,
        guard=EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token),
        request=ReturnIn(kind="RETURN", items=(ItemIn(line.pk, 1, ReturnReason.objects.first().pk),),
                         receipt_required=False),
    )  # fmt: skip
    assert (ret.status, ret.refund_wait()) == (Return.Status.RECEIVED, "REFUSED")
    locks.order_unlock(ActingContext(user=maker), order_id=order.pk, lease_token=grant.token)
    return {"rma": ret.rma}


ANOTHER_REFUND = {"amount": "5.00", "destination": "MANUAL", "note": "Cheque"}


# --- Refunds (orders/refunds.py): a captured order, supervisors, a refund awaiting approval --------
CREATE_REFUND = {"amount": "5.00", "destination": "MANUAL", "note": "Goodwill"}


def _waiting_refund(order: Order) -> int:
    """A refund above the store's approval threshold, requested by a third supervisor (four-eyes)."""
    Store.objects.filter(pk=order.store_id).update(refund_approval_threshold=Decimal("50.00"))
    requester = factories.staff("Supervisor", stores=[order.store], first_name="Rita")
    return order_refund_create(ActingContext(user=requester), order_id=order.pk, guard=held(requester, order),
                               amount=Money(Decimal("60.00"), "USD"), destination="MANUAL", source_id=None,
                               note="Above the threshold").pk  # fmt: skip


def _refund(key: str, body: dict[str, Any] | None) -> Callable[[Order], tuple[dict[str, Any] | None, dict[str, Any]]]:
    return lambda order: (body, {key: _waiting_refund(order)})


def refund_walk(post: Any, *, versions: int = 1) -> Walk:
    """A refund route: a captured order, edited by supervisors (Can Create Refund, Approve Refund)."""
    return Walk(post, order=captured_order, role="Supervisor", versions=versions)


# --- Pickup in store (orders/pickup.py): an order picked up at the store; picked up once it is ready
def _ready_pickup(customer: Customer, store: Store) -> Order:
    order = pickup_order(customer, store)
    pickup_mark_ready(ActingContext.system("tests", store=store), shipment_id=order.shipments.get().pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


# HTML edits, by URL name.
EDITS: dict[str, Walk] = {
    "order_billing": Walk(ADDRESS),
    "order_cancel": Walk({"reason": "Customer called"}),
    "shipment_shipping": Walk({"shipping_method": "economy", **ADDRESS}, shipment=0),
    "shipment_release": Walk({}, shipment=0),
    "shipment_cancel": Walk({"reason": "Out of stock locally"}, shipment=1),
    "amend_quantities": Walk(made(lambda o: {f"quantity-{o.lines.order_by('id').first().pk}": "2"})),
    "amend_move": Walk(made(_move_form), shipment=0),
    "amend_shipping": Walk({"shipping_method": "express", **ADDRESS}, shipment=0),
    "amend_authorize": Walk(made(lambda o: {"change": _pending_change(o).pk, "payment_source": _source(o)})),
    "amend_abandon": Walk(made(lambda o: {"change": _pending_change(o).pk})),
    "hold_decide": Walk(made(lambda o: {**DECISION, "hold": o.holds.first().pk}), order=held_order),
    "order_return_create": Walk(made(_return_form)),
    "order_return_cancel": Walk(lambda o: ({}, _open_return(o))),
    "order_return_refund": Walk(
        lambda o: (ANOTHER_REFUND, _declined_return(o)), order=_declining_order, versions=2
    ),  # the Manual Refund settling is a second edit
    "order_refund": refund_walk(CREATE_REFUND, versions=2),
    "refund_approve": refund_walk(_refund("refund", {}), versions=2),
    "refund_reject": refund_walk(_refund("refund", {"reason": "Outside the policy"})),
}
# API edits, by (method, path template).
API_EDITS: dict[tuple[str, str], Walk] = {
    ("PUT", "/service/orders/{number}/billing-address"): Walk(ADDRESS),
    ("PUT", "/service/orders/{number}/shipments/{shipment}/shipping"): Walk(
        {"shipping_method": "economy", "address": ADDRESS}, shipment=0),
    ("POST", "/service/orders/{number}/cancel"): Walk({"reason": "Customer called"}),
    ("POST", "/service/orders/{number}/shipments/{shipment}/release"): Walk(None, shipment=0),
    ("POST", "/service/orders/{number}/shipments/{shipment}/cancel"): Walk({"reason": "Out of stock locally"},
                                                                          shipment=1),
    ("POST", "/service/orders/{number}/quantities"): Walk(
        made(lambda o: {"lines": [{"line_id": o.lines.order_by("id").first().pk, "quantity": 2}]})),
    ("POST", "/service/orders/{number}/shipments/{shipment}/split"): Walk(made(_split_body), shipment=0),
    ("POST", "/service/orders/{number}/shipments/{shipment}/shipping-change"): Walk(
        {"shipping_method": "express", "address": ADDRESS}, shipment=0),
    ("POST", "/service/orders/{number}/authorization"): Walk(
        made(lambda o: {"change_id": _pending_change(o).pk, "payment_source_id": _source(o)})),
    ("POST", "/service/orders/{number}/authorization/abandon"): Walk(
        made(lambda o: {"change_id": _pending_change(o).pk})),
    ("POST", "/service/orders/{number}/holds/{hold}/decision"): Walk(
        lambda o: (DECISION, {"hold": o.holds.first().pk}), order=held_order),
    ("POST", "/service/orders/{number}/returns"): Walk(made(_return_body)),
    ("POST", "/service/orders/{number}/returns/{rma}/cancel"): Walk(lambda o: (None, _open_return(o))),
    ("POST", "/service/orders/{number}/returns/{rma}/refund"): Walk(
        lambda o: (ANOTHER_REFUND, _declined_return(o)), order=_declining_order, versions=2),
    ("POST", "/service/orders/{number}/refunds"): refund_walk(CREATE_REFUND, versions=2),
    ("POST", "/service/orders/{number}/refunds/{refund_id}/approve"): refund_walk(
        _refund("refund_id", None), versions=2),
    ("POST", "/service/orders/{number}/refunds/{refund_id}/reject"): refund_walk(
        _refund("refund_id", {"reason": "Outside the policy"})),
    ("POST", "/service/orders/{number}/shipments/{shipment}/ready-for-pickup"): Walk(
        None, shipment=0, order=pickup_order),
    ("POST", "/service/orders/{number}/shipments/{shipment}/picked-up"): Walk(None, shipment=0, order=_ready_pickup),
}  # fmt: skip
# Pages that only read (GET, never changing a row).
READS = {
    "orders": "order search",
    "order": "the order view",
    "order_return_new": "Create Return's first step",
    "order_return_done": "the return wizard's last step (Finish)",
}
# Write routes that are not edits of the order, and why they need no version.
NOT_EDITS = {
    "order_edit": "opens the editor: takes the lock (refused, naming the holder, when someone else has it)",
    "order_heartbeat": "renews this browser's own lock; refused without its token",
    "order_close": "releases this browser's own lock (only with its token)",
    "order_unlock": "a supervisor's Unlock Order: the privilege and a reason, audited",
    "order_note": "a note is added to the order's history and changes none of its fields (ADR 0006)",
    "shipment_pickup": "the Pick-Up list's one-step Mark ready / Picked up: takes the order's lock itself with the "
    "version the list showed (refused, naming the holder, when someone else has it; 412 when stale; 428 without "
    "it), changes and saves in one transaction (orders/pickup.py::pickup_step; presence/tests/test_lists_console.py)",
    ("POST", "/service/orders/{number}/lock"): "opens the editor (or renews the caller's own lock)",
    ("DELETE", "/service/orders/{number}/lock"): "releases the caller's own lock, only with its token",
    ("POST", "/service/orders/{number}/unlock"): "a supervisor's Unlock Order: the privilege and a reason",
    ("POST", "/service/orders/{number}/notes"): "a note adds to the order's history (ADR 0006)",
    "order_return_next": "the return wizard's Next and Back: checks the items and shows the next step, writes nothing",
    ("POST", "/service/orders/{number}/returns/quote"): "the suggested refund of the items named; writes nothing",
    # Warehouse receipts (POST /service/returns/{rma}/receive, /service/warehouse/…) are not under
    # /service/orders: warehouse staff hold no order lock (they never open orders), so a receipt is
    # guarded by the return's own version (If-Match / the page's hidden field: 428 missing, 412
    # stale; returns/tests), and what it changes on the order is Concierge's own edit (SYSTEM).
}


def _html_routes() -> list[tuple[str, str | None]]:
    """(route, URL name) of every page under service/orders/ in the URL conf."""

    def walk(patterns: list, prefix: str = "") -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), pattern.name))
        return found

    return [(route, name) for route, name in walk(get_resolver().url_patterns) if route.startswith("service/orders/")]


def _api_write_operations() -> list[tuple[str, str]]:
    """(method, path) of every API operation under /service/orders that is not a GET."""
    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            if not path.startswith("/service/orders"):
                continue
            for operation in path_view.operations:
                found += [(method, path) for method in operation.methods if method != "GET"]
    return found


def api_client(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "guard"},
                            content_type="application/json")  # fmt: skip
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def snapshot(order: Order) -> tuple:
    """Everything an edit could change: the order row (version and lock included), its shipments,
    stock, payments and the audit log."""
    return (
        Order.objects.filter(pk=order.pk).values().get(),
        list(Shipment.objects.filter(order=order).order_by("pk").values()),
        list(Hold.objects.filter(order=order).order_by("pk").values()),
        list(Sku.objects.order_by("pk").values_list("pk", "stock_on_hand")),
        list(OrderLine.objects.filter(order=order).order_by("pk").values()),
        list(Amendment.objects.filter(order=order).order_by("pk").values()),
        list(Refund.objects.filter(order=order).order_by("pk").values()),
        PaymentTransaction.objects.count(),
        Event.objects.count(),
    )


@pytest.fixture
def bob(store):
    return factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")


def test_every_console_write_route_is_classified():
    html = {name for _route, name in _html_routes()} - set(READS)
    api_writes = set(_api_write_operations())
    unknown = (html - set(EDITS) - set(NOT_EDITS)) | (api_writes - set(API_EDITS) - set(NOT_EDITS))
    assert not unknown, f"New order routes: describe them in EDITS/API_EDITS (guarded edits) or NOT_EDITS: {unknown}"
    # and the lists name no route that is gone
    assert set(EDITS) <= html
    assert set(API_EDITS) <= api_writes


def _editors(walk: Walk, store: Store, csr: User, bob: User) -> tuple[User, User]:
    """Ann (who holds the lock) and Bob, of the role the route needs."""
    if walk.role == "CSR":
        return csr, bob
    return (factories.staff(walk.role, stores=[store], first_name="Ann", last_name="Agent"),
            factories.staff(walk.role, stores=[store], first_name="Bob", last_name="Agent"))  # fmt: skip


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_html_edit_without_its_lock_or_version_changes_nothing(name, shopper, store, csr, bob):
    walk = EDITS[name]
    order = walk.order(shopper, store)
    form, parts = walk.prepare(order)
    form = form or {}
    order = Order.objects.get(pk=order.pk)
    url = reverse(f"service:{name}", kwargs={"number": order.number, **parts})
    csr, bob = _editors(walk, store, csr, bob)
    ann = browser(csr)
    assert ann.post(reverse("service:order_edit", args=[order.number]), {"version": order.version}).status_code == 302
    ann_token = Order.objects.get(pk=order.pk).lease_token
    before = snapshot(order)
    bob_browser = browser(bob)
    forged = browser(bob)
    session = forged.session
    session["leases"] = {f"order:{order.pk}": "forged-token"}
    session.save()
    borrowed = browser(bob)
    session = borrowed.session
    session["leases"] = {f"order:{order.pk}": ann_token}  # Ann's own token, in Bob's browser
    session.save()
    cases: list[tuple[str, Client, dict[str, Any], int, str]] = [
        ("no token", bob_browser, {**form, "version": order.version}, 409, "Order locked"),
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
        assert snapshot(order) == before, f"{name} with {case} changed something"
    # the same edit with Ann's lock and the version she loaded goes through, once
    done = ann.post(url, {**form, "version": order.version})
    assert done.status_code == 302, done.content.decode()[:300]
    assert Order.objects.get(pk=order.pk).version == order.version + walk.versions


@pytest.mark.parametrize(("method", "path"), sorted(API_EDITS))
def test_an_api_edit_without_its_lock_or_version_changes_nothing(method, path, shopper, store, csr, bob):
    walk = API_EDITS[(method, path)]
    order = walk.order(shopper, store)
    body, parts = walk.prepare(order)
    order = Order.objects.get(pk=order.pk)
    url = "/api/v1" + path.format(number=order.number, **parts)
    csr, bob = _editors(walk, store, csr, bob)
    ann, bob_api = api_client(csr), api_client(bob)
    token = ann.post(f"/api/v1/service/orders/{order.number}/lock").json()["lease_token"]
    before = snapshot(order)
    version = f'"{order.version}"'

    def send(client: Client, headers: dict[str, str]) -> Any:
        return getattr(client, method.lower())(url, body, content_type="application/json", headers=headers)

    cases: list[tuple[str, Client, dict[str, str], int, str]] = [
        ("no X-Lease-Token", bob_api, {"If-Match": version}, 409, "order.locked"),
        ("a forged token", bob_api, {"If-Match": version, "X-Lease-Token": "forged"}, 409, "order.lock_lost"),
        ("someone else's token", bob_api, {"If-Match": version, "X-Lease-Token": token}, 409, "order.locked"),
        ("no If-Match", ann, {"X-Lease-Token": token}, 428, "order.version_required"),
        ("an empty If-Match", ann, {"If-Match": "", "X-Lease-Token": token}, 428, "order.version_required"),
        ("a stale If-Match", ann, {"If-Match": f'"{order.version - 1}"', "X-Lease-Token": token}, 412, "order.stale"),
    ]
    for case, client, headers, status, code in cases:
        response = send(client, headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (case, response.json())
        assert snapshot(order) == before, f"{method} {path} with {case} changed something"
    done = send(ann, {"If-Match": version, "X-Lease-Token": token})
    assert done.status_code in {200, 201}, done.json()
    assert Order.objects.get(pk=order.pk).version == order.version + walk.versions


def test_an_edit_of_an_order_nobody_locked_is_refused_too(signed_in, shopper, store, csr):
    # given an order no one has open, and a page that still carries the right version
    order = placed_order(shopper, store)
    before = snapshot(order)
    response = signed_in(csr).post(reverse("service:order_cancel", args=[order.number]),
                                   {"reason": "Customer called", "version": order.version})  # fmt: skip
    assert response.status_code == 409
    assert "is not open for editing by you: choose Edit to lock it" in response.content.decode()
    assert snapshot(order) == before


def test_bobs_cancel_form_without_the_lock_is_refused_and_anns_lock_stays(shopper, store, csr, bob):
    """Issue 10.1: Ann opens the order for editing; Bob POSTs its cancel form with only a reason."""
    # given Ann editing the order
    order = placed_order(shopper, store)
    browser(csr).post(reverse("service:order_edit", args=[order.number]), {"version": order.version})
    # when Bob posts the cancel form with only a reason (no lock token, no version)
    response = browser(bob).post(reverse("service:order_cancel", args=[order.number]), {"reason": "Bob says so"})
    # then he is shown the seed's dialog, the order is not cancelled and the lock is still Ann's
    body = response.content.decode()
    assert response.status_code == 428
    assert 'role="alertdialog"' in body
    current = Order.objects.get(pk=order.pk)
    assert current.status == Order.Status.CREATED
    assert current.lease_holder_id == csr.pk
    assert current.lease_is_live()
    assert not Event.objects.filter(action="order.cancelled").exists()
    # and with the version his page showed, he is told Ann is modifying it
    response = browser(bob).post(reverse("service:order_cancel", args=[order.number]),
                                 {"reason": "Bob says so", "version": order.version})  # fmt: skip
    assert response.status_code == 409
    assert f"Ann Agent is modifying order {order.number}. You can only view it in read-only mode." in (
        response.content.decode()
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.CREATED


def test_notes_need_console_access_to_the_orders_store(shopper, store, csr_other_store):
    order = placed_order(shopper, store, shipments=1)
    other_api = api_client(csr_other_store)
    before = snapshot(order)
    assert browser(csr_other_store).post(reverse("service:order_note", args=[order.number]),
                                         {"text": "hello"}).status_code == 404  # fmt: skip
    assert browser(shopper.user).post(reverse("service:order_note", args=[order.number]),
                                      {"text": "hello"}).status_code == 403  # fmt: skip
    assert other_api.post(f"/api/v1/service/orders/{order.number}/notes", {"text": "hello"},
                          content_type="application/json").status_code == 404  # fmt: skip
    assert snapshot(order) == before
