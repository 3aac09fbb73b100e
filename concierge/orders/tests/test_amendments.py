"""Amending a placed order (seed 004 "Splitting a Shipment", "Updating an Order"), at the service:
Move Item, quantities with the Payment Authorization step, a dearer shipping method, the amendment
state machine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from concierge.catalog.models import Promotion, Sku
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders import amendments, locks, services
from concierge.orders.editing import EditGuard
from concierge.orders.models import Amendment, Order, OrderLine, Shipment
from concierge.orders.tests.builders import placed_order
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import TaxRate

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "1 Harbour Rd", "city": "Portland",
               "region": "OR", "postal_code": "97201", "country": "US"}  # fmt: skip


def _ctx(user) -> ActingContext:
    return ActingContext(user=user)


def _guard(user, order: Order) -> EditGuard:
    order = Order.objects.get(pk=order.pk)
    token = order.lease_token if order.lease_is_live() and order.lease_holder_id == user.pk else None
    if token is None:
        token = locks.order_lock(_ctx(user), order_id=order.pk).token
    return EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token)


def _card(customer, number: str):
    ctx = ActingContext(user=customer.user, customer=customer)
    return payment_source_add_card(ctx, customer=customer, number=number, exp_month=1, exp_year=2031, cvc="123",
                                   holder_name=customer.display_name)  # fmt: skip


def _sums_hold(order: Order) -> None:
    order = Order.objects.get(pk=order.pk)
    lines = list(OrderLine.objects.filter(order=order))
    shipments = list(order.shipments.exclude(status=Shipment.Status.CANCELLED))
    assert order.subtotal == sum(line.subtotal for line in lines)
    assert order.discount_total == sum(line.discount for line in lines)
    assert order.tax_total == sum(line.tax for line in lines)
    assert order.shipping_total == sum(s.shipping_price for s in shipments)
    assert order.total == order.subtotal - order.discount_total + order.tax_total + order.shipping_total
    for line in lines:
        assert line.total == line.subtotal - line.discount + line.tax


@pytest.fixture
def taxed(store):
    TaxRate.objects.create(store=store, country="US", region="", rate=Decimal("0.0825"))
    TaxRate.objects.create(store=store, country="US", region="OR", rate=Decimal("0"))
    Promotion.objects.create(store=store, name="10% off everything", kind=Promotion.Kind.PERCENT_OFF,
                             target=Promotion.Target.CART, value=Decimal("10"))  # fmt: skip
    return store


def _three_shoes(shopper, store) -> Order:
    """One shipment of 3 shoes at 33.33 (cart promotion and tax spread over them)."""
    order = placed_order(shopper, store, shipments=1)
    line = order.lines.get()
    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=10)
    return order


def _authorize(user, order: Order, amendment: Amendment, source_id: int | None = None) -> amendments.Authorized:
    source_id = source_id or order.customer.payment_sources.order_by("id").first().pk
    return amendments.amendment_authorize(_ctx(user), amendment_id=amendment.pk, guard=_guard(user, order),
                                          source_id=source_id)  # fmt: skip


def test_move_part_of_a_line_splits_it_to_the_cent_and_prices_the_new_shipment(shopper, taxed, csr):
    # given an order with 3 shoes and a hat (a 10% cart promotion, Texas tax at 8.25%)
    order = placed_order(shopper, taxed, shipments=2)
    shoe = order.lines.order_by("id").first()
    Sku.objects.filter(pk=shoe.sku_id).update(stock_on_hand=10)
    _authorize(csr, order, amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                                         quantities={shoe.pk: 3}))  # fmt: skip
    shoe.refresh_from_db()
    before = Order.objects.get(pk=order.pk)
    # when one shoe is moved to Oregon (no sales tax) by Express
    amendment = amendments.propose_move(
        _ctx(csr), shipment_id=shoe.shipment_id, guard=_guard(csr, order), lines={shoe.pk: 1},
        shipping_method_code="express", address=NEW_ADDRESS,
    )  # fmt: skip
    # then the total rises by the Express shipping less the moved shoe's tax, which needs authorizing
    assert amendment.status == Amendment.Status.PENDING
    assert _authorize(csr, order, amendment).approved
    order = Order.objects.get(pk=order.pk)
    kept, moved = OrderLine.objects.filter(sku_id=shoe.sku_id).order_by("id")
    assert (kept.quantity, moved.quantity) == (2, 1)
    assert kept.subtotal + moved.subtotal == shoe.subtotal
    assert kept.discount + moved.discount == shoe.discount
    assert moved.tax == Decimal("0.00")
    new = moved.shipment
    assert new.number == f"{order.number}-3"
    assert (new.ship_city, new.shipping_method_name, new.shipping_price) == ("Portland", "Express", Decimal("15.00"))
    moved_share_of_tax = shoe.tax - kept.tax
    assert order.total == before.total + Decimal("15.00") - moved_share_of_tax
    assert amendment.new_total == order.total
    _sums_hold(order)
    assert order.amendments.get(pk=amendment.pk).status == Amendment.Status.APPLIED


def test_a_quantity_increase_needs_an_authorization_and_then_replaces_the_old_one(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    old_authorization = services.live_authorization(order)
    amendment = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                              quantities={line.pk: 3})  # fmt: skip
    assert amendment.status == Amendment.Status.PENDING
    assert amendment.to_authorize == Decimal("245.00")  # 3 x 80 + 5 shipping
    assert OrderLine.objects.get(pk=line.pk).quantity == 1  # nothing changed yet
    done = amendments.amendment_authorize(_ctx(csr), amendment_id=amendment.pk, guard=_guard(csr, order),
                                          source_id=order.customer.payment_sources.get().pk)  # fmt: skip
    assert done.approved
    assert OrderLine.objects.get(pk=line.pk).quantity == 3
    assert Sku.objects.get(pk=line.sku_id).stock_on_hand == 8  # 10 in stock, 2 more taken
    live = services.live_authorization(order)
    assert live.pk == done.transaction.pk
    assert live.amount == Decimal("245.00")
    assert old_authorization.children.filter(kind="REVERSE", status="SUCCEEDED").exists()
    _sums_hold(order)


def test_a_declined_card_leaves_the_change_pending_and_another_card_authorizes_it(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    declined = _card(shopper, "4000000000000002")
    amendment = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                              quantities={line.pk: 2})  # fmt: skip
    first = amendments.amendment_authorize(_ctx(csr), amendment_id=amendment.pk, guard=_guard(csr, order),
                                           source_id=declined.pk)  # fmt: skip
    assert not first.approved
    assert first.transaction.status == PaymentTransaction.Status.DECLINED
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.PENDING
    assert OrderLine.objects.get(pk=line.pk).quantity == 1
    good = order.customer.payment_sources.exclude(pk=declined.pk).get()
    second = amendments.amendment_authorize(_ctx(csr), amendment_id=amendment.pk, guard=_guard(csr, order),
                                            source_id=good.pk)  # fmt: skip
    assert second.approved
    assert OrderLine.objects.get(pk=line.pk).quantity == 2


def test_a_decrease_is_made_at_once_and_releases_the_difference(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    _authorize(csr, order, amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                                         quantities={line.pk: 3}))  # fmt: skip
    amendment = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                              quantities={line.pk: 1})  # fmt: skip
    assert amendment.status == Amendment.Status.APPLIED
    assert Sku.objects.get(pk=line.sku_id).stock_on_hand == 10  # the 2 taken for the increase are back
    live = services.live_authorization(order)
    release = live.children.get(kind="REVERSE")
    assert (release.status, release.amount) == ("SUCCEEDED", Decimal("160.00"))
    assert services.authorization_headroom(order) == Decimal("85.00")
    # the shipment still captures on the authorization in force
    services.shipment_release(_ctx(csr), shipment_id=line.shipment_id, guard=_guard(csr, order))
    capture = PaymentTransaction.objects.get(order=order, kind="CAPTURE")
    assert (capture.parent_id, capture.amount, capture.status) == (live.pk, Decimal("85.00"), "SUCCEEDED")


def test_more_than_the_stock_is_refused_in_words(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=1)
    with pytest.raises(DomainError) as refused:
        amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                      quantities={line.pk: 3})  # fmt: skip
    assert refused.value.code == "amendment.out_of_stock"
    assert "only 1 more" in refused.value.message
    with pytest.raises(DomainError) as zero:
        amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                      quantities={line.pk: 0})  # fmt: skip
    assert zero.value.code == "amendment.invalid"


def test_an_order_that_moved_on_reverses_the_new_authorization(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    guard = _guard(csr, order)
    amendment = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=guard, quantities={line.pk: 2})
    stale = _guard(csr, order)
    # the order moves on (Concierge itself changes it) before Authorize
    services.order_billing_update(_ctx(csr), order_id=order.pk, guard=stale,
                                  address={**NEW_ADDRESS, "phone": ""})  # fmt: skip
    with pytest.raises(DomainError) as refused:
        amendments.amendment_authorize(_ctx(csr), amendment_id=amendment.pk, guard=stale,
                                       source_id=order.customer.payment_sources.get().pk)  # fmt: skip
    assert refused.value.code == "order.stale"
    assert OrderLine.objects.get(pk=line.pk).quantity == 1


def test_a_dearer_shipping_method_goes_through_authorization(shopper, store, csr):
    order = _three_shoes(shopper, store)
    shipment = order.shipments.get()
    with pytest.raises(DomainError) as refused:
        services.shipment_shipping_update(_ctx(csr), shipment_id=shipment.pk, guard=_guard(csr, order),
                                          shipping_method_code="express", address=NEW_ADDRESS)  # fmt: skip
    assert refused.value.code == "order.authorization_required"
    amendment = amendments.propose_shipping(_ctx(csr), shipment_id=shipment.pk, guard=_guard(csr, order),
                                            shipping_method_code="express", address=NEW_ADDRESS)  # fmt: skip
    assert (amendment.status, amendment.to_authorize) == (Amendment.Status.PENDING, Decimal("95.00"))
    done = amendments.amendment_authorize(_ctx(csr), amendment_id=amendment.pk, guard=_guard(csr, order),
                                          source_id=order.customer.payment_sources.get().pk)  # fmt: skip
    assert done.approved
    shipment.refresh_from_db()
    assert (shipment.shipping_method_name, shipment.ship_city) == ("Express", "Portland")
    _sums_hold(order)


@pytest.mark.parametrize("start", list(Amendment.Status))
def test_the_amendment_state_machine_refuses_every_illegal_transition(start):
    allowed = Amendment.ALLOWED_TRANSITIONS[start]
    for target in Amendment.Status:
        amendment = Amendment(status=start)
        if target in allowed:
            amendment.transition_to(target)
            assert amendment.status == target
        else:
            with pytest.raises(DomainError) as refused:
                amendment.transition_to(target)
            assert refused.value.code == "amendment.illegal_transition"
            assert "An order change" in refused.value.message


def test_the_follow_up_tasks_are_committed_with_the_change_and_have_one_effect(shopper, store, csr):
    from django_tasks_db.models import DBTaskResult

    order = _three_shoes(shopper, store)
    line = order.lines.get()
    first = services.live_authorization(order)
    proposed = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                             quantities={line.pk: 3})  # fmt: skip
    increase = _authorize(csr, order, proposed)
    task = DBTaskResult.objects.get(task_path="concierge.orders.amendments.reverse_replaced_authorization")
    assert task.args_kwargs["args"] == [increase.amendment.pk]
    # the reversal already happened after commit; the task running again changes nothing
    assert amendments.reverse_replaced_authorization.call(increase.amendment.pk) == "SUCCEEDED"
    assert first.children.filter(kind="REVERSE").count() == 1
    decrease = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                             quantities={line.pk: 2})  # fmt: skip
    assert DBTaskResult.objects.filter(task_path="concierge.orders.amendments.release_amendment_payment").exists()
    assert amendments.release_amendment_payment.call(decrease.pk) == "SUCCEEDED"
    assert increase.transaction.children.filter(kind="REVERSE").count() == 1


def test_cancelling_after_a_re_authorization_reverses_the_authorization_in_force(shopper, store, csr):
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    proposed = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                             quantities={line.pk: 2})  # fmt: skip
    done = _authorize(csr, order, proposed)
    services.order_cancel(_ctx(csr), order_id=order.pk, reason="Customer called", guard=_guard(csr, order))
    assert done.transaction.children.get(kind="REVERSE", idempotency_key=f"order-{order.pk}-cancel-reverse").status \
        == "SUCCEEDED"  # fmt: skip
    assert Sku.objects.get(pk=line.sku_id).stock_on_hand == 11  # 10 left after checkout, 1 more taken, 2 back


def test_an_authorization_no_change_claimed_is_reversed_by_the_orphan_check(shopper, store, csr, monkeypatch):
    from concierge.payments.tasks import reverse_if_orphaned

    order = _three_shoes(shopper, store)
    line = order.lines.get()
    amendment = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                              quantities={line.pk: 2})  # fmt: skip

    def crash(*args, **kwargs):
        raise RuntimeError("the process died after authorizing")

    monkeypatch.setattr(amendments, "_apply", crash)
    with pytest.raises(RuntimeError):
        _authorize(csr, order, amendment)
    orphan = PaymentTransaction.objects.get(idempotency_key=f"amendment-{amendment.pk}-authorize-1")
    assert orphan.order_id is None
    assert reverse_if_orphaned.call(orphan.pk) == "reversed"
    assert OrderLine.objects.get(pk=line.pk).quantity == 1


def test_a_dollar_order_of_an_account_that_moved_to_euros_is_amended_in_dollars(shopper, store, csr):
    from concierge.catalog.models import Price, PriceList
    from concierge.customers.models import Customer
    from concierge.testing import factories

    # given a shoe at 80.00 bought in dollars for Acme, which has since moved to euros
    order = _three_shoes(shopper, store)
    line = order.lines.get()
    acme = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=acme)
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="EUR")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku_id=line.sku_id, amount=Decimal("25.00"))
    before = Order.objects.get(pk=order.pk)
    assert before.currency == "USD"
    # when a CSR raises the quantity to three: the difference is authorized in dollars
    raised = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                           quantities={line.pk: 3})  # fmt: skip
    assert raised.status == Amendment.Status.PENDING
    assert raised.to_authorize == before.total + Decimal("160.00")
    authorized = _authorize(csr, order, raised)
    assert authorized.transaction.currency == "USD"
    # and lowers it to two: made at once, in dollars
    lowered = amendments.propose_quantities(_ctx(csr), order_id=order.pk, guard=_guard(csr, order),
                                            quantities={line.pk: 2})  # fmt: skip
    assert lowered.status == Amendment.Status.APPLIED
    line.refresh_from_db()
    assert (line.quantity, line.unit_price, line.subtotal) == (2, Decimal("80.00"), Decimal("160.00"))
    after = Order.objects.get(pk=order.pk)
    assert after.currency == "USD"
    assert after.subtotal == line.subtotal
    _sums_hold(after)


def test_a_euro_orders_new_shipment_costs_the_methods_euro_rate_and_a_method_without_one_is_refused(
    shopper, store, csr
):
    from concierge.stores.models import ShippingMethod, ShippingRate

    # given an order of two shoes billed in euros (no tax in the store)
    order = _three_shoes(shopper, store)
    Order.objects.filter(pk=order.pk).update(currency="EUR")
    OrderLine.objects.filter(order=order).update(quantity=2)
    before = Order.objects.get(pk=order.pk)
    shoe = before.lines.get()
    express = ShippingMethod.objects.get(store=store, code="express")
    move: dict[str, Any] = {"shipment_id": shoe.shipment_id, "lines": {shoe.pk: 1},
                            "shipping_method_code": "express", "address": NEW_ADDRESS}  # fmt: skip
    # when a CSR moves an item by Express, which has no euro rate: refused, naming why
    with pytest.raises(DomainError) as refused:
        amendments.propose_move(_ctx(csr), guard=_guard(csr, before), **move)
    assert refused.value.code == "order.shipping_method_invalid"
    assert "Express has no price in EUR" in refused.value.message
    # and once Express has one, the new shipment costs it (never its dollar price)
    ShippingRate.objects.create(method=express, currency="EUR", price=Decimal("13.80"))
    amendment = amendments.propose_move(_ctx(csr), guard=_guard(csr, before), **move)
    assert amendment.new_total == before.total + Decimal("13.80")
