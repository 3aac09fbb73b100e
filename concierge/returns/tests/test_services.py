"""Returns and exchanges at the service layer: the suggested refund to the cent, quantity limits,
digital returns completed at once, partial receipts, exchanges and the state machines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concierge.catalog.models import Promotion, Sku
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders.editing import EditGuard
from concierge.orders.models import Order, OrderLine, Shipment
from concierge.payments.models import PaymentTransaction, Refund
from concierge.returns import services
from concierge.returns.models import Return, ReturnReason
from concierge.returns.services import ItemIn, RefundIn, ReturnIn
from concierge.returns.tests.builders import EBOOK, SHOE, delivered_order, held
from concierge.stores.models import TaxRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def reason(name: str = "Wrong Size") -> ReturnReason:
    return ReturnReason.objects.get(name=name)


def staff_ctx(user) -> ActingContext:
    return ActingContext(user=user)


def line_of(order: Order, name: str) -> OrderLine:
    return order.lines.get(product_name=name)


def create(user, order: Order, items: list[ItemIn], **kwargs) -> Return:
    request = ReturnIn(kind=kwargs.pop("kind", Return.Kind.RETURN), items=tuple(items), **kwargs)
    return services.return_create(staff_ctx(user), order_id=order.pk, guard=held(user, order), request=request)


def test_the_system_reasons_are_seeded():
    assert list(ReturnReason.objects.filter(is_system=True).values_list("name", flat=True)) == [
        "Damaged", "Defective", "Unwanted Gift", "Wrong Size",
    ]  # fmt: skip


def test_the_suggested_refund_of_an_order_with_a_cart_promotion_and_tax_is_exact_to_the_cent(shopper, store, csr):
    # given 8.25% tax in Texas and 10% off the cart, and an order of 3 x 33.33 and 1 x 25.00
    TaxRate.objects.create(store=store, country="US", region="TX", rate=Decimal("0.0825"))
    Promotion.objects.create(name="Ten off", store=store, kind=Promotion.Kind.PERCENT_OFF, value=Decimal(10),
                             target=Promotion.Target.CART)  # fmt: skip
    order = delivered_order(shopper, store, (("Tee", "33.33", 3, "SHIPPABLE"), ("Cap", "25.00", 1, "SHIPPABLE")))
    tee = line_of(order, "Tee")
    # By hand: subtotals 99.99 and 25.00 (124.99); 10% is 12.50, spread 10.00 / 2.50 (the cent left
    # over goes to the larger remainder); the tees' net 89.99, their tax 8.25% = 7.424175 -> 7.42.
    assert (tee.subtotal, tee.discount, tee.tax) == (Decimal("99.99"), Decimal("10.00"), Decimal("7.42"))
    # when 2 of the 3 tees come back
    ret = create(csr, order, [ItemIn(tee.pk, 2, reason().pk)])
    # then: price 99.99 x 2/3 = 66.66; discount 10.00 x 2/3 = 6.67; tax 7.42 x 2/3 = 4.95 -> 64.94
    assert ret.value == Decimal("64.94")
    assert ret.refund_amount == Decimal("64.94")
    line = ret.lines.get()
    assert (line.price, line.discount, line.tax) == (Decimal("66.66"), Decimal("6.67"), Decimal("4.95"))
    # and the last tee is worth what is left of the line: 99.99 - 66.66, 10.00 - 6.67, 7.42 - 4.95
    last = create(csr, order, [ItemIn(tee.pk, 1, reason().pk)])
    assert last.value == Decimal("33.33") - Decimal("3.33") + Decimal("2.47") == Decimal("32.47")
    assert ret.value + last.value == tee.total  # every tee back: exactly what the line cost


def test_quantities_are_at_most_shipped_minus_already_returned(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(shoe.pk, 3, reason().pk)])
    assert refused.value.fields == {f"quantity-{shoe.pk}": ["At most 2 can be returned (shipped 2, already "
                                                            "returned 0)."]}  # fmt: skip
    create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)])
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(shoe.pk, 2, reason().pk)])
    assert "already returned 1" in refused.value.fields[f"quantity-{shoe.pk}"][0]
    assert Return.objects.count() == 1


def test_nothing_unshipped_can_be_returned(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,), ship=False)
    shoe = line_of(order, "Shoe")
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)])
    assert refused.value.fields[f"quantity-{shoe.pk}"] == ["Nothing of this item can be returned."]
    assert services.why_no_returns(order) == "Nothing of this order has shipped yet, so nothing can be returned."


def test_a_reason_is_required_and_comments_over_the_limit_are_refused(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(shoe.pk, 1, None, "x" * 501)])
    assert refused.value.fields == {
        f"reason-{shoe.pk}": ["Choose the reason for the return."],
        f"comments-{shoe.pk}": ["At most 500 characters. This has 501."],
    }


def test_a_refund_may_be_lowered_never_raised(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)], refund=RefundIn(amount=Decimal("80.01")))
    assert refused.value.fields["amount"] == ["The refund can be at most 80.00 USD, the amount suggested."]
    ret = create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)], refund=RefundIn(amount=Decimal("50.00")))
    assert (ret.value, ret.refund_amount) == (Decimal("80.00"), Decimal("50.00"))


def test_a_digital_return_needs_no_receipt_and_completes_at_once_with_its_refund(shopper, store, csr):
    order = delivered_order(shopper, store, (EBOOK,))
    ebook = line_of(order, "Trail Guide eBook")
    ret = create(csr, order, [ItemIn(ebook.pk, 1, reason("Defective").pk)], receipt_required=True)
    ret.refresh_from_db()
    assert (ret.receipt_required, ret.status) == (False, Return.Status.COMPLETED)
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.amount, refund.status, refund.destination) == (Decimal("12.00"), Refund.Status.ISSUED, "ORIGINAL")


def test_a_shippable_return_waits_for_receipt_then_partial_and_full_receipts_complete_it(shopper, store, csr,
                                                                                         warehouse):  # fmt: skip
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    ret = create(csr, order, [ItemIn(shoe.pk, 2, reason().pk, "No box")])
    assert ret.status == Return.Status.AWAITING_RECEIPT
    assert not Refund.objects.filter(rma=ret.rma).exists()
    line = ret.lines.get()
    # a partial receipt: one of two
    ctx = staff_ctx(warehouse)
    ret = services.return_receive(ctx, rma=ret.rma, version=ret.version, quantities={line.pk: 1})
    assert ret.status == Return.Status.AWAITING_RECEIPT
    assert not Refund.objects.filter(rma=ret.rma).exists()
    # a stale page cannot receive again
    with pytest.raises(DomainError) as stale:
        services.return_receive(ctx, rma=ret.rma, version=ret.version - 1, quantities={line.pk: 1})
    assert (stale.value.status, stale.value.code) == (412, "return.stale")
    with pytest.raises(DomainError) as too_many:
        services.return_receive(ctx, rma=ret.rma, version=ret.version, quantities={line.pk: 2})
    assert too_many.value.fields == {f"received-{line.pk}": ["At most 1 of this item are still to be received."]}
    # the rest: the return completes and its refund is issued to the original card
    ret = services.return_receive(ctx, rma=ret.rma, version=ret.version, quantities={line.pk: 1})
    assert ret.status == Return.Status.COMPLETED
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.amount, refund.status, refund.source_label) == (Decimal("160.00"), "ISSUED", "Visa ending in 4242")
    assert PaymentTransaction.objects.filter(order=order, kind="REFUND", status="SUCCEEDED").count() == 1
    with pytest.raises(DomainError) as done:
        services.return_receive(ctx, rma=ret.rma, version=ret.version, quantities={line.pk: 1})
    assert done.value.code == "return.illegal_transition"


def test_only_warehouse_staff_of_the_store_receive(shopper, store, csr, csr_other_store, warehouse, other_store):
    order = delivered_order(shopper, store, (SHOE,))
    ret = create(csr, order, [ItemIn(line_of(order, "Shoe").pk, 1, reason().pk)])
    line = ret.lines.get()
    with pytest.raises(DomainError) as refused:
        services.return_receive(staff_ctx(csr), rma=ret.rma, version=ret.version, quantities={line.pk: 1})
    assert refused.value.status == 403
    far_warehouse = factories.staff("Warehouse", stores=[other_store])
    with pytest.raises(DomainError) as missing:
        services.return_receive(staff_ctx(far_warehouse), rma=ret.rma, version=ret.version, quantities={line.pk: 1})
    assert missing.value.status == 404


def test_only_customer_service_with_the_privilege_create_returns(shopper, store, warehouse, seller):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    request = ReturnIn(kind="RETURN", items=(ItemIn(shoe.pk, 1, reason().pk),))
    guard = EditGuard(version=order.version, lease_token="not theirs")
    for user in (warehouse, seller):
        with pytest.raises(DomainError) as refused:
            services.return_create(staff_ctx(user), order_id=order.pk, guard=guard, request=request)
        assert refused.value.status == 403
    assert not Return.objects.exists()


def test_an_exchange_of_the_same_sku_costs_nothing_and_ships_when_the_return_is_received(shopper, store, csr,
                                                                                       warehouse):  # fmt: skip
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    stock = Sku.objects.get(pk=shoe.sku_id).stock_on_hand
    ret = create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)], kind=Return.Kind.EXCHANGE)
    exchange = ret.exchange_order
    assert exchange.status == Order.Status.AWAITING_EXCHANGE
    assert exchange.total == Decimal("0.00")
    assert (ret.exchange_charge, ret.refund_amount) == (Decimal("0.00"), Decimal("0.00"))
    assert exchange.lines.get().sku_id == shoe.sku_id
    assert exchange.shipments.get().status == Shipment.Status.ON_HOLD
    assert Sku.objects.get(pk=shoe.sku_id).stock_on_hand == stock - 1
    # when the warehouse receives the shoe, the exchange completes and its order is released
    ret = services.return_receive(staff_ctx(warehouse), rma=ret.rma, version=ret.version,
                                  quantities={ret.lines.get().pk: 1})  # fmt: skip
    assert ret.status == Return.Status.COMPLETED
    exchange.refresh_from_db()
    assert exchange.status == Order.Status.IN_PROGRESS
    assert exchange.shipments.get().status == Shipment.Status.RELEASED


def test_an_exchange_for_a_dearer_sku_charges_the_difference_and_a_cheaper_one_refunds_it(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    boot = factories.product(store=store, name="Boot", price="95.00", sku_code="BOOT-1")
    sandal = factories.product(store=store, name="Sandal", price="30.00", sku_code="SANDAL-1")
    dearer = create(csr, order, [ItemIn(shoe.pk, 1, reason().pk, exchange_sku_code=boot.code)],
                    kind=Return.Kind.EXCHANGE, receipt_required=False)  # fmt: skip
    assert dearer.exchange_charge == Decimal("15.00")  # 95.00 - 80.00, no tax in this store
    assert dearer.exchange_order.total == Decimal("15.00")
    authorization = dearer.exchange_order.transactions.get(kind="AUTHORIZE")
    assert (authorization.amount, authorization.status) == (Decimal("15.00"), "SUCCEEDED")
    assert Order.objects.get(exchange_for=dearer).status == Order.Status.IN_PROGRESS  # released at once
    assert dearer.exchange_order.transactions.get(kind="CAPTURE").amount == Decimal("15.00")
    cheaper = create(csr, order, [ItemIn(shoe.pk, 1, reason().pk, exchange_sku_code=sandal.code)],
                     kind=Return.Kind.EXCHANGE, receipt_required=False)  # fmt: skip
    assert (cheaper.exchange_charge, cheaper.refund_amount) == (Decimal("0.00"), Decimal("50.00"))
    assert Refund.objects.get(rma=cheaper.rma).amount == Decimal("50.00")


def test_a_digital_asset_cannot_be_exchanged(shopper, store, csr):
    order = delivered_order(shopper, store, (EBOOK,))
    ebook = line_of(order, "Trail Guide eBook")
    with pytest.raises(DomainError) as refused:
        create(csr, order, [ItemIn(ebook.pk, 1, reason().pk)], kind=Return.Kind.EXCHANGE)
    assert refused.value.fields[f"quantity-{ebook.pk}"] == ["A digital asset is only refunded, not exchanged."]


def test_cancelling_an_exchange_cancels_its_order_and_puts_the_stock_back(shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    shoe = line_of(order, "Shoe")
    stock = Sku.objects.get(pk=shoe.sku_id).stock_on_hand
    ret = create(csr, order, [ItemIn(shoe.pk, 1, reason().pk)], kind=Return.Kind.EXCHANGE)
    services.return_cancel(staff_ctx(csr), order_id=order.pk, rma=ret.rma, guard=held(csr, order))
    ret.refresh_from_db()
    assert ret.status == Return.Status.CANCELLED
    assert Order.objects.get(exchange_for=ret).status == Order.Status.CANCELLED
    assert Sku.objects.get(pk=shoe.sku_id).stock_on_hand == stock
    # and the shoe can be returned again
    assert services.returnable_lines(order)[0].available == 2


@pytest.mark.parametrize("kind", list(Return.Kind))
def test_every_illegal_transition_is_refused_with_a_clear_error(kind):
    ret = Return(kind=kind, status=Return.Status.AWAITING_RECEIPT)
    table = ret.transitions()
    noun = "An exchange" if kind == Return.Kind.EXCHANGE else "A return"
    for source in Return.Status:
        for target in Return.Status:
            ret.status = source
            if target in table[source]:
                ret.transition_to(target)
                assert ret.status == target
                continue
            with pytest.raises(DomainError) as refused:
                ret.transition_to(target)
            assert refused.value.code == "return.illegal_transition"
            assert refused.value.message == f"{noun} that is {source.label} cannot become {target.label}."
            assert ret.status == source


def test_the_legal_transitions_are_one_table_for_both_kinds():
    # Received is where a return rests while its refund is not issued; nothing skips it.
    S = Return.Status
    allowed = {(b, a) for b, targets in Return.ALLOWED_TRANSITIONS.items() for a in targets}
    assert allowed == {
        (S.AWAITING_RECEIPT, S.RECEIVED), (S.AWAITING_RECEIPT, S.CANCELLED), (S.RECEIVED, S.COMPLETED),
    }  # fmt: skip
    assert Return(kind=Return.Kind.EXCHANGE).transitions() is Return(kind=Return.Kind.RETURN).transitions()
