"""Associates buy for an account from the storefront (seed 004 "Managing Associates"), and what the
account's status means for them ("Disabling or Suspending an Account record"): tested through the
storefront's pages and POSTs, as the shopper uses them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.edits import SYSTEM
from concierge.core.money import Money
from concierge.customers.actions import CustomerAction
from concierge.customers.models import AccountAssociate, Customer
from concierge.customers.services import customer_set_status
from concierge.orders.models import Order
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

SYSTEM_CTX = ActingContext.system("test set-up")
pytestmark = pytest.mark.django_db
ROLE = AccountAssociate.Role


@pytest.fixture
def acme(store):
    """Acme Outfitters: an account with its own prices, a billing address and credit on account."""
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))
    account = factories.organization(store=store, name="Acme Outfitters")
    factories.address(account, is_default_billing=True, is_default_shipping=True)
    payment_source_open_account(ActingContext.system("tests"), customer=account,
                                credit_limit=Money(Decimal("5000"), "USD"))  # fmt: skip
    return account


@pytest.fixture
def boots(store, acme):
    """A product at 100.00 in the store's list and 80.00 in Acme's own list."""
    sku = factories.product(store=store, name="Summit Boot", price="100.00")
    own = PriceList.objects.create(name="Acme contract", store=store, currency="USD", account=acme)
    Price.objects.create(price_list=own, sku=sku, amount=Decimal("80.00"))
    return sku


def associate(account: Customer, customer: Customer, role: str = ROLE.BUYER) -> AccountAssociate:
    assert customer.user is not None
    return AccountAssociate.objects.create(account=account, user=customer.user, role=role)


def switch(client: Client, account: Customer | None, *, follow: bool = False) -> Any:
    return client.post(reverse("storefront:buying_for"), {"account_id": account.pk if account else "", "next": "/"},
                       follow=follow)  # fmt: skip


def place_order(client: Client, account: Customer) -> Any:
    cart = Cart.objects.get(customer=account, status="ACTIVE")
    line, address = cart.lines.get(), account.addresses.get()
    return client.post(reverse("storefront:checkout"), {
        "action": "place", f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk,
        f"method_{line.pk}": "standard", "billing_address": address.pk,
        "payment_source": account.payment_sources.get().pk,
    }, follow=True)  # fmt: skip


def suspend(account: Customer, by) -> None:
    customer_set_status(
        ActingContext.system("test"), customer_id=account.pk, status=Customer.Status.SUSPENDED, guard=SYSTEM
    )


def test_an_associate_buys_for_the_account_at_its_prices_and_the_order_is_the_accounts(
    signed_in, shopper, acme, boots, csr
):
    associate(acme, shopper)
    client = signed_in(shopper.user)
    # given the header offers the account
    home = client.get("/").text
    assert "Buying for:" in home
    assert "Myself" in home
    assert "Acme Outfitters" in home
    # when Jane chooses it
    page = switch(client, acme, follow=True).text
    # then the header names it, the catalog shows the account's price, and the choice is audited
    assert "You are now buying for Acme Outfitters." in page
    assert 'class="switcher-current">Acme Outfitters<' in page
    product = client.get(reverse("storefront:product", args=[boots.product.slug])).text
    assert "$80.00" in product
    assert "$100.00" not in product
    chosen = Event.objects.get(action=CustomerAction.ASSOCIATE_ACCOUNT_SELECTED)
    assert (chosen.actor_id, chosen.on_behalf_of_id, chosen.account_id) == (shopper.user_id, acme.pk, acme.pk)
    # when she adds to the cart and places the order
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 2})
    assert not Cart.objects.filter(customer=shopper).exists()  # the account's cart, not hers
    page = place_order(client, acme).text
    # then the order belongs to the account, placed by her, priced at the account's price
    order = Order.objects.get()
    assert "has been placed" in page
    assert (order.customer, order.account, order.placed_by) == (acme, acme, shopper.user)
    assert order.subtotal == Decimal("160.00")
    placed = Event.objects.get(action="order.placed")
    assert (placed.actor_id, placed.on_behalf_of_id, placed.account_id) == (shopper.user_id, acme.pk, acme.pk)
    # and she sees it in My Account while buying for the account, placed by her for it
    assert order.number in client.get(reverse("storefront:orders")).text
    detail = client.get(reverse("storefront:order_detail", args=[order.number])).text
    assert "Jane Shopper for Acme Outfitters" in detail
    # and the console shows who placed it for whom
    console = signed_in(csr).get(reverse("service:order", args=[order.number])).text
    assert "placed by Jane Shopper for Acme Outfitters" in console
    # she placed it herself, for her account: not an order placed with customer service's help
    assert order.placed_on_behalf is False


def test_back_to_myself_the_shopper_buys_for_herself_again(signed_in, shopper, acme, boots):
    associate(acme, shopper)
    client = signed_in(shopper.user)
    switch(client, acme)
    assert client.get("/api/v1/me").json()["customer"]["id"] == acme.pk
    # when she chooses Myself
    page = switch(client, None, follow=True).text
    # then she is herself again, at the store's prices, and that is audited
    assert "You are buying for yourself." in page
    me = client.get("/api/v1/me").json()
    assert (me["customer"]["id"], me["account"]) == (shopper.pk, None)
    assert "$100.00" in client.get(reverse("storefront:product", args=[boots.product.slug])).text
    cleared = Event.objects.get(action=CustomerAction.ASSOCIATE_ACCOUNT_CLEARED)
    assert (cleared.actor_id, cleared.on_behalf_of_id) == (shopper.user_id, acme.pk)


def test_a_shopper_cannot_buy_for_an_account_they_are_not_an_associate_of(signed_in, shopper, acme):
    page = switch(signed_in(shopper.user), acme, follow=True).text
    assert "No such account is available to you." in page
    assert "Buying for:" not in page  # no switcher for someone who is nobody's associate
    assert not Event.objects.filter(action=CustomerAction.ASSOCIATE_ACCOUNT_SELECTED).exists()


def test_a_catalog_browser_sees_the_accounts_prices_but_cannot_add_to_the_cart(signed_in, shopper, acme, boots):
    associate(acme, shopper, ROLE.CATALOG_BROWSER)
    client = signed_in(shopper.user)
    switch(client, acme)
    assert "$80.00" in client.get(reverse("storefront:product", args=[boots.product.slug])).text
    # when she adds to the cart: refused, with the reason
    page = client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1}, follow=True).text
    assert "As a catalog browser for Acme Outfitters you can browse its catalog and prices" in page
    assert not Cart.objects.filter(customer=acme, lines__isnull=False).exists()
    # the API says the same, with its code
    api = client.post("/api/v1/cart/lines", {"sku_id": boots.pk}, content_type="application/json")
    assert (api.status_code, api.json()["code"]) == (403, "associate.role_forbids")


def test_a_catalog_browser_cannot_change_the_accounts_addresses_or_payment_methods(signed_in, shopper, acme):
    associate(acme, shopper, ROLE.CATALOG_BROWSER)
    client = signed_in(shopper.user)
    switch(client, acme)
    address = {"action": "add", "first_name": "Al", "last_name": "Browser", "line1": "1 Main St", "city": "Austin",
               "postal_code": "78701", "country": "US"}  # fmt: skip
    page = client.post(reverse("storefront:addresses"), address, follow=True).text
    assert "but not change its addresses or payment methods" in page
    assert acme.addresses.count() == 1
    card = {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2031", "cvc": "123",
            "holder_name": "Al Browser"}  # fmt: skip
    page = client.post(reverse("storefront:payment_methods"), card, follow=True).text
    assert "but not change its addresses or payment methods" in page
    assert acme.payment_sources.filter(kind="CARD").count() == 0


def test_a_refused_purchase_with_a_new_card_keeps_no_card(signed_in, shopper, acme, boots, csr):
    associate(acme, shopper)
    suspend(acme, csr)
    client = signed_in(shopper.user)
    switch(client, acme)
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1})
    cart = Cart.objects.get(customer=acme, status="ACTIVE")
    line, address = cart.lines.get(), acme.addresses.get()
    page = client.post(reverse("storefront:checkout"), {
        "action": "place", f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk,
        f"method_{line.pk}": "standard", "billing_address": address.pk, "payment_source": "new",
        "card_number": "4242 4242 4242 4242", "card_exp_month": "12", "card_exp_year": "2031", "card_cvc": "123",
        "card_holder": "Acme Outfitters",
    }, follow=True)  # fmt: skip
    assert "Acme Outfitters is suspended" in page.text
    assert acme.payment_sources.filter(kind="CARD").count() == 0
    assert not Order.objects.exists()


def test_an_account_administrator_adds_and_removes_an_associate(signed_in, shopper, other_shopper, acme):
    associate(acme, shopper, ROLE.ADMIN)
    client = signed_in(shopper.user)
    switch(client, acme)
    assert 'href="/account/associates/"' in client.get("/").text
    # when she adds Omar as a Buyer (User Email, Role, Save)
    url = reverse("storefront:associates")
    loaded = Customer.objects.get(pk=acme.pk).version
    page = client.post(url, {"action": "add", "email": "OMAR@example.com", "role": ROLE.BUYER}, follow=True).text
    # the account record moves on: a console editor who loaded it before is refused, not overwritten
    assert Customer.objects.get(pk=acme.pk).version == loaded + 1
    # then he is an associate, and it is audited as her acting for the account
    assert "Omar Other is now an associate (Buyer)." in page
    added = AccountAssociate.objects.get(account=acme, user=other_shopper.user)
    assert added.role == ROLE.BUYER
    event = Event.objects.get(action=CustomerAction.ASSOCIATE_ADDED)
    assert (event.actor_id, event.on_behalf_of_id, event.account_id) == (shopper.user_id, acme.pk, acme.pk)
    # adding him again is refused on the field
    again = client.post(url, {"action": "add", "email": other_shopper.email, "role": ROLE.ADMIN})
    assert again.status_code == 400
    assert "Omar Other is already an associate of Acme Outfitters." in again.text
    # an unknown email is a field error, not a new user
    unknown = client.post(url, {"action": "add", "email": "nobody@example.com", "role": ROLE.BUYER})
    assert "No registered shopper has this email address." in unknown.text
    # when she removes him: the Remove Associate dialog first, then OK
    dialog = client.get(url, {"remove": added.pk}).text
    assert "This will not delete the user; it will simply remove the association." in dialog
    page = client.post(url, {"action": "remove", "associate_id": added.pk}, follow=True).text
    assert "The associate was removed." in page
    assert not AccountAssociate.objects.filter(pk=added.pk).exists()
    assert Customer.objects.get(pk=acme.pk).version == loaded + 2
    assert other_shopper.user.__class__.objects.filter(pk=other_shopper.user_id).exists()  # the user stays
    assert Event.objects.filter(action=CustomerAction.ASSOCIATE_REMOVED, actor_id=shopper.user_id).count() == 1


def test_only_an_account_administrator_manages_associates(signed_in, shopper, other_shopper, acme):
    associate(acme, shopper, ROLE.BUYER)
    client = signed_in(shopper.user)
    switch(client, acme)
    url = reverse("storefront:associates")
    page = client.get(url)
    assert page.status_code == 403
    assert "not manage the associates" in page.text
    response = client.post(url, {"action": "add", "email": other_shopper.email, "role": ROLE.ADMIN})
    assert response.status_code == 403
    assert not AccountAssociate.objects.filter(user=other_shopper.user).exists()


def test_an_association_removed_drops_the_account_on_the_next_request(signed_in, shopper, acme, boots):
    link = associate(acme, shopper)
    client = signed_in(shopper.user)
    switch(client, acme)
    # when the association is removed (by an account administrator or customer service)
    link.delete()
    # then her next request no longer buys for the account, and she is told
    page = client.get("/").text
    assert "You are no longer acting for that organization" in page
    assert client.get("/api/v1/me").json()["account"] is None
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1})
    assert not Cart.objects.filter(customer=acme).exists()


def test_a_suspended_account_is_browsed_and_carted_for_but_place_order_is_refused(signed_in, shopper, acme, boots, csr):
    associate(acme, shopper)
    suspend(acme, csr)
    client = signed_in(shopper.user)
    # it can still be chosen, and every page says it is suspended
    page = switch(client, acme, follow=True).text
    assert "You are now buying for Acme Outfitters." in page
    assert 'data-code="account.suspended"' in page
    assert (
        "Acme Outfitters is suspended: you can browse and add to its cart, but purchases are blocked until it is "
        "re-activated."
    ) in page
    # the cart works, at the account's prices
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1})
    assert Cart.objects.get(customer=acme).lines.get().quantity == 1
    assert "$80.00" in client.get(reverse("storefront:cart")).text
    # Place Order is refused with the structured error
    page = place_order(client, acme)
    assert (
        "Acme Outfitters is suspended: you can browse and add to its cart, but purchases are blocked until it is "
        "re-activated."
    ) in page.text
    assert 'data-code="account.suspended"' not in page.text  # the refusal says it: the standing notice stands down
    assert not Order.objects.exists()
    assert Cart.objects.get(customer=acme).status == "ACTIVE"


def test_a_disabled_account_cannot_be_chosen_nor_transacted_for(signed_in, shopper, acme, boots, csr):
    associate(acme, shopper)
    client = signed_in(shopper.user)
    switch(client, acme)
    customer_set_status(
        ActingContext.system("test"), customer_id=acme.pk, status=Customer.Status.DISABLED, guard=SYSTEM
    )
    # the account in use is dropped on the next request
    assert "You are no longer acting for that organization" in client.get("/").text
    # it is not offered, and choosing it is refused saying why
    assert "Acme Outfitters" not in client.get("/").text
    page = switch(client, acme, follow=True).text
    assert "This organization (Acme Outfitters) is disabled" in page
    assert client.get("/api/v1/me").json()["account"] is None
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1})
    assert not Cart.objects.filter(customer=acme).exists()


def test_a_seller_acting_for_a_suspended_organization_carts_but_cannot_buy(signed_in, seller, acme, boots, csr):
    factories.organization(store=acme.store, name="Unrelated")  # (not theirs)
    acme.seller_assignments.create(seller=seller)
    suspend(acme, csr)
    client = signed_in(seller)
    # the seller still acts for it (seed 003's Customer Organizations), shown as suspended
    listing = client.get(reverse("storefront:organizations")).text
    assert "Suspended" in listing
    page = client.post(reverse("storefront:organizations"), {"account_id": acme.pk}, follow=True).text
    assert "You are now buying for Acme Outfitters." in page
    assert 'class="org-badge"' in page
    client.post(reverse("storefront:cart_add"), {"sku": boots.pk, "quantity": 1})
    assert Cart.objects.get(customer=acme).lines.count() == 1
    page = place_order(client, acme).text
    assert "Acme Outfitters is suspended" in page
    assert not Order.objects.exists()


def test_customer_service_may_serve_a_suspended_account_but_not_buy_for_it(signed_in, csr, acme, boots):
    from concierge.assist.models import AssistedSession
    from concierge.carts.locks import check_checkout_allowed
    from concierge.core.errors import DomainError

    suspend(acme, csr)
    client = signed_in(csr)
    client.post(reverse("service:access_customer"), {"customer": acme.pk})
    session = AssistedSession.objects.get(ended_at=None)
    assert session.customer == acme
    cart = Cart.objects.create(store=acme.store, customer=acme, code="SUSPENDD")
    acme.refresh_from_db()
    ctx = ActingContext(user=csr, customer=acme, account=acme, store=acme.store, assisted_session=session)
    with pytest.raises(DomainError) as refused:
        check_checkout_allowed(ctx, cart)
    assert (refused.value.code, refused.value.status) == ("account.suspended", 403)


def test_customer_service_prepares_an_order_for_a_suspended_account_but_it_cannot_be_placed(
    signed_in, csr, shopper, acme, boots
):
    from concierge.assist.models import CartTakeover

    associate(acme, shopper)
    suspend(acme, csr)
    agent = signed_in(csr)
    # Create New Order, View User's Cart, Add to Cart, Add Items to Cart: the draft is prepared
    agent.post(reverse("service:takeover_new"), {"customer": acme.pk})
    number = CartTakeover.objects.get(customer=acme).number
    agent.post(reverse("service:takeover_cart", args=[number]))
    agent.post(reverse("service:takeover_add", args=[number]), {"sku": boots.pk, "quantity": 1})
    agent.post(reverse("service:takeover_done", args=[number]))
    draft = Order.objects.get(number=number)
    assert (draft.status, draft.customer, draft.total) == (Order.Status.DRAFT, acme, Decimal("80.00"))
    # the associate's Place Order of the prepared cart is refused: the draft stays a draft
    buyer = Client()
    buyer.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    switch(buyer, acme)
    page = place_order(buyer, acme).text
    assert "Acme Outfitters is suspended" in page
    draft.refresh_from_db()
    assert draft.status == Order.Status.DRAFT
