"""The organizations API (seed 003) as a seller calls it: the list and its search, details, create
(Pending), activate / suspend / re-activate and the Basic Details and Organization Profile edits
under the lock and version — and an organization not assigned to the seller is the same 404 on
every route."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from concierge.audit.models import Event
from concierge.catalog.models import PriceList
from concierge.customers.models import Customer, SellerAssignment
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
BODY: dict[str, Any] = {
    "name": "Acme Industrial", "erp_id": "acme-001", "contract_numbers": ["c-100", "C-200"], "country": "DE",
    "contact_name": "Dana Park", "contact_email": "dana@acme.example", "contact_phone": "+49 30 555 0100",
    "line1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115",
}  # fmt: skip


def api(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "orgs"},
                            content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def url(pk: int, rest: str = "") -> str:
    return f"/api/v1/organizations/{pk}{rest}"


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(path, headers=headers)
    return call(path, body, content_type="application/json", headers=headers)


def locked(client: Client, pk: int) -> dict[str, str]:
    lock = client.post(url(pk, "/lock"))
    assert lock.status_code == 200, lock.content
    return {"If-Match": f'"{lock.json()["version"]}"', "X-Lease-Token": lock.json()["lease_token"]}


@pytest.fixture
def client(seller):
    return api(seller)


@pytest.fixture
def created(client) -> dict[str, Any]:
    response = send(client, "post", "/api/v1/organizations", BODY)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_answers_the_pending_organization_assigned_to_the_seller(seller, created):
    assert (created["status"], created["status_name"], created["transitions"]) == ("PENDING", "Pending", ["activate"])
    assert (created["erp_id"], created["contracts"], created["country_name"]) == ("ACME-001", ["C-100", "C-200"],
                                                                                 "Germany")  # fmt: skip
    assert created["contact"] == {"name": "Dana Park", "email": "dana@acme.example", "phone": "+49 30 555 0100"}
    assert (created["currency"], created["preferred_currency"], created["store"]) == ("USD", "", "us")
    [address] = created["addresses"]
    assert (address["city"], address["is_default_billing"]) == ("Berlin", True)
    assert SellerAssignment.objects.filter(seller=seller, organization_id=created["id"]).exists()


def test_create_refusals_have_the_one_error_shape(client, created):
    taken = send(client, "post", "/api/v1/organizations", {**BODY, "erp_id": "ACME-001", "contract_numbers": []})
    assert (taken.status_code, taken.json()["code"]) == (409, "organization.erp_id_taken")
    assert "erp_id" in taken.json()["fields"]
    contract = send(client, "post", "/api/v1/organizations", {**BODY, "erp_id": "B-1", "contract_numbers": ["C-100"]})
    assert (contract.status_code, contract.json()["code"]) == (409, "organization.contract_taken")
    country = send(client, "post", "/api/v1/organizations", {**BODY, "erp_id": "B-2", "contract_numbers": [],
                                                             "country": "XX"})  # fmt: skip
    assert (country.status_code, country.json()["code"]) == (422, "customer.invalid")
    assert country.json()["fields"] == {"country": ["Choose the country from the list."]}
    long = send(client, "post", "/api/v1/organizations", {**BODY, "name": "x" * 161})
    assert long.status_code == 422
    assert set(long.json()) >= {"code", "message", "fields"}
    store = send(client, "post", "/api/v1/organizations", {**BODY, "erp_id": "B-3", "contract_numbers": [],
                                                           "store": "nowhere"})  # fmt: skip
    assert (store.status_code, list(store.json()["fields"])) == (422, ["store"])


def test_only_sellers_use_the_organizations_api(csr, shopper):
    for user in (csr, shopper.user):
        refused = api(user).get("/api/v1/organizations")
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Client().get("/api/v1/organizations").status_code == 401


def test_list_search_sort_and_pages(seller, store, client):
    for n, (name, erp) in enumerate([("Bravo", "ERP-20"), ("Alpha", "ERP-10"), ("Charlie", "XY-1")]):
        org = factories.organization(store=store, name=name, seller=seller, contract=f"K-{n}")
        Customer.objects.filter(pk=org.pk).update(erp_id=erp, country="US")
    factories.organization(store=store, name="Alpha Elsewhere")  # another seller's
    listed = client.get("/api/v1/organizations").json()
    assert [i["name"] for i in listed["items"]] == ["Alpha", "Bravo", "Charlie"]
    assert listed["items"][0]["contracts"] == ["K-1"]
    assert [i["name"] for i in client.get("/api/v1/organizations?q=erp-1").json()["items"]] == ["Alpha"]
    assert [i["name"] for i in client.get("/api/v1/organizations?q=k-2").json()["items"]] == ["Charlie"]
    desc = client.get("/api/v1/organizations?sort=erp_id&order=desc").json()
    assert [i["name"] for i in desc["items"]] == ["Charlie", "Bravo", "Alpha"]
    paged = client.get("/api/v1/organizations?per_page=2&page=2").json()
    assert (paged["page"], paged["pages"], paged["total"]) == (2, 2, 3)
    assert [i["name"] for i in paged["items"]] == ["Charlie"]
    for query, field in [(f"q={'x' * 81}", "q"), ("sort=city", "sort"), ("order=up", "order"), ("page=9", "page")]:
        refused = client.get(f"/api/v1/organizations?{query}")
        assert (refused.status_code, refused.json()["code"]) == (422, "customer.search_invalid"), query
        assert list(refused.json()["fields"]) == [field]
    assert "At most 80 characters" in client.get(f"/api/v1/organizations?q={'x' * 81}").json()["fields"]["q"][0]


def test_activate_suspend_reactivate_with_a_reason_under_the_lock_and_version(client, created):
    pk = created["id"]
    for action, status in [("activate", "ACTIVE"), ("suspend", "SUSPENDED"), ("reactivate", "ACTIVE")]:
        answer = send(client, "post", url(pk, f"/{action}"), {"reason": f"{action} now"}, **locked(client, pk))
        assert answer.status_code == 200, answer.content
        assert (answer.json()["status"], answer.json()["locked_by"]) == (status, None)
    reasons = list(Event.objects.filter(subject_id=str(pk), action__in=[
        "organization.activated", "organization.suspended", "organization.reactivated"]).order_by("id")
        .values_list("data__reason", flat=True))  # fmt: skip
    assert reasons == ["activate now", "suspend now", "reactivate now"]
    illegal = send(client, "post", url(pk, "/activate"), {"reason": "again"}, **locked(client, pk))
    assert (illegal.status_code, illegal.json()["code"]) == (409, "organization.illegal_transition")
    assert illegal.json()["message"] == "Acme Industrial is already active."


def test_a_reason_is_required_and_limited(client, created):
    pk = created["id"]
    for reason in ("", "x" * 501):
        refused = send(client, "post", url(pk, "/activate"), {"reason": reason}, **locked(client, pk))
        assert refused.status_code == 422
    assert Customer.objects.get(pk=pk).status == "PENDING"


@pytest.mark.parametrize(("path", "body"), [
    ("/activate", {"reason": "ok"}),
    ("/details", {"name": "Acme Europe"}),
    ("/profile", {"contact_name": "Sam Ortiz"}),
])  # fmt: skip
def test_changes_need_the_version_and_the_lock(client, csr, created, path, body):
    pk = created["id"]
    method = "post" if path == "/activate" else "patch"
    headers = locked(client, pk)
    missing_version = send(client, method, url(pk, path), body, **{"X-Lease-Token": headers["X-Lease-Token"]})
    assert (missing_version.status_code, missing_version.json()["code"]) == (428, "customer.version_required")
    missing_lock = send(client, method, url(pk, path), body, **{"If-Match": headers["If-Match"]})
    assert (missing_lock.status_code, missing_lock.json()["code"]) == (409, "customer.lock_lost")
    stale = send(client, method, url(pk, path), body, **{**headers, "If-Match": '"99"'})
    assert (stale.status_code, stale.json()["code"]) == (412, "customer.stale")
    # someone else holding the lock is named
    client.delete(url(pk, "/lock"), headers={"X-Lease-Token": headers["X-Lease-Token"]})
    factories_lock = api(csr).post(f"/api/v1/service/customers/{pk}/lock")
    assert factories_lock.status_code == 200
    theirs = send(client, method, url(pk, path), body, **{"If-Match": headers["If-Match"], "X-Lease-Token": ""})
    assert (theirs.status_code, theirs.json()["code"]) == (409, "customer.locked")
    assert "Ann Agent" in theirs.json()["message"]
    taken = client.post(url(pk, "/lock"))
    assert (taken.status_code, taken.json()["code"]) == (409, "customer.locked")
    fresh = client.get(url(pk)).json()
    assert (fresh["status"], fresh["name"], fresh["contact"]["name"]) == ("PENDING", "Acme Industrial", "Dana Park")


def test_basic_details_and_profile_edits(client, created):
    pk = created["id"]
    body = {"name": "Acme Europe", "erp_id": "acme-eu", "contract_numbers": ["c-900"]}
    details = send(client, "patch", url(pk, "/details"), body, **locked(client, pk))
    assert details.status_code == 200, details.content
    saved = details.json()
    assert (saved["name"], saved["erp_id"], saved["contracts"]) == ("Acme Europe", "ACME-EU", ["C-900"])
    assert details.json()["version"] == created["version"] + 1
    body = {"contact_email": "sam@acme.example", "preferred_locale": "de_DE"}
    profile = send(client, "patch", url(pk, "/profile"), body, **locked(client, pk))
    assert profile.status_code == 200, profile.content
    assert (profile.json()["contact"]["email"], profile.json()["preferred_locale"]) == ("sam@acme.example", "de_DE")
    unchanged = send(client, "patch", url(pk, "/profile"), {"contact_email": "sam@acme.example"},
                     **locked(client, pk))  # fmt: skip
    assert unchanged.json()["version"] == profile.json()["version"]
    bad = send(client, "patch", url(pk, "/profile"), {"preferred_locale": "xx_YY"}, **locked(client, pk))
    assert (bad.status_code, list(bad.json()["fields"])) == (422, ["preferred_locale"])


def test_the_detail_lists_children(seller, store, client, created):
    child = factories.organization(store=store, name="Acme East")
    Customer.objects.filter(pk=child.pk).update(parent_id=created["id"])
    assert client.get(url(created["id"])).json()["children"] == [{"id": child.pk, "name": "Acme East",
                                                                   "status": "ACTIVE"}]  # fmt: skip


ROUTES = [
    ("get", "", None),
    ("post", "/lock", None),
    ("delete", "/lock", None),
    ("post", "/activate", {"reason": "ok"}),
    ("post", "/suspend", {"reason": "ok"}),
    ("post", "/reactivate", {"reason": "ok"}),
    ("patch", "/details", {"name": "Mine now"}),
    ("patch", "/profile", {"contact_name": "Mine now"}),
]


def test_an_unassigned_or_missing_organization_is_the_same_404_on_every_route(seller, store, client):
    other_seller = factories.staff("Seller", stores=[store])
    others = factories.organization(store=store, name="Other Seller Co", seller=other_seller)
    disabled = factories.organization(store=store, name="Disabled Co", seller=seller)
    Customer.objects.filter(pk=disabled.pk).update(status="DISABLED")
    answers = set()
    for pk in (others.pk, disabled.pk, 987654321, 0, 2**63):
        for method, path, body in ROUTES:
            response = send(client, method, url(pk, path), body, **{"If-Match": '"1"', "X-Lease-Token": "t"})
            assert response.status_code == 404, (pk, method, path, response.content)
            answers.add((response.json()["code"], response.json()["message"]))
    assert answers == {("customer.organization_not_assigned", "No such organization is assigned to you.")}
    fresh = Customer.objects.get(pk=others.pk)
    assert (fresh.organization_name, fresh.status, fresh.lease_holder_id) == ("Other Seller Co", "ACTIVE", None)


def test_a_new_organization_may_prefer_a_currency_its_store_sells_in_and_no_other(client, store):
    # given a store that also sells in euros (a price list for everyone in EUR)
    PriceList.objects.create(name="Euro prices", store=store, currency="EUR")
    # when a seller creates an organization that buys in euros
    euros = send(client, "post", "/api/v1/organizations", {**BODY, "preferred_currency": "EUR"})
    # then it buys in euros
    assert euros.status_code == 201, euros.content
    assert (euros.json()["currency"], euros.json()["preferred_currency"]) == ("EUR", "EUR")
    # and a currency the store does not sell in is refused on its field
    yen = send(client, "post", "/api/v1/organizations",
               {**BODY, "erp_id": "ACME-002", "contract_numbers": [], "preferred_currency": "JPY"})  # fmt: skip
    assert (yen.status_code, yen.json()["code"]) == (422, "customer.invalid")
    assert "preferred_currency" in yen.json()["fields"]
