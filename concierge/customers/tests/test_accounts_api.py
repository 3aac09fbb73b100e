"""The accounts API: create (generated and manual shared IDs), children and the tree, moving an
account under another (cycles refused), associates under the lock and version, Delete Account."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client

from concierge.customers import accounts, accounts_api
from concierge.customers.models import AccountAssociate, Customer
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
BODY = {"business_name": "Acme Outfitters", "store": "us", "email": "buying@acme.example", "phone": "+1 512 555 0100"}


def api(user) -> Client:
    """A client carrying ``user``'s API token."""
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "accounts"},
                            content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def url(shared_id: str, rest: str = "") -> str:
    return f"/api/v1/service/accounts/{shared_id}{rest}"


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def locked(client: Client, shared_id: str) -> dict[str, str]:
    """Lock the account; the headers a change then carries."""
    lock = client.post(url(shared_id, "/lock")).json()
    return {"If-Match": f'"{lock["version"]}"', "X-Lease-Token": lock["lease_token"]}


def refresh(client: Client, shared_id: str, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "If-Match": f'"{client.get(url(shared_id)).json()["version"]}"'}


def test_the_schemas_lists_are_the_services():
    assert set(get_args(accounts_api.LocaleChoice)) == {"", *accounts.LOCALES}
    assert set(get_args(accounts_api.RoleChoice)) == set(AccountAssociate.Role.values)


def test_create_with_a_generated_and_with_a_manual_shared_id(csr, store):
    client = api(csr)
    generated = post(client, "/api/v1/service/accounts", BODY)
    assert generated.status_code == 201, generated.content
    assert generated.json()["shared_id"].startswith("A")
    manual = post(client, "/api/v1/service/accounts", {**BODY, "shared_id": "ERP-1", "business_number": "BN-1"})
    assert manual.status_code == 201
    assert (manual.json()["shared_id"], manual.json()["business_number"]) == ("ERP-1", "BN-1")
    assert manual.json()["preferred_locale"] == "en_US"


def test_a_taken_or_malformed_shared_id_is_refused_with_a_stable_code(csr, store, shopper):
    client = api(csr)
    taken = post(client, "/api/v1/service/accounts", {**BODY, "shared_id": shopper.shared_id})
    assert taken.status_code == 409
    assert taken.json()["code"] == "customer.shared_id_taken"
    assert "shared_id" in taken.json()["fields"]
    bad = post(client, "/api/v1/service/accounts", {**BODY, "shared_id": "no spaces"})
    assert (bad.status_code, bad.json()["code"]) == (422, "request.invalid")
    assert "shared_id" in bad.json()["fields"]


def test_a_store_not_served_is_refused(csr, store, other_store):
    response = post(api(csr), "/api/v1/service/accounts", {**BODY, "store": "ca"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_shopper_is_refused(shopper):
    assert post(api(shopper.user), "/api/v1/service/accounts", BODY).status_code == 403


def test_children_need_the_parents_lock_and_version_and_form_a_tree(csr, store):
    client = api(csr)
    post(client, "/api/v1/service/accounts", {**BODY, "shared_id": "ROOT"})
    without = post(client, url("ROOT", "/children"), {**BODY, "business_name": "East"})
    assert (without.status_code, without.json()["code"]) == (428, "customer.version_required")
    headers = locked(client, "ROOT")
    east = post(client, url("ROOT", "/children"), {**BODY, "business_name": "East", "shared_id": "EAST"}, **headers)
    assert east.status_code == 201, east.content
    assert east.json()["parent"] == "ROOT"
    stale = post(client, url("ROOT", "/children"), {**BODY, "business_name": "West"}, **headers)
    assert (stale.status_code, stale.json()["code"]) == (412, "customer.stale")
    east_headers = locked(client, "EAST")
    post(client, url("EAST", "/children"), {**BODY, "business_name": "Boston", "shared_id": "BOS"}, **east_headers)
    tree = client.get(url("ROOT", "/children")).json()
    assert tree == [{"shared_id": "EAST", "business_name": "East", "status": "ACTIVE",
                     "children": [{"shared_id": "BOS", "business_name": "Boston", "status": "ACTIVE",
                                   "children": []}]}]  # fmt: skip


def test_an_account_cannot_move_under_itself_or_its_descendants(csr, store):
    client = api(csr)
    for shared_id in ("ROOT", "EAST", "BOS", "LONE"):
        post(client, "/api/v1/service/accounts", {**BODY, "business_name": shared_id.title(), "shared_id": shared_id})
    headers = locked(client, "ROOT")
    assert client.put(url("ROOT", "/children/EAST"), headers=headers).status_code == 200
    east = locked(client, "EAST")
    assert client.put(url("EAST", "/children/BOS"), headers=east).status_code == 200
    # ROOT under its grandchild BOS: a cycle
    bos = locked(client, "BOS")
    cycle = client.put(url("BOS", "/children/ROOT"), headers=bos)
    assert (cycle.status_code, cycle.json()["code"]) == (409, "account.cycle")
    itself = client.put(url("BOS", "/children/BOS"), headers=bos)
    assert (itself.status_code, itself.json()["code"]) == (409, "account.cycle")
    assert Customer.objects.get(shared_id="ROOT").parent is None
    # a move that makes no cycle is fine
    assert client.put(url("BOS", "/children/LONE"), headers=refresh(client, "BOS", bos)).status_code == 200
    assert Customer.objects.get(shared_id="LONE").parent.shared_id == "BOS"


def test_associates_add_change_role_and_remove_under_the_lock(csr, store, shopper):
    client = api(csr)
    post(client, "/api/v1/service/accounts", {**BODY, "shared_id": "ACME"})
    no_lock = post(client, url("ACME", "/associates"), {"email": shopper.email, "role": "BUYER"}, **{"If-Match": '"1"'})
    assert (no_lock.status_code, no_lock.json()["code"]) == (409, "customer.lock_lost")
    headers = locked(client, "ACME")
    added = post(client, url("ACME", "/associates"), {"email": shopper.email, "role": "BUYER"}, **headers)
    assert added.status_code == 201, added.content
    associate_id = added.json()["id"]
    twice = post(client, url("ACME", "/associates"), {"email": shopper.email, "role": "BUYER"},
                 **refresh(client, "ACME", headers))  # fmt: skip
    assert (twice.status_code, "email" in twice.json()["fields"]) == (422, True)
    unknown = post(client, url("ACME", "/associates"), {"email": "ghost@example.com", "role": "BUYER"},
                   **refresh(client, "ACME", headers))  # fmt: skip
    assert (unknown.status_code, "email" in unknown.json()["fields"]) == (422, True)
    bad_role = post(client, url("ACME", "/associates"), {"email": shopper.email, "role": "OWNER"},
                    **refresh(client, "ACME", headers))  # fmt: skip
    assert "role" in bad_role.json()["fields"]
    role = client.put(url("ACME", f"/associates/{associate_id}"), {"role": "CATALOG_BROWSER"},
                      content_type="application/json", headers=refresh(client, "ACME", headers))  # fmt: skip
    assert role.json()["role_name"] == "Catalog browser"
    listed = client.get(url("ACME", "/associates")).json()
    assert [(a["email"], a["role"]) for a in listed] == [(shopper.email, "CATALOG_BROWSER")]
    stale = client.delete(url("ACME", f"/associates/{associate_id}"), headers=headers)
    assert stale.status_code == 412
    removed = client.delete(url("ACME", f"/associates/{associate_id}"), headers=refresh(client, "ACME", headers))
    assert removed.status_code == 204
    assert not AccountAssociate.objects.exists()
    assert shopper.user.__class__.objects.filter(pk=shopper.user_id).exists()


def test_delete_account_refused_with_purchases_then_allowed_without(csr, store, shopper):
    client = api(csr)
    post(client, "/api/v1/service/accounts", {**BODY, "business_name": "Acme", "shared_id": "ACME"})
    root = locked(client, "ACME")
    post(client, url("ACME", "/children"), {**BODY, "business_name": "Acme East", "shared_id": "EAST"}, **root)
    order = placed_order(shopper, store, shipments=1)
    order.account = Customer.objects.get(shared_id="EAST")
    order.save(update_fields=["account"])
    refused = client.delete(url("ACME"), headers=refresh(client, "ACME", root))
    assert refused.status_code == 409
    assert refused.json()["code"] == "account.has_purchases"
    assert refused.json()["reasons"] == ["Acme East (child of Acme) has 1 order"]
    assert Customer.objects.filter(shared_id__in=["ACME", "EAST"]).count() == 2
    order.account = None
    order.save(update_fields=["account"])
    deleted = client.delete(url("ACME"), headers=refresh(client, "ACME", root))
    assert deleted.status_code == 200, deleted.content
    assert sorted(d["shared_id"] for d in deleted.json()) == ["ACME", "EAST"]
    assert client.get(url("ACME")).status_code == 404


def test_another_stores_account_is_not_found(csr, other_store):
    factories.organization(store=other_store, name="Fjord")
    shared_id = Customer.objects.get(organization_name="Fjord").shared_id
    client = api(csr)
    assert client.get(url(shared_id)).status_code == 404
    assert client.delete(url(shared_id)).status_code == 404
