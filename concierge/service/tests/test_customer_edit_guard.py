"""No edit of a customer record reaches a write without its guard (RELIABILITY bar 29).

The routes are read from the record editor's URL conf (``service/record_urls.py``) and the records
API router (``customers/records_api.py``), not listed by hand: each write route is an edit, described
by a ``Walk`` (what it posts and what it needs first), or named in NOT_EDITS with the reason. Each
edit is tried with no version (428), a stale version (412), without opening the record (409) and
while someone else holds the lock (409) — nothing may change — and once with the right ones, which
moves the record's version. A new route without an entry fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.api.main import api
from concierge.audit.models import Event
from concierge.customers.models import Customer, Segment
from concierge.customers.records_api import router as records_router
from concierge.identity.models import User
from concierge.service import record_urls
from concierge.testing import factories
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db

ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St", "city": "Dallas",
           "postal_code": "75201", "country": "US"}  # fmt: skip


def _second_address(c: Customer) -> int:
    return factories.address(c, line1="5 Oak Rd", city="Houston").pk


def _vip(c: Customer) -> int:
    return Segment.objects.get_or_create(code="vip", defaults={"name": "VIP"})[0].pk


def _vip_member(c: Customer) -> int:
    pk = _vip(c)
    c.segments.add(pk)
    return pk


@dataclass(frozen=True)
class Walk:
    """One edit: the body it sends, made from the id ``prepare`` gives (an address or segment it
    works on, made for the walk), and the URL part that id fills, if any."""

    body: Callable[[int], dict[str, Any]]
    prepare: Callable[[Customer], int] = lambda c: 0
    part: str = ""

    def parts(self, made: int) -> dict[str, int]:
        return {self.part: made} if self.part else {}


PROFILE = Walk(lambda _: {"first_name": "Walked", "last_name": "Shopper", "email": "jane@example.com",
                          "phone": "", "preferred_locale": "en_US", "status": "ACTIVE"})  # fmt: skip
EDITS: dict[str, Walk] = {
    "customer_profile_save": PROFILE,
    "customer_address_add": Walk(lambda _: {**ADDRESS, "address": "new"}),
    "customer_address_update": Walk(lambda pk: {**ADDRESS, "address": pk}, _second_address, "address_id"),
    "customer_address_remove": Walk(lambda _: {}, _second_address, "address_id"),
    "customer_address_default": Walk(lambda _: {"use": "billing"}, _second_address, "address_id"),
    "customer_segment_add": Walk(lambda pk: {"segment": pk}, _vip),
    "customer_segment_remove": Walk(lambda _: {}, _vip_member, "segment_id"),
}
NOT_EDITS = {
    "customer_price_preview": "a GET that only formats an amount",
    "customer_password_reset": "emails a reset link; it changes no field of the record (test_password_reset.py)",
}
API_EDITS: dict[tuple[str, str], Walk] = {
    ("PATCH", "/service/customers/{customer_id}/profile"): Walk(lambda _: {"first_name": "Walked"}),
    ("PUT", "/service/customers/{customer_id}/status"): Walk(lambda _: {"status": "DISABLED"}),
    ("POST", "/service/customers/{customer_id}/addresses"): Walk(lambda _: ADDRESS),
    ("PUT", "/service/customers/{customer_id}/addresses/{address_id}"): Walk(
        lambda _: ADDRESS, _second_address, "address_id"
    ),
    ("DELETE", "/service/customers/{customer_id}/addresses/{address_id}"): Walk(
        lambda _: {}, _second_address, "address_id"
    ),
    ("POST", "/service/customers/{customer_id}/addresses/{address_id}/default"): Walk(
        lambda _: {"use": "billing"}, _second_address, "address_id"
    ),
    ("POST", "/service/customers/{customer_id}/segments"): Walk(lambda pk: {"segment_id": pk}, _vip),
    ("DELETE", "/service/customers/{customer_id}/segments/{segment_id}"): Walk(lambda _: {}, _vip_member, "segment_id"),
}
API_NOT_EDITS = {
    ("GET", "/service/customers/{customer_id}"): "a read",
    ("POST", "/service/customers/{customer_id}/lock"): "takes the lock (Edit)",
    ("DELETE", "/service/customers/{customer_id}/lock"): "releases the lock (Close); only its token does",
    ("POST", "/service/customers/{customer_id}/password-reset"): NOT_EDITS["customer_password_reset"],
}


def html_routes() -> set[str]:
    return {p.name for p in record_urls.urlpatterns if p.name}


def api_routes() -> set[tuple[str, str]]:
    assert any(router is records_router for _, router in api._routers)
    return {(method, path) for path, view in records_router.path_operations.items()
            for operation in view.operations for method in operation.methods}  # fmt: skip


def test_every_write_route_is_walked_or_explained():
    assert html_routes() == set(EDITS) | set(NOT_EDITS)
    assert api_routes() == set(API_EDITS) | set(API_NOT_EDITS)


def snapshot(customer: Customer) -> tuple:
    fresh = Customer.objects.get(pk=customer.pk)
    changes = Event.objects.filter(subject_id=str(customer.pk)).exclude(action__in=["customer.locked",
                                                                                    "customer.unlocked"])  # fmt: skip
    return (fresh.version, fresh.first_name, fresh.status, changes.count(),
            sorted(fresh.addresses.values_list("pk", "line1", "is_default_billing")),
            sorted(fresh.segments.values_list("pk", flat=True)))  # fmt: skip


@pytest.fixture
def people(csr, supervisor, shopper) -> tuple[User, User, Customer]:
    return csr, supervisor, shopper


def _open(client: Client, customer: Customer) -> None:
    assert client.post(reverse("service:customer_open", args=[customer.pk]),
                       {"version": Customer.objects.get(pk=customer.pk).version}).status_code == 302  # fmt: skip


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_html_edit_needs_its_version_and_lock(name, people):
    ann, bob, customer = people
    walk = EDITS[name]
    made = walk.prepare(customer)
    path = reverse(f"service:{name}", kwargs={"pk": customer.pk, **walk.parts(made)})
    version = Customer.objects.get(pk=customer.pk).version
    body = {**walk.body(made), "tab": "profile"}
    before = snapshot(customer)
    ann_browser, bob_browser = browser(ann), browser(bob)
    # without opening the record: 409
    assert ann_browser.post(path, {**body, "version": version}).status_code == 409
    _open(ann_browser, customer)
    # no version: 428; stale: 412; a version that is not a number: 412; someone else, lock held: 409
    assert ann_browser.post(path, body).status_code == 428
    assert ann_browser.post(path, {**body, "version": version + 7}).status_code == 412
    assert ann_browser.post(path, {**body, "version": "three"}).status_code == 412
    assert bob_browser.post(path, {**body, "version": version}).status_code == 409
    assert snapshot(customer) == before
    # with both: the change is made and the version moves on
    done = ann_browser.post(path, {**body, "version": version})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert Customer.objects.get(pk=customer.pk).version == version + 1


@pytest.mark.parametrize("route", sorted(API_EDITS))
def test_each_api_edit_needs_if_match_and_the_lease_token(route, people):
    ann, bob, customer = people
    method, template = route
    walk = API_EDITS[route]
    made = walk.prepare(customer)
    path = "/api/v1" + template.format(customer_id=customer.pk, **walk.parts(made))
    body = walk.body(made)
    version = Customer.objects.get(pk=customer.pk).version
    ann_api, bob_api = browser(ann), browser(bob)

    def send(client: Client, headers: dict[str, str]):
        return getattr(client, method.lower())(path, body, content_type="application/json", headers=headers)

    before = snapshot(customer)
    assert send(ann_api, {"If-Match": str(version)}).json()["code"] == "customer.lock_lost"
    token = ann_api.post(f"/api/v1/service/customers/{customer.pk}/lock").json()["lease_token"]
    refusals = [
        ({"X-Lease-Token": token}, 428, "customer.version_required"),
        ({"X-Lease-Token": token, "If-Match": str(version + 7)}, 412, "customer.stale"),
        ({"X-Lease-Token": "forged", "If-Match": str(version)}, 409, "customer.lock_lost"),
        ({"If-Match": str(version)}, 409, "customer.lock_lost"),
    ]
    for headers, status, code in refusals:
        response = send(ann_api, headers)
        assert (response.status_code, response.json()["code"]) == (status, code), headers
    foreign = send(bob_api, {"If-Match": str(version)})  # someone else, while Ann holds the lock
    assert (foreign.status_code, foreign.json()["code"]) == (409, "customer.locked")
    assert foreign.json()["locked_by"] == "Ann Agent"
    assert snapshot(customer) == before
    done = send(ann_api, {"X-Lease-Token": token, "If-Match": str(version)})
    assert done.status_code in {200, 201}, done.content
    assert done.json()["version"] == version + 1
