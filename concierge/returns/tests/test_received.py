"""A return rests in Received while the goods are back but its refund is not issued: awaiting a
second person's approval, or rejected, declined or failed until another refund is issued. And the
one rule for "Another payment source": the customer's cards and the order's account's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.orders.models import Order, Shipment
from concierge.orders.refunds import order_refund_approve, order_refund_create, order_refund_reject, refund_sources
from concierge.payments.gateway import REFUND_DECLINE_CARD, REFUND_DECLINE_MESSAGE
from concierge.payments.models import PaymentSource, Refund
from concierge.payments.services import payment_source_add_card
from concierge.returns import services
from concierge.returns.models import Return, ReturnReason
from concierge.returns.selectors import ReturnCriteria, search_returns
from concierge.returns.services import ItemIn, RefundIn, ReturnIn
from concierge.returns.tests.builders import EBOOK, SHOE, delivered_order, held
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def threshold(store):
    """Refunds above 50.00 wait for a second person (the two shoes are worth 160.00)."""
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    return store.refund_approval_threshold


@pytest.fixture
def second_supervisor(store):
    return factories.staff("Supervisor", stores=[store], email="sue@concierge.test", first_name="Sue",
                           last_name="Second")  # fmt: skip


def held_by(user, order: Order):
    """``user`` opens the order for editing, after whoever edited it before closed it."""
    Order.objects.filter(pk=order.pk).update(lease_holder=None, lease_token="", lease_acquired_at=None,
                                             lease_expires_at=None)  # fmt: skip
    return held(user, order)


def reason() -> ReturnReason:
    return ReturnReason.objects.get(name="Wrong Size")


def create(user, order: Order, quantity: int = 2, **kwargs) -> Return:
    line = order.lines.get(product_name=kwargs.pop("name", "Shoe"))
    request = ReturnIn(kind=kwargs.pop("kind", Return.Kind.RETURN),
                       items=(ItemIn(line.pk, quantity, reason().pk, exchange_sku_code=kwargs.pop("sku", "")),),
                       **kwargs)  # fmt: skip
    return services.return_create(ActingContext(user=user), order_id=order.pk, guard=held_by(user, order),
                                  request=request)  # fmt: skip


def receive_all(warehouse, ret: Return) -> Return:
    return services.return_receive(ActingContext(user=warehouse), rma=ret.rma, version=ret.version,
                                   quantities={line.pk: line.to_receive for line in ret.lines.all()})  # fmt: skip


def found(user, status: str) -> list[str]:
    return [r.rma for r in search_returns(ActingContext(user=user), ReturnCriteria(status=status))]


def card(customer, number: str = "5555555555554444") -> PaymentSource:
    ctx = ActingContext(user=customer.user, customer=customer, store=customer.store)
    return payment_source_add_card(ctx, customer=customer, number=number, exp_month=2, exp_year=2032, cvc="123",
                                   holder_name=customer.display_name or "Accounts")  # fmt: skip


def test_a_return_rests_in_received_while_its_refund_awaits_approval_and_approval_completes_it(
    shopper, store, supervisor, second_supervisor, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))
    ret = create(supervisor, order)
    assert ret.status == Return.Status.AWAITING_RECEIPT
    # when the warehouse receives both shoes
    ret = receive_all(warehouse, ret)
    # then the return is Received: its 160.00 refund waits for a second person
    assert ret.status == Return.Status.RECEIVED
    assert ret.refund_wait() == "APPROVAL"
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.amount, refund.status) == (Decimal("160.00"), Refund.Status.AWAITING_APPROVAL)
    assert refund.requested_by == supervisor  # the CSR who created the return asked for it
    assert found(warehouse, "RECEIVED") == [ret.rma]
    assert found(warehouse, "COMPLETED") == []
    # and the supervisor who created the return cannot approve its refund (four-eyes)
    with pytest.raises(DomainError) as own:
        order_refund_approve(ActingContext(user=supervisor), order_id=order.pk, refund_id=refund.pk,
                             guard=held_by(supervisor, order))  # fmt: skip
    assert own.value.code == "refund.own_request"
    # when a second supervisor approves it, it is issued and the return completes
    order_refund_approve(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=refund.pk,
                         guard=held_by(second_supervisor, order))  # fmt: skip
    ret.refresh_from_db()
    assert (ret.status, Refund.objects.get(pk=refund.pk).status) == (Return.Status.COMPLETED, Refund.Status.ISSUED)
    assert ret.completed_at is not None
    assert found(warehouse, "RECEIVED") == []
    assert found(warehouse, "COMPLETED") == [ret.rma]


def test_a_rejected_refund_leaves_the_return_received_until_another_refund_is_issued(
    shopper, store, csr, supervisor, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))
    ret = receive_all(warehouse, create(csr, order))
    refund = Refund.objects.get(rma=ret.rma)
    # another refund cannot be issued while the first awaits approval
    with pytest.raises(DomainError) as waiting:
        services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                               refund=RefundIn(destination="MANUAL"))  # fmt: skip
    assert (waiting.value.status, waiting.value.code) == (409, "return.illegal_transition")
    assert waiting.value.message == f"The refund of {ret.rma} is awaiting approval: approve or reject it first."
    # when a supervisor rejects it
    order_refund_reject(ActingContext(user=supervisor), order_id=order.pk, refund_id=refund.pk,
                        guard=held_by(supervisor, order), reason="Only one shoe was worn out")  # fmt: skip
    ret.refresh_from_db()
    assert (ret.status, ret.refund_wait()) == (Return.Status.RECEIVED, "REFUSED")
    # then another refund can be at most what the shoes are worth
    with pytest.raises(DomainError) as too_much:
        services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                               refund=RefundIn(amount=Decimal("160.01"), destination="MANUAL"))  # fmt: skip
    assert too_much.value.fields["amount"][0].startswith(f"Another refund of {ret.rma} can be at most 160.00 USD")
    # and a Manual Refund of one shoe, within the threshold, is issued and completes the return
    ret = services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                                 refund=RefundIn(amount=Decimal("45.00"), destination="MANUAL",
                                                 note="Cheque for the worn shoe"))  # fmt: skip
    assert ret.status == Return.Status.COMPLETED
    assert (ret.refund_amount, ret.refund_destination) == (Decimal("45.00"), "MANUAL")
    assert list(Refund.objects.filter(rma=ret.rma).values_list("status", "amount", "destination")) == [
        ("REJECTED", Decimal("160.00"), "ORIGINAL"), ("ISSUED", Decimal("45.00"), "MANUAL"),
    ]  # fmt: skip
    # and a completed return takes no further refund
    with pytest.raises(DomainError) as done:
        services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                               refund=RefundIn(destination="MANUAL"))  # fmt: skip
    assert done.value.code == "return.illegal_transition"


def test_another_refund_above_the_threshold_waits_for_someone_other_than_its_requester(
    shopper, store, csr, supervisor, second_supervisor, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))
    ret = receive_all(warehouse, create(csr, order))
    order_refund_reject(ActingContext(user=supervisor), order_id=order.pk, refund_id=Refund.objects.get().pk,
                        guard=held_by(supervisor, order), reason="Check with the customer first")  # fmt: skip
    # when the supervisor issues the refund again as a Manual Refund of the whole 160.00
    ret = services.return_refund(ActingContext(user=supervisor), order_id=order.pk, rma=ret.rma,
                                 guard=held_by(supervisor, order), refund=RefundIn(destination="MANUAL"))  # fmt: skip
    # then it waits for approval by someone else, and approval completes the return
    assert (ret.status, ret.refund_wait()) == (Return.Status.RECEIVED, "APPROVAL")
    again = Refund.objects.get(rma=ret.rma, status=Refund.Status.AWAITING_APPROVAL)
    assert (again.amount, again.requested_by) == (Decimal("160.00"), supervisor)
    order_refund_approve(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=again.pk,
                         guard=held_by(second_supervisor, order))  # fmt: skip
    assert Return.objects.get(pk=ret.pk).status == Return.Status.COMPLETED


def test_a_declined_refund_leaves_the_return_received_and_a_refund_to_another_card_completes_it(
    shopper, store, csr, warehouse
):
    order = delivered_order(shopper, store, (SHOE,), card_number=REFUND_DECLINE_CARD)
    ret = receive_all(warehouse, create(csr, order))
    declined = Refund.objects.get(rma=ret.rma)
    assert (declined.status, declined.message) == (Refund.Status.DECLINED, REFUND_DECLINE_MESSAGE)
    assert (ret.status, ret.refund_wait()) == (Return.Status.RECEIVED, "REFUSED")
    # when the CSR retries to another of the customer's cards
    other = card(shopper)
    ret = services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                                 refund=RefundIn(destination="OTHER_SOURCE", source_id=other.pk))  # fmt: skip
    # then the whole refund is issued to it and the return completes
    assert ret.status == Return.Status.COMPLETED
    issued = Refund.objects.get(rma=ret.rma, status=Refund.Status.ISSUED)
    assert (issued.amount, issued.source_id, issued.source_label) == (Decimal("160.00"), other.pk, other.label)


def test_a_refund_of_nothing_more_completes_a_received_return_with_what_was_issued(
    shopper, store, csr, supervisor, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))
    ret = receive_all(warehouse, create(csr, order))
    order_refund_reject(ActingContext(user=supervisor), order_id=order.pk, refund_id=Refund.objects.get().pk,
                        guard=held_by(supervisor, order), reason="The shoes came back worn")  # fmt: skip
    ret = services.return_refund(ActingContext(user=csr), order_id=order.pk, rma=ret.rma, guard=held_by(csr, order),
                                 refund=RefundIn(amount=Decimal("0"), note="Nothing refunded: worn"))  # fmt: skip
    assert (ret.status, ret.refund_amount) == (Return.Status.COMPLETED, Decimal("0.00"))
    assert not Refund.objects.filter(rma=ret.rma, status=Refund.Status.ISSUED).exists()


def test_a_received_returns_reserved_refund_is_not_counted_twice_in_the_next_suggestion(
    shopper, store, csr, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))  # captured 165.00: two shoes and shipping
    first = receive_all(warehouse, create(csr, order, 1))
    assert Refund.objects.get(rma=first.rma).status == Refund.Status.AWAITING_APPROVAL  # 80.00 reserved
    # the second shoe can still get its full 80.00 (165.00 - 80.00 reserved leaves 85.00)
    second = create(csr, order, 1)
    assert second.refund_amount == Decimal("80.00")


def test_an_exchange_whose_refund_of_the_difference_awaits_approval_rests_in_received(
    shopper, store, csr, second_supervisor, warehouse, threshold
):
    order = delivered_order(shopper, store, (SHOE,))
    sandal = factories.product(store=store, name="Sandal", price="10.00", sku_code="SANDAL-9")
    ret = create(csr, order, 2, kind=Return.Kind.EXCHANGE, sku=sandal.code)
    assert ret.refund_amount == Decimal("140.00")  # 2 x (80.00 - 10.00)
    ret = receive_all(warehouse, ret)
    # the sandals are released at once; the refund of the difference waits for approval
    exchange = Order.objects.get(exchange_for=ret)
    assert exchange.status == Order.Status.IN_PROGRESS
    assert exchange.shipments.get().status == Shipment.Status.RELEASED
    assert (ret.status, ret.refund_wait()) == (Return.Status.RECEIVED, "APPROVAL")
    refund = Refund.objects.get(rma=ret.rma)
    order_refund_approve(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=refund.pk,
                         guard=held_by(second_supervisor, order))  # fmt: skip
    assert Return.objects.get(pk=ret.pk).status == Return.Status.COMPLETED


def test_an_exchange_for_the_same_sku_completes_on_receipt_as_it_refunds_nothing(shopper, store, csr, warehouse):
    order = delivered_order(shopper, store, (SHOE,))
    ret = receive_all(warehouse, create(csr, order, 1, kind=Return.Kind.EXCHANGE))
    assert ret.status == Return.Status.COMPLETED
    assert Sku.objects.filter(pk=order.lines.get().sku_id).exists()
    assert Order.objects.get(exchange_for=ret).status == Order.Status.IN_PROGRESS


# --- Another payment source: one rule for a return's refund and Create Refund ----------------------


def test_a_return_is_refunded_to_another_of_the_customers_cards(shopper, store, csr):
    order = delivered_order(shopper, store, (EBOOK,))
    other = card(shopper)
    ret = create(csr, order, 1, name="Trail Guide eBook",
                 refund=RefundIn(destination="OTHER_SOURCE", source_id=other.pk))  # fmt: skip
    assert ret.status == Return.Status.COMPLETED
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.destination, refund.source_id, refund.status) == ("OTHER_SOURCE", other.pk, "ISSUED")
    assert refund.source_label == other.label != "Visa ending in 4242"


def test_a_return_and_create_refund_may_both_go_to_a_card_of_the_orders_account(shopper, other_shopper, store, csr,
                                                                               supervisor):  # fmt: skip
    order = delivered_order(shopper, store, (EBOOK, SHOE))
    org = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=org)
    order.refresh_from_db()
    accounts_card = payment_source_add_card(ActingContext.system("tests", store=store), customer=org,
                                            number="5105105105105100", exp_month=3, exp_year=2033, cvc="123",
                                            holder_name="Acme Outfitters")  # fmt: skip
    strangers = card(other_shopper)
    assert set(refund_sources(order).values_list("pk", flat=True)) >= {accounts_card.pk}
    assert strangers.pk not in set(refund_sources(order).values_list("pk", flat=True))
    # a return's refund to the account's card
    ret = create(csr, order, 1, name="Trail Guide eBook",
                 refund=RefundIn(destination="OTHER_SOURCE", source_id=accounts_card.pk))  # fmt: skip
    assert Refund.objects.get(rma=ret.rma).source_id == accounts_card.pk
    # and Create Refund outside a return by the same rule
    refund = order_refund_create(ActingContext(user=supervisor), order_id=order.pk, guard=held_by(supervisor, order),
                                 amount=Money(Decimal("5.00"), "USD"), destination="OTHER_SOURCE",
                                 source_id=accounts_card.pk, note="Goodwill")  # fmt: skip
    assert refund.source_id == accounts_card.pk
    # while a card of another customer is refused by both
    with pytest.raises(DomainError) as refused:
        create(csr, order, 1, refund=RefundIn(destination="OTHER_SOURCE", source_id=strangers.pk))
    assert refused.value.fields == {"source": ["Choose one of the customer's cards."]}
    with pytest.raises(DomainError) as refused_too:
        order_refund_create(ActingContext(user=supervisor), order_id=order.pk, guard=held_by(supervisor, order),
                            amount=Money(Decimal("5.00"), "USD"), destination="OTHER_SOURCE", source_id=strangers.pk,
                            note="Goodwill")  # fmt: skip
    assert refused_too.value.fields == {"source": ["Choose one of the customer's cards on file."]}


def test_an_order_that_is_completed_never_becomes_awaiting_exchange():
    order = Order(status=Order.Status.COMPLETED)
    with pytest.raises(DomainError) as refused:
        order.transition_to(Order.Status.AWAITING_EXCHANGE)
    assert refused.value.code == "order.illegal_transition"
    assert Order.ALLOWED_TRANSITIONS[Order.Status.COMPLETED] == frozenset()
