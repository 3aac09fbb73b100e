"""The API of associates: the accounts a caller may buy for (GET /api/v1/me/accounts), buying for
one with the X-Account header, and a suspended account's checkout refused with account.suspended."""

from __future__ import annotations

import pytest
from django.test import Client

from concierge.api.tests.test_commerce_api import ship_all, token_headers
from concierge.core.context import ActingContext
from concierge.core.edits import SYSTEM
from concierge.customers.models import AccountAssociate, Customer
from concierge.customers.services import customer_set_status
from concierge.customers.tests.test_associates import acme, associate, boots
from concierge.orders.models import Order

SYSTEM_CTX = ActingContext.system("test set-up")
pytestmark = pytest.mark.django_db
__all__ = ["acme", "boots"]  # fixtures shared with the storefront tests
ROLE = AccountAssociate.Role


def add_line(headers: dict[str, str], sku_id: int):
    return Client().post("/api/v1/cart/lines", {"sku_id": sku_id}, content_type="application/json", headers=headers)


def checkout(headers: dict[str, str], cart: dict, account: Customer):
    payload = ship_all(cart, account.addresses.get(), account.payment_sources.get())
    return Client().post("/api/v1/checkout", payload, content_type="application/json",
                         headers={**headers, "Idempotency-Key": "attempt-1"})  # fmt: skip


def test_the_accounts_a_shopper_may_buy_for_with_their_roles(shopper, acme, store, csr):
    west = Customer.objects.create(shared_id="A-WEST", kind=Customer.Kind.ACCOUNT, store=store,
                                   organization_name="Acme — West region", parent=acme)  # fmt: skip
    gone = Customer.objects.create(shared_id="A-GONE", kind=Customer.Kind.ACCOUNT, store=store,
                                   organization_name="Closed Ltd", status=Customer.Status.DISABLED)  # fmt: skip
    associate(acme, shopper, ROLE.BUYER)
    associate(west, shopper, ROLE.CATALOG_BROWSER)
    associate(gone, shopper, ROLE.BUYER)
    headers = token_headers(shopper.email)
    # when
    listed = Client().get("/api/v1/me/accounts", headers=headers)
    # then: by name, disabled ones left out, what each role may do
    assert listed.status_code == 200
    rows = [(a["name"], a["role"], a["may_purchase"], a["parent_id"], a["selected"]) for a in listed.json()]
    assert rows == [("Acme Outfitters", "BUYER", True, None, False), ("Acme — West region", "CATALOG_BROWSER",
                                                                        False, acme.pk, False)]  # fmt: skip
    # naming one with X-Account marks it selected
    chosen = Client().get("/api/v1/me/accounts", headers={**headers, "X-Account": str(acme.pk)}).json()
    assert [a["selected"] for a in chosen] == [True, False]


def test_an_api_caller_buys_for_the_account_with_the_x_account_header(shopper, acme, boots):
    associate(acme, shopper)
    headers = {**token_headers(shopper.email), "X-Account": str(acme.pk)}
    me = Client().get("/api/v1/me", headers=headers)
    assert (me.json()["customer"]["id"], me.json()["account"]["id"]) == (acme.pk, acme.pk)
    assert me["X-Acting-For-Account"] == str(acme.pk)
    cart = add_line(headers, boots.pk)
    assert cart.status_code in {200, 201}
    assert cart.json()["subtotal"]["amount"] == "80.00"  # the account's price
    placed = checkout(headers, cart.json(), acme)
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(number=placed.json()["number"])
    assert (order.customer, order.account, order.placed_by) == (acme, acme, shopper.user)
    # without the header the caller is themself again
    assert Client().get("/api/v1/me", headers={"Authorization": headers["Authorization"]}).json()["account"] is None


def test_a_suspended_accounts_api_checkout_answers_account_suspended(shopper, acme, boots, csr):
    associate(acme, shopper)
    customer_set_status(
        ActingContext.system("test"), customer_id=acme.pk, status=Customer.Status.SUSPENDED, guard=SYSTEM
    )
    headers = {**token_headers(shopper.email), "X-Account": str(acme.pk)}
    cart = add_line(headers, boots.pk)
    assert cart.status_code in {200, 201}  # carting goes on
    refused = checkout(headers, cart.json(), acme)
    assert refused.status_code == 403
    assert refused.json()["code"] == "account.suspended"
    assert "Acme Outfitters is suspended" in refused.json()["message"]
    assert not Order.objects.exists()


def test_an_account_that_is_not_the_callers_is_not_found_and_a_disabled_one_says_so(shopper, acme, csr):
    headers = token_headers(shopper.email)
    foreign = Client().get("/api/v1/me", headers={**headers, "X-Account": str(acme.pk)})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "account.unavailable")
    nonsense = Client().get("/api/v1/me", headers={**headers, "X-Account": "acme"})
    assert (nonsense.status_code, nonsense.json()["code"]) == (404, "account.unavailable")
    associate(acme, shopper)
    customer_set_status(
        ActingContext.system("test"), customer_id=acme.pk, status=Customer.Status.DISABLED, guard=SYSTEM
    )
    disabled = Client().get("/api/v1/me", headers={**headers, "X-Account": str(acme.pk)})
    assert (disabled.status_code, disabled.json()["code"]) == (403, "customer.disabled")


def test_a_seller_names_an_assigned_organization_with_the_header_too(seller, acme):
    acme.seller_assignments.create(seller=seller)
    key = token_headers(seller.email)
    listed = Client().get("/api/v1/me/accounts", headers=key).json()
    assert [(a["name"], a["role"]) for a in listed] == [("Acme Outfitters", "SELLER")]
    me = Client().get("/api/v1/me", headers={**key, "X-Account": str(acme.pk)}).json()
    assert me["account"]["id"] == acme.pk


def test_a_seller_naming_an_organization_not_assigned_to_them_is_not_found_on_every_buying_route(seller, acme, boots):
    # given Acme Outfitters, which is not assigned to Sally
    key = token_headers(seller.email)
    headers = {**key, "X-Account": str(acme.pk)}
    # then acting for it is the same 404 everywhere, before anything is read or written
    calls = {
        "me": Client().get("/api/v1/me", headers=headers),
        "cart": Client().get("/api/v1/cart", headers=headers),
        "add": add_line(headers, boots.pk),
        "checkout": Client().post(
            "/api/v1/checkout", {}, content_type="application/json", headers={**headers, "Idempotency-Key": "attempt-1"}
        ),
    }
    assert {name: (r.status_code, r.json()["code"]) for name, r in calls.items()} == dict.fromkeys(
        calls, (404, "account.unavailable")
    )
    assert "Acme" not in "".join(r.content.decode() for r in calls.values())
    assert not acme.carts.exists()
    assert [a["name"] for a in Client().get("/api/v1/me/accounts", headers=key).json()] == []


def test_an_account_administrator_manages_associates_over_the_api(shopper, other_shopper, acme):
    associate(acme, shopper, ROLE.ADMIN)
    headers = {**token_headers(shopper.email), "X-Account": str(acme.pk)}
    url = "/api/v1/me/account/associates"
    added = Client().post(url, {"email": other_shopper.email, "role": "CATALOG_BROWSER"},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert added.status_code == 201, added.content
    assert (added.json()["name"], added.json()["role"]) == ("Omar Other", "CATALOG_BROWSER")
    again = Client().post(url, {"email": other_shopper.email}, content_type="application/json", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "associate.exists")
    unknown = Client().post(url, {"email": "nobody@example.com"}, content_type="application/json", headers=headers)
    assert (unknown.status_code, list(unknown.json()["fields"])) == (422, ["email"])
    listed = Client().get(url, headers=headers).json()
    assert [a["name"] for a in listed] == ["Omar Other", "Jane Shopper"]
    mine = next(a for a in listed if a["user_id"] == shopper.user_id)
    assert Client().delete(f"{url}/{mine['id']}", headers=headers).json()["code"] == "associate.self"
    removed = Client().delete(f"{url}/{added.json()['id']}", headers=headers)
    assert removed.status_code == 204
    assert not AccountAssociate.objects.filter(user=other_shopper.user).exists()
    # the Omar who was just removed can no longer name the account
    omar = token_headers(other_shopper.email)
    refused = Client().get("/api/v1/me", headers={**omar, "X-Account": str(acme.pk)})
    assert (refused.status_code, refused.json()["code"]) == (404, "account.unavailable")


def test_a_buyer_does_not_manage_associates_over_the_api(shopper, other_shopper, acme):
    associate(acme, shopper, ROLE.BUYER)
    headers = {**token_headers(shopper.email), "X-Account": str(acme.pk)}
    listed = Client().get("/api/v1/me/account/associates", headers=headers)
    assert (listed.status_code, listed.json()["code"]) == (403, "associate.role_forbids")
    added = Client().post("/api/v1/me/account/associates", {"email": other_shopper.email},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert added.status_code == 403
    assert not AccountAssociate.objects.filter(user=other_shopper.user).exists()
    # nor does anyone who is not buying for an account
    alone = Client().get("/api/v1/me/account/associates", headers=token_headers(other_shopper.email))
    assert alone.status_code == 403
