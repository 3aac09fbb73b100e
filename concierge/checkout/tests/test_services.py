"""Checkout: one shipped and one pickup line, contacts, payment outcomes, holds, idempotency."""

from dataclasses import replace
from decimal import Decimal

import pytest

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders.models import HoldRule, Order, Shipment
from concierge.payments.gateway import TestGateway
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation, ShippingMethod, TaxRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db
D = Decimal
APPROVED, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"


@pytest.fixture
def ctx(shopper, store) -> ActingContext:
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=D("5.00"))
    PickupLocation.objects.create(
        store=store,
        name="Austin Downtown",
        line1="1 Main",
        city="Austin",
        region="TX",
        postal_code="78701",
        country="US",
    )
    TaxRate.objects.create(store=store, country="US", region="TX", rate=D("0.0825"))
    return ActingContext(user=shopper.user, customer=shopper, store=store)


@pytest.fixture
def cart(ctx, store):
    shoe = factories.product(store=store, name="Trail Shoe", price="80.00", stock=5)
    hat = factories.product(store=store, name="Sun Hat", price="20.00", stock=5)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=shoe.pk, quantity=1)
    cart_add(ctx, cart=cart, sku_id=hat.pk, quantity=2)
    return Cart.objects.get(pk=cart.pk)


def card(ctx, number=APPROVED):
    return payment_source_add_card(ctx, customer=ctx.customer, number=number, exp_month=12, exp_year=2030,
                                   cvc="123", holder_name="Jane Shopper")  # fmt: skip


NO_CONTACT = Contact()


def plan_for(ctx, cart, source, *, alternate=NO_CONTACT, alternate_saved=True) -> CheckoutPlan:
    shoe_line, hat_line = cart.lines.order_by("id")
    address = ctx.customer.addresses.get()
    return CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=source.pk,
        shipments=(
            ShipmentPlan(kind="SHIP", line_ids=(shoe_line.pk,), address_id=address.pk, shipping_method_code="standard"),
            ShipmentPlan(
                kind="PICKUP", line_ids=(hat_line.pk,), pickup_location_id=PickupLocation.objects.get().pk,
                primary=Contact("Jane", "Shopper", "jane@example.com"), alternate=alternate,
                alternate_saved=alternate_saved,
            ),
        ),
    )  # fmt: skip


def test_an_order_with_a_shipped_line_and_a_pickup_line(ctx, cart):
    alternate = Contact("Omar", "Other", "omar@example.com", "+15125550199")
    order = checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx), alternate=alternate))
    # then there is one shipment to the address and one pickup with both contacts
    ship, pickup = order.shipments.order_by("number")
    assert (ship.kind, ship.ship_city, ship.shipping_method_name) == ("SHIP", "Austin", "Standard")
    assert (pickup.kind, pickup.pickup_location.name) == ("PICKUP", "Austin Downtown")
    assert (pickup.primary_first_name, pickup.alternate_first_name, pickup.alternate_phone) == (
        "Jane",
        "Omar",
        "+15125550199",
    )
    # totals computed on the server: 80 + 40 + 5 shipping + 8.25% tax on 120
    assert (order.subtotal, order.shipping_total, order.tax_total, order.total) == (
        D("120.00"),
        D("5.00"),
        D("9.90"),
        D("134.90"),
    )
    assert order.status == Order.Status.CREATED
    assert order.transactions.get().status == PaymentTransaction.Status.SUCCEEDED
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.ORDERED
    assert Sku.objects.get(code=ship.lines.get().sku_code).stock_on_hand == 4
    event = Event.objects.get(action="order.placed")
    assert (event.actor_id, event.on_behalf_of_id, event.data["placed_on_behalf"]) == (
        ctx.user.pk,
        ctx.customer.pk,
        False,
    )


def test_an_alternate_contact_that_was_started_must_be_saved(ctx, cart):
    plan = plan_for(ctx, cart, card(ctx), alternate=Contact("Omar", "", ""), alternate_saved=False)
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert refused.value.code == "checkout.alternate_contact_unsaved"
    assert not Order.objects.exists()
    assert not PaymentTransaction.objects.exists()


def test_a_declined_card_places_no_order(ctx, cart):
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx, DECLINED)))
    assert (refused.value.code, refused.value.message) == ("payment.declined", "Your card was declined.")
    assert not Order.objects.exists()
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.ACTIVE
    assert set(Sku.objects.values_list("stock_on_hand", flat=True)) == {5}


def test_a_hold_rule_puts_the_order_on_hold_with_its_hold(ctx, cart):
    HoldRule.objects.create(name="Large order", kind="TOTAL_ABOVE", amount=D("100"))
    HoldRule.objects.create(name="Huge order", kind="TOTAL_ABOVE", amount=D("1000"))
    order = checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx)))
    assert order.status == Order.Status.ON_HOLD
    assert [h.reason.split(":")[0] for h in order.holds.all()] == ["Large order"]
    assert set(order.shipments.values_list("status", flat=True)) == {Shipment.Status.ON_HOLD}


def test_stock_sold_out_meanwhile_refuses_and_reverses_the_authorization(ctx, cart):
    plan = plan_for(ctx, cart, card(ctx))
    Sku.objects.filter(product__name="Trail Shoe").update(stock_on_hand=0)
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert refused.value.code == "cart.out_of_stock"
    assert not Order.objects.exists()
    assert list(PaymentTransaction.objects.values_list("kind", "status")) == [
        ("AUTHORIZE", "SUCCEEDED"),
        ("REVERSE", "SUCCEEDED"),
    ]


def test_every_shippable_line_needs_a_plan(ctx, cart):
    source = card(ctx)
    full = plan_for(ctx, cart, source)
    only_ship = CheckoutPlan(
        billing_address_id=full.billing_address_id, payment_source_id=source.pk, shipments=full.shipments[:1]
    )
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=only_ship)
    assert "Sun Hat" in refused.value.message


def test_a_digital_line_needs_no_address(ctx, store):
    ebook = factories.product(store=store, name="Trail Guide eBook", price="9.99", kind="DIGITAL", stock=0)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=ebook.pk, quantity=1)
    plan = CheckoutPlan(billing_address_id=ctx.customer.addresses.get().pk, payment_source_id=card(ctx).pk)
    order = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
    shipment = order.shipments.get()
    assert (shipment.kind, shipment.ship_line1) == ("DIGITAL", "")


def test_another_customers_address_cannot_be_used(ctx, cart, other_shopper):
    source = card(ctx)
    plan = plan_for(ctx, cart, source)
    theirs = other_shopper.addresses.get()
    stolen = CheckoutPlan(billing_address_id=theirs.pk, payment_source_id=source.pk, shipments=plan.shipments)
    with pytest.raises(DomainError):
        checkout_submit(ctx, cart=cart, plan=stolen)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        ("CANCELLED", "IN_PROGRESS"),
        ("COMPLETED", "CANCELLED"),
        ("CREATED", "COMPLETED"),
        ("PARTIALLY_SHIPPED", "CANCELLED"),
    ],
)
def test_illegal_order_transitions_are_refused(from_status, to_status):
    order = Order(status=from_status)
    with pytest.raises(DomainError) as refused:
        order.transition_to(to_status)
    assert refused.value.code == "order.illegal_transition"
    assert order.status == from_status


def test_every_illegal_order_and_shipment_transition_is_refused():
    for model in (Order, Shipment):
        statuses = list(model.Status)
        for source in statuses:
            for target in statuses:
                item = model(status=source)
                if target in model.ALLOWED_TRANSITIONS[source]:
                    item.transition_to(target)
                    assert item.status == target
                else:
                    with pytest.raises(DomainError):
                        item.transition_to(target)
                    assert item.status == source


def test_a_declined_shopper_can_retry_with_another_card(ctx, cart):
    declined = plan_for(ctx, cart, card(ctx, DECLINED))
    with pytest.raises(DomainError):
        checkout_submit(ctx, cart=cart, plan=replace(declined, attempt="first"))
    good = plan_for(ctx, cart, card(ctx, "5555 5555 5555 4444"))
    order = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=replace(good, attempt="second"))
    assert order.transactions.get().source.brand == "Mastercard"


def test_the_same_attempt_answers_the_same_order(ctx, cart):
    plan = replace(plan_for(ctx, cart, card(ctx)), attempt="attempt-1")
    TestGateway.calls.clear()
    first = checkout_submit(ctx, cart=cart, plan=plan)
    again = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
    assert first.pk == again.pk
    assert [call[0] for call in TestGateway.calls] == ["authorize"]


def test_a_reversed_attempt_is_never_reused(ctx, cart):
    plan = replace(plan_for(ctx, cart, card(ctx)), attempt="attempt-1")
    Sku.objects.filter(product__name="Trail Shoe").update(stock_on_hand=0)
    with pytest.raises(DomainError):
        checkout_submit(ctx, cart=cart, plan=plan)  # authorized, then reversed: sold out
    Sku.objects.filter(product__name="Trail Shoe").update(stock_on_hand=5)
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert refused.value.code == "checkout.attempt_spent"
    assert not Order.objects.exists()


def test_a_total_other_than_the_one_shown_is_refused_before_any_charge(ctx, cart):
    plan = replace(plan_for(ctx, cart, card(ctx)), expected_total=D("100.00"))
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert refused.value.code == "checkout.total_changed"
    assert "$134.90" in refused.value.message
    assert not PaymentTransaction.objects.exists()


def test_a_gateway_outage_is_a_503_and_leaves_nothing_pending(ctx, cart):
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx, "4000 0000 0000 0119")))
    assert (refused.value.code, refused.value.status) == ("payment.gateway_unavailable", 503)
    assert PaymentTransaction.objects.get().status == PaymentTransaction.Status.FAILED
    assert Event.objects.filter(action="payment.authorize_failed").count() == 1
    assert not Order.objects.exists()


def test_an_authorization_no_order_claimed_is_reversed_by_the_task(ctx):
    from concierge.core.money import Money
    from concierge.payments.services import payment_authorize
    from concierge.payments.tasks import reverse_if_orphaned

    authorization = payment_authorize(ctx, source=card(ctx), amount=Money(D("10.00"), "USD"), idempotency_key="k")
    assert reverse_if_orphaned.call(authorization.pk) == "reversed"
    assert reverse_if_orphaned.call(authorization.pk) == "already reversed"
    assert authorization.children.get().kind == "REVERSE"


def test_placing_an_order_enqueues_the_orphan_check_with_the_authorization(ctx, cart):
    from django_tasks_db.models import DBTaskResult

    checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx)))
    task = DBTaskResult.objects.get(task_path="concierge.payments.tasks.reverse_if_orphaned")
    assert task.run_after > task.enqueued_at
    assert reverse_if_orphaned_result(task) == "claimed by an order"


def reverse_if_orphaned_result(task) -> str:
    from concierge.payments.tasks import reverse_if_orphaned

    return reverse_if_orphaned.call(*task.args_kwargs["args"])


def test_an_overlong_contact_is_a_field_error_not_a_500(ctx, cart):
    plan = plan_for(ctx, cart, card(ctx), alternate=Contact("O" * 100, "Other", "omar@example.com"))
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert "alternate_first_name" in refused.value.fields


def test_each_line_is_taxed_where_it_is_delivered(ctx, cart, store):
    # Shipped to Texas (8.25%), picked up in a store in Washington (10.25%), billed in Texas
    TaxRate.objects.create(store=store, country="US", region="WA", rate=D("0.1025"))
    PickupLocation.objects.filter().update(region="WA", city="Seattle")
    order = checkout_submit(ctx, cart=cart, plan=plan_for(ctx, cart, card(ctx)))
    taxes = {line.product_name: line.tax for line in order.lines.all()}
    assert taxes == {"Trail Shoe": D("6.60"), "Sun Hat": D("4.10")}


def test_the_quote_equals_the_charge(ctx, cart, store):
    from concierge.checkout.services import checkout_quote

    TaxRate.objects.create(store=store, country="US", region="WA", rate=D("0.1025"))
    PickupLocation.objects.filter().update(region="WA")
    plan = plan_for(ctx, cart, card(ctx))
    quoted = checkout_quote(ctx, cart=cart, plan=plan).total.amount
    order = checkout_submit(ctx, cart=cart, plan=replace(plan, expected_total=quoted))
    assert order.total == quoted
