"""Release captures the shipment's share; shipping completes the order; cancel reverses and restocks."""

from decimal import Decimal

import pytest

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders import locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.models import Order
from concierge.orders.services import order_cancel, shipment_release, shipment_ship
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, store) -> Order:
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.00"))
    ctx = ActingContext(user=shopper.user, customer=shopper, store=store)
    shoe = factories.product(store=store, name="Shoe", price="80.00", stock=5)
    hat = factories.product(store=store, name="Hat", price="20.00", stock=5)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=shoe.pk, quantity=1)
    cart_add(ctx, cart=cart, sku_id=hat.pk, quantity=1)
    card = payment_source_add_card(ctx, customer=shopper, number="4242424242424242", exp_month=1, exp_year=2030,
                                   cvc="123", holder_name="Jane")  # fmt: skip
    address = shopper.addresses.get()
    shoe_line, hat_line = cart.lines.order_by("id")
    shipments = tuple(
        ShipmentPlan(kind="SHIP", line_ids=(line.pk,), address_id=address.pk, shipping_method_code="standard")
        for line in (shoe_line, hat_line)
    )
    plan = CheckoutPlan(billing_address_id=address.pk, payment_source_id=card.pk, shipments=shipments)
    return checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)


def held(csr, order) -> EditGuard:
    """The guard of ``csr`` editing ``order`` as it is now: its lock (taken or renewed) and version."""
    token = locks.order_lock(ActingContext(user=csr), order_id=order.pk).token
    return EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token)


WAREHOUSE = ActingContext.system("warehouse")


def test_release_captures_each_shipments_share_and_shipping_completes(order, csr):
    ctx = ActingContext(user=csr)
    first, second = order.shipments.order_by("number")
    shipment_release(ctx, shipment_id=first.pk, guard=held(csr, order))
    assert Order.objects.get(pk=order.pk).status == "IN_PROGRESS"
    shipment_ship(WAREHOUSE, shipment_id=first.pk, guard=SYSTEM)
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_SHIPPED"
    shipment_release(ctx, shipment_id=second.pk, guard=held(csr, order))
    shipment_ship(WAREHOUSE, shipment_id=second.pk, guard=SYSTEM)
    assert Order.objects.get(pk=order.pk).status == "COMPLETED"
    captures = order.transactions.filter(kind="CAPTURE").order_by("amount").values_list("amount", flat=True)
    assert list(captures) == [Decimal("25.00"), Decimal("85.00")]
    assert sum(captures) == order.total
    assert Event.objects.filter(action="shipment.released", actor_id=csr.pk).count() == 2


def test_releasing_twice_is_refused_and_captures_once(order, csr):
    ctx = ActingContext(user=csr)
    first = order.shipments.order_by("number").first()
    shipment_release(ctx, shipment_id=first.pk, guard=held(csr, order))
    with pytest.raises(DomainError) as refused:
        shipment_release(ctx, shipment_id=first.pk, guard=held(csr, order))
    assert refused.value.code == "shipment.illegal_transition"
    assert order.transactions.filter(kind="CAPTURE").count() == 1


def test_cancel_reverses_the_payment_and_restocks(order, csr):
    order_cancel(ActingContext(user=csr), order_id=order.pk, reason="Customer asked", guard=held(csr, order))
    order.refresh_from_db()
    assert order.status == "CANCELLED"
    assert set(order.shipments.values_list("status", flat=True)) == {"CANCELLED"}
    assert set(Sku.objects.values_list("stock_on_hand", flat=True)) == {5}
    assert order.transactions.filter(kind="REVERSE", status="SUCCEEDED").exists()
    # and a reversed authorization is never captured afterwards
    authorization = order.transactions.get(kind=PaymentTransaction.Kind.AUTHORIZE)
    from concierge.core.money import Money
    from concierge.payments.services import payment_capture

    with pytest.raises(DomainError):
        payment_capture(ActingContext(user=csr), authorization=authorization, amount=Money(Decimal(1), "USD"),
                        idempotency_key="late")  # fmt: skip


def test_a_released_order_cannot_be_cancelled(order, csr):
    shipment_release(ActingContext(user=csr), shipment_id=order.shipments.first().pk, guard=held(csr, order))
    with pytest.raises(DomainError):
        order_cancel(ActingContext(user=csr), order_id=order.pk, reason="Too late", guard=held(csr, order))
    assert Order.objects.get(pk=order.pk).status == "IN_PROGRESS"


def test_staff_of_another_store_and_shoppers_cannot_touch_the_order(order, csr_other_store, shopper):
    for ctx in (ActingContext(user=csr_other_store), ActingContext(user=shopper.user, customer=shopper)):
        with pytest.raises(DomainError) as refused:
            shipment_release(ctx, shipment_id=order.shipments.first().pk, guard=EditGuard(version=1, lease_token="x"))
        assert refused.value.status == 404
    assert not order.transactions.filter(kind="CAPTURE").exists()


def test_release_and_cancel_enqueue_their_payment_retry_and_a_retry_has_no_second_effect(order, csr):
    from django_tasks_db.models import DBTaskResult

    from concierge.orders.tasks import capture_shipment

    first = order.shipments.order_by("number").first()
    shipment_release(ActingContext(user=csr), shipment_id=first.pk, guard=held(csr, order))
    assert DBTaskResult.objects.filter(task_path="concierge.orders.tasks.capture_shipment").count() == 1
    capture_shipment.call(first.pk)  # the retry, after the capture already succeeded
    assert order.transactions.filter(kind="CAPTURE").count() == 1


def test_a_cancelled_orders_reversal_is_retried_once(order, csr):
    from django_tasks_db.models import DBTaskResult

    from concierge.orders.tasks import reverse_cancelled_order

    order_cancel(ActingContext(user=csr), order_id=order.pk, reason="Customer asked", guard=held(csr, order))
    assert DBTaskResult.objects.filter(task_path="concierge.orders.tasks.reverse_cancelled_order").count() == 1
    reverse_cancelled_order.call(order.pk)
    assert order.transactions.filter(kind="REVERSE").count() == 1


def test_only_a_system_context_changes_an_order_without_its_lock(order, csr):
    # given a CSR who claims to be Concierge itself
    with pytest.raises(DomainError) as refused:
        shipment_ship(ActingContext(user=csr), shipment_id=order.shipments.first().pk, guard=SYSTEM)
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        order_cancel(ActingContext(user=csr), order_id=order.pk, reason="no lock", guard=SYSTEM)
    assert refused.value.status == 403
    # and a system context that brings a person's guard (it holds no lock)
    with pytest.raises(DomainError):
        order_cancel(WAREHOUSE, order_id=order.pk, reason="x", guard=EditGuard(version=order.version, lease_token="t"))
    assert Order.objects.get(pk=order.pk).status == "CREATED"
    # while the warehouse's own path works and is audited under its name
    shipment_ship_ready = order.shipments.order_by("number").first()
    shipment_release(WAREHOUSE, shipment_id=shipment_ship_ready.pk, guard=SYSTEM)
    shipment_ship(WAREHOUSE, shipment_id=shipment_ship_ready.pk, guard=SYSTEM)
    assert Event.objects.filter(action="shipment.shipped", actor_label="warehouse").count() == 1
