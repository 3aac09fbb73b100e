"""Cart takeover with a draft order (seed 001), through the console's and the storefront's forms:
the offline order is a real order — found, listed, priced — and the shopper's checkout places it
with the same number; an anonymous shopper picks the prepared cart up by code or link."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from concierge.assist.models import CartTakeover
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.models import HoldRule, Order, Shipment
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoe(store) -> Sku:
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.00"))
    return factories.product(store=store, name="Alpine Trail Runner", price="89.95", stock=10)


@pytest.fixture
def agent(signed_in, csr) -> Client:
    return signed_in(csr)


def shopper_client(customer: Customer) -> Client:
    client = Client()
    assert customer.user is not None
    client.force_login(customer.user, backend="concierge.identity.backends.EmailBackend")
    return client


def create_order(agent: Client, customer: Customer) -> str:
    response = agent.post(reverse("service:takeover_new"), {"customer": customer.pk})
    assert response.status_code == 302
    return CartTakeover.objects.get(customer=customer, status=CartTakeover.Status.NEW).number


def fill_cart(agent: Client, number: str, sku: Sku, quantity: int = 2) -> None:
    agent.post(reverse("service:takeover_cart", args=[number]))
    agent.post(reverse("service:takeover_add", args=[number]), {"sku": sku.pk, "quantity": quantity})
    agent.post(reverse("service:takeover_done", args=[number]))


def check_out(client: Client, customer: Customer) -> Client:
    """The shopper's own checkout form: ship everything the standard way, pay by a saved card."""
    ctx = ActingContext(user=customer.user, customer=customer, store=customer.store)
    card = payment_source_add_card(ctx, customer=customer, number="4242 4242 4242 4242", exp_month=12,
                                   exp_year=2030, cvc="123", holder_name="Jane Shopper")  # fmt: skip
    cart = Cart.objects.get(customer=customer, status=Cart.Status.ACTIVE)
    address = customer.addresses.first()
    form = {"action": "place", "billing_address": address.pk, "payment_source": card.pk, "ship_address": address.pk,
            "attempt": "attempt-1"}  # fmt: skip
    for line in cart.lines.all():
        form[f"method_{line.pk}"] = "standard"
    response = client.post(reverse("storefront:checkout"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_create_new_order_makes_a_draft_order_found_in_search_and_on_the_profile(agent, shopper):
    # when
    number = create_order(agent, shopper)
    # then: a real order in the Draft state, with the takeover's number
    order = Order.objects.get(number=number)
    assert (order.status, order.customer, order.total) == (Order.Status.DRAFT, shopper, Decimal(0))
    page = agent.get(reverse("service:orders"), {"status": "DRAFT"}).content.decode()
    assert number in page
    assert '<option value="DRAFT"' in page  # the status filter lists Draft
    profile = agent.get(reverse("service:customer", args=[shopper.pk]), {"tab": "orders"}).content.decode()
    assert number in profile
    assert "Draft" in profile
    takeover_page = agent.get(reverse("service:takeover", args=[number])).content.decode()
    assert "Created by <strong>Ann Agent</strong> for <strong>Jane Shopper</strong>" in takeover_page
    assert agent.get(reverse("service:order", args=[number])).status_code == 200


def test_a_second_agents_order_for_the_same_cart_replaces_a_handed_back_draft(agent, store, shopper, shoe):
    first = create_order(agent, shopper)
    fill_cart(agent, first, shoe)
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    other = Client()
    other.force_login(bob, backend="concierge.identity.backends.EmailBackend")
    second = create_order(other, shopper)
    # when
    other.post(reverse("service:takeover_cart", args=[second]))
    # then: a cart carries one draft; the first one says so and cannot take the cart back
    assert Order.objects.get(number=first).status == Order.Status.CANCELLED
    assert Order.objects.get(number=second).lines.get().sku == shoe  # the new draft mirrors the cart
    response = agent.post(reverse("service:takeover_cancel", args=[first]), follow=True)
    assert "already placed or cancelled" in response.content.decode()


def test_after_add_items_to_cart_the_order_pane_lists_the_items(agent, csr, shopper, shoe):
    number = create_order(agent, shopper)
    # when
    fill_cart(agent, number, shoe)
    # then
    page = agent.get(reverse("service:takeover", args=[number])).content.decode()
    assert "There are currently no items in the new order." not in page
    assert "Alpine Trail Runner" in page
    assert "$179.90" in page
    order = Order.objects.get(number=number)
    assert order.status == Order.Status.DRAFT
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(shoe.pk, 2)]
    assert order.total == Decimal("179.90")
    assert set(order.shipments.values_list("status", flat=True)) == {Shipment.Status.DRAFT}
    # drafts hold no stock
    assert Sku.objects.get(pk=shoe.pk).stock_on_hand == 10
    # every step is the agent's, for the customer
    for action in ("order.draft_created", "order.draft_cart_associated", "order.draft_updated"):
        event = Event.objects.filter(action=action, subject_id=order.pk).latest("id")
        assert (event.actor_id, event.on_behalf_of_id) == (csr.pk, shopper.pk)


def test_the_shoppers_checkout_places_the_draft_with_the_same_number(agent, csr, shopper, shoe):
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    client = shopper_client(shopper)
    # the shopper sees, at checkout, the order customer service prepared
    assert (
        f"Order {number}, prepared for you by Ann Agent" in client.get(reverse("storefront:checkout")).content.decode()
    )
    # when
    check_out(client, shopper)
    # then: one order, the same number, placed
    order = Order.objects.get(customer=shopper)
    assert order.number == number
    assert order.status == Order.Status.CREATED
    assert order.total == Decimal("184.90")  # 2 x 89.95 + 5.00 shipping, paid by the shopper
    assert [(line.quantity, line.shipment.status) for line in order.lines.all()] == [
        (2, Shipment.Status.INVENTORY_ASSIGNED)
    ]
    assert (order.placed_by, order.placed_on_behalf) == (csr, True)  # created by the agent for the customer
    assert order.transactions.filter(kind="AUTHORIZE", status="SUCCEEDED").exists()
    assert Sku.objects.get(pk=shoe.pk).stock_on_hand == 8
    placed = Event.objects.get(action="order.placed", subject_id=order.pk)
    assert (placed.actor_id, placed.data["created_by"]) == (shopper.user_id, "Ann Agent")
    # it is their order now, and the takeover's order pane shows it placed
    assert number in client.get(reverse("storefront:orders")).content.decode()
    page = agent.get(reverse("service:takeover", args=[number])).content.decode()
    assert "Created" in page
    assert "Alpine Trail Runner" in page


def test_the_placed_draft_reads_created_by_the_csr_for_the_customer_on_its_page_and_in_search(agent, shopper, shoe):
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    # while a draft: created (not yet placed) by the CSR for the customer
    draft = text(agent.get(reverse("service:order", args=[number])).content.decode())
    assert "Created" in draft
    assert "created by Ann Agent for Jane Shopper" in draft
    # when: the shopper checks it out
    check_out(shopper_client(shopper), shopper)
    # then: the order page (Summary) and order search say who created it for whom, not who placed it
    summary = text(agent.get(reverse("service:order", args=[number])).content.decode())
    assert "created by Ann Agent for Jane Shopper" in summary
    assert "placed by Ann Agent on behalf of" not in summary
    found = text(agent.get(reverse("service:orders"), {"number": number}).content.decode())
    assert "Shopper, Jane created by Ann Agent" in found


def test_an_order_placed_from_a_draft_is_the_shoppers_and_an_abandoned_one_is_not(agent, shopper, shoe):
    abandoned = create_order(agent, shopper)
    fill_cart(agent, abandoned, shoe)
    agent.post(reverse("service:takeover_cancel", args=[abandoned]))
    placed = create_order(agent, shopper)
    fill_cart(agent, placed, shoe)
    check_out(shopper_client(shopper), shopper)
    # then: the order itself knows it began as a draft; only the one placed is the customer's order
    assert [Order.objects.get(number=n).from_draft for n in (placed, abandoned)] == [True, True]
    my_orders = shopper_client(shopper).get(reverse("storefront:orders")).content.decode()
    assert placed in my_orders
    assert abandoned not in my_orders


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_draft_is_not_in_my_account_orders_until_placed(agent, shopper, shoe):
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    client = shopper_client(shopper)
    # then
    assert number not in client.get(reverse("storefront:orders")).content.decode()
    assert client.get(reverse("storefront:order_detail", args=[number])).status_code == 404


def test_the_csr_cancels_an_abandoned_draft(agent, shopper, shoe):
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    # when
    response = agent.post(reverse("service:takeover_cancel", args=[number]), follow=True)
    # then
    assert f"Order {number} was cancelled" in response.content.decode()
    order = Order.objects.get(number=number)
    assert (order.status, order.cart) == (Order.Status.CANCELLED, None)
    event = Event.objects.get(action="order.draft_cancelled", subject_id=order.pk)
    assert event.on_behalf_of_id == shopper.pk
    # the shopper keeps the items; a cancelled draft is not one of their orders
    client = shopper_client(shopper)
    assert number not in client.get(reverse("storefront:orders")).content.decode()
    check_out(client, shopper)
    placed = Order.objects.exclude(number=number).get(customer=shopper)
    assert placed.status in (Order.Status.CREATED, Order.Status.ON_HOLD)


def test_an_abandoned_draft_is_not_the_customers_first_order(agent, shopper, shoe):
    HoldRule.objects.create(name="First order", kind=HoldRule.Kind.FIRST_ORDER)
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    agent.post(reverse("service:takeover_cancel", args=[number]))
    # when
    check_out(shopper_client(shopper), shopper)
    # then
    assert Order.objects.exclude(number=number).get(customer=shopper).status == Order.Status.ON_HOLD


def test_the_console_cannot_cancel_a_draft_as_a_placed_order(agent, shopper, shoe):
    number = create_order(agent, shopper)
    fill_cart(agent, number, shoe)
    order = Order.objects.get(number=number)
    # then: not offered, and the state machine moves no draft shipment (no stock to put back)
    assert not order.can_cancel()
    assert not order.shipments.get().can_transition_to(Shipment.Status.CANCELLED)


def test_create_new_order_search_does_not_read_a_cart_code_as_a_phone_number(agent, store, shopper):
    # given: customers whose phone numbers start with the digit inside the code
    for n in range(3):
        customer = factories.shopper(store=store, first_name="Phone", last_name=f"Owner{n}")
        customer.phone = f"4155550{n:03d}"
        customer.save(update_fields=["phone"])
        from concierge.customers.search import index_customers

        index_customers([customer])
    # when
    page = agent.get(reverse("service:takeover_new"), {"q": "ED4NSHEJ"}).content.decode()
    # then
    assert "Phone Owner" not in page
    assert "No customer of your stores matches" in page
    # and a phone number is still found, a name too
    assert "Phone Owner1" in agent.get(reverse("service:takeover_new"), {"q": "415 555 0001"}).content.decode()
    assert "Jane Shopper" in agent.get(reverse("service:takeover_new"), {"q": "jane shopper"}).content.decode()


def test_an_empty_or_over_long_search_says_so(agent, shopper, shoe):
    number = create_order(agent, shopper)
    agent.post(reverse("service:takeover_cart", args=[number]))
    # when
    empty = agent.get(reverse("service:takeover", args=[number]), {"q": "  "}).content.decode()
    long = agent.get(reverse("service:takeover", args=[number]), {"q": "x" * 500}).content.decode()
    customers = agent.get(reverse("service:takeover_new"), {"q": ""}).content.decode()
    # then
    assert "Enter a keyword or SKU to search for." in empty
    assert "At most 120 characters. This has 500." in long
    assert f'value="{"x" * 500}"' in long  # shown back as typed, not cut to 120
    assert "Enter a name, email, phone number or customer ID to search for." in customers


# --- Anonymous shoppers (seed 001 with seed 002's cart code) -----------------------------------


def create_guest_order(agent: Client, **fields: str) -> CartTakeover:
    form = {"kind": "guest", "first_name": "Gina", "last_name": "Guest", "email": "gina@example.com", **fields}
    response = agent.post(reverse("service:takeover_new"), form)
    assert response.status_code == 302, response.content.decode()[:1000]
    return CartTakeover.objects.select_related("cart", "customer").latest("id")


def test_a_guest_order_needs_a_name_and_an_email(agent):
    response = agent.post(reverse("service:takeover_new"), {"kind": "guest", "first_name": "Gina", "email": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the shopper&#x27;s last name." in page
    assert "Enter the shopper&#x27;s email address." in page
    form = {"kind": "guest", "first_name": "G" * 81, "last_name": "Guest", "email": "g@example.com"}
    too_long = agent.post(reverse("service:takeover_new"), form)
    assert "At most 80 characters." in too_long.content.decode()
    assert not Order.objects.exists()


def test_an_anonymous_shoppers_cart_is_picked_up_by_its_code_and_checked_out(agent, store, shoe):
    # given: a guest order; View User's Cart opens an empty cart
    takeover = create_guest_order(agent)
    assert takeover.customer.kind == Customer.Kind.SINGLE_SESSION_USER
    agent.post(reverse("service:takeover_cart", args=[takeover.number]))
    page = agent.get(reverse("service:takeover", args=[takeover.number])).content.decode()
    assert "There are currently no items in the new order." in page
    agent.post(reverse("service:takeover_add", args=[takeover.number]), {"sku": shoe.pk, "quantity": 1})
    agent.post(reverse("service:takeover_done", args=[takeover.number]))
    takeover.refresh_from_db()
    page = agent.get(reverse("service:takeover", args=[takeover.number])).content.decode()
    assert takeover.cart.code in page
    assert "Hand the cart to the shopper" in page
    # when: the shopper (who signs in to check out) enters the code on their cart page
    shopper = factories.shopper(store=store, email="gina@example.com", first_name="Gina", last_name="Guest")
    client = shopper_client(shopper)
    shown = client.get(reverse("storefront:pickup"), {"code": takeover.cart.code.lower()})
    assert f"Order {takeover.number}" in shown.content.decode()
    assert not Cart.objects.filter(customer=shopper).exists()  # showing it changed nothing
    response = client.post(reverse("storefront:pickup"), {"code": takeover.cart.code}, follow=True)
    assert "prepared are in your cart" in response.content.decode()
    # then: the draft is theirs, and their checkout places it with its number
    check_out(client, shopper)
    order = Order.objects.get(number=takeover.number)
    assert (order.customer, order.status) == (shopper, Order.Status.CREATED)
    assert order.lines.get().sku == shoe
    assert Event.objects.filter(action="takeover.picked_up", actor_id=shopper.user_id).exists()
    # the code works once
    again = client.post(reverse("storefront:pickup"), {"code": takeover.cart.code}, follow=True)
    assert "No cart prepared by customer service has this code." in again.content.decode()


def link_value(response) -> str:
    from urllib.parse import unquote

    return unquote(re.search(r"/cart/pick-up/\?link=([^\s<\"&]+)", response.content.decode()).group(1))


def test_the_checkout_link_is_single_use_and_expires(agent, store, shoe, clock):
    takeover = create_guest_order(agent)
    fill_cart(agent, takeover.number, shoe, quantity=1)
    first = link_value(agent.post(reverse("service:takeover_link", args=[takeover.number]), follow=True))
    shopper = factories.shopper(store=store, first_name="Gina", last_name="Guest")
    client = shopper_client(shopper)

    def pick_up(value: str) -> str:
        return client.post(reverse("storefront:pickup"), {"link": value}, follow=True).content.decode()

    # a tampered link is refused
    assert "This checkout link is not valid." in pick_up(first + "x")
    # an expired one too
    clock.advance(dt.timedelta(hours=25))
    assert "This checkout link has expired." in pick_up(first)
    clock.advance(dt.timedelta(hours=-25))
    # a new link replaces the previous one
    second = link_value(agent.post(reverse("service:takeover_link", args=[takeover.number]), follow=True))
    assert "was already used or replaced" in pick_up(first)
    # when
    assert "prepared are in your cart" in pick_up(second)
    # then: it works once
    assert Order.objects.get(number=takeover.number).customer == shopper
    assert "was already used or replaced" in pick_up(second)


def test_an_anonymous_visitor_signs_in_before_picking_up(agent, store, shoe):
    takeover = create_guest_order(agent)
    fill_cart(agent, takeover.number, shoe, quantity=1)
    takeover.refresh_from_db()
    # an anonymous visitor is sent to sign in first
    anonymous = Client().get(reverse("storefront:pickup"), {"code": takeover.cart.code})
    assert anonymous.status_code == 302
    assert reverse("storefront:sign_in") in anonymous["Location"]
    assert Order.objects.get(number=takeover.number).customer == takeover.customer


# --- The open takeover page: renewed by its heartbeat POST, never by a GET (bar 15) --------------


def test_viewing_the_takeover_page_renews_nothing_its_heartbeat_does(agent, shopper, shoe, clock):
    # given: the agent views the user's cart, then works on without changing anything
    number = create_order(agent, shopper)
    agent.post(reverse("service:takeover_cart", args=[number]))
    takeover = CartTakeover.objects.select_related("session", "cart").get(number=number)
    seen, lease_until = takeover.session.last_seen_at, takeover.cart.lease_expires_at
    assert lease_until is not None  # the agent holds the cart's lock
    clock.advance(dt.timedelta(minutes=5))
    # when: a GET of the page (and an item search on it)
    page = agent.get(reverse("service:takeover", args=[number]), {"q": "trail"})
    # then: no row moved, and the page carries the heartbeat
    takeover.session.refresh_from_db()
    takeover.cart.refresh_from_db()
    assert page.status_code == 200
    assert reverse("service:takeover_heartbeat", args=[number]) in page.content.decode()
    assert (takeover.session.last_seen_at, takeover.cart.lease_expires_at) == (seen, lease_until)
    # when: the page's heartbeat
    beat = agent.post(reverse("service:takeover_heartbeat", args=[number]))
    # then: the session and the agent's cart lock are renewed
    takeover.session.refresh_from_db()
    takeover.cart.refresh_from_db()
    assert beat.status_code == 204
    assert takeover.session.last_seen_at > seen
    assert (takeover.cart.lease_expires_at or lease_until) > lease_until


def test_the_takeover_heartbeat_is_a_post_of_the_agents_own_order(agent, signed_in, csr, supervisor, shopper):
    number = create_order(agent, shopper)
    assert agent.get(reverse("service:takeover_heartbeat", args=[number])).status_code == 405
    assert signed_in(supervisor).post(reverse("service:takeover_heartbeat", args=[number])).status_code == 404
