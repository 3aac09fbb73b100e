"""Refunds of an order: the money invariants (bar 17), idempotent gateway calls (bar 18), four-eyes
approval (bar 20), the refund state machine, Manual Refund and the refund decline card."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django_tasks_db.models import DBTaskResult

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.orders.editing import SYSTEM, Then, order_edit
from concierge.orders.models import Order
from concierge.orders.refunds import (
    order_refund_approve,
    order_refund_create,
    order_refund_reject,
    refund_issue,
    refund_open,
    refundable,
)
from concierge.orders.tasks import issue_refund
from concierge.orders.tests.refund_support import captured_order, held
from concierge.payments.gateway import REFUND_DECLINE_CARD, TestGateway
from concierge.payments.models import PaymentTransaction, Refund
from concierge.payments.services import payment_source_add_card
from concierge.testing import factories

pytestmark = pytest.mark.django_db

USD = "USD"


def usd(amount: str) -> Money:
    return Money(Decimal(amount), USD)


@pytest.fixture
def order(shopper, store) -> Order:
    return captured_order(shopper, store)  # captured: 80.00 + 5.00 shipping + tax


def capture_of(order: Order) -> PaymentTransaction:
    return PaymentTransaction.objects.get(order=order, kind="CAPTURE", status="SUCCEEDED")


def gateway_refunds() -> list[tuple[str, str, Decimal]]:
    return [call for call in TestGateway.calls if call[0] in {"refund", "credit"}]


def create(user, order, amount, *, destination="ORIGINAL", source_id=None, note="Goodwill for a late parcel."):
    return order_refund_create(ActingContext(user=user), order_id=order.pk, guard=held(user, order),
                               amount=usd(amount), destination=destination, source_id=source_id, note=note)  # fmt: skip


def test_a_partial_refund_to_the_original_card_is_issued_and_reserved_on_the_capture_and_the_order(order, supervisor):
    TestGateway.calls.clear()
    captured = capture_of(order).amount
    refund = create(supervisor, order, "10.25")
    assert refund.status == Refund.Status.ISSUED
    assert refund.transaction.kind == "REFUND"
    assert refund.transaction.status == "SUCCEEDED"
    assert [(op, amount) for op, _, amount in gateway_refunds()] == [("refund", Decimal("10.25"))]
    assert capture_of(order).refund_reserved == Decimal("10.25")
    assert Order.objects.get(pk=order.pk).refund_reserved == Decimal("10.25")
    assert refundable(order) == usd(str(captured - Decimal("10.25")))
    actions = list(Event.objects.filter(subject_id=str(order.pk), action__startswith="refund.")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["refund.requested", "refund.issued"]


def test_refunds_up_to_the_captured_amount_to_the_cent_and_not_one_cent_more(order, supervisor):
    captured = capture_of(order).amount
    create(supervisor, order, str(captured - Decimal("0.01")))
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, "0.02")
    assert refused.value.code == "refund.amount_too_large"
    assert refused.value.status == 422
    assert refused.value.fields["amount"] == ["At most 0.01 USD can be refunded on this order (captured, less what "
                                              "was refunded or is pending)."]  # fmt: skip
    assert create(supervisor, order, "0.01").status == Refund.Status.ISSUED
    assert refundable(order) == usd("0.00")
    assert capture_of(order).refund_reserved == captured


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "Enter an amount above zero."),
    ("-5", "Enter an amount above zero."),
    ("1.005", "Enter the amount to the cent, e.g. 12.50."),
])  # fmt: skip
def test_an_amount_that_is_not_a_positive_amount_in_cents_is_refused_naming_the_field(order, supervisor, amount,
                                                                                      message):  # fmt: skip
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, amount)
    assert refused.value.fields == {"amount": [message]}
    assert not Refund.objects.exists()


def test_nothing_captured_nothing_refundable(shopper, store, supervisor):
    order = captured_order(shopper, store, release=False)
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, "1.00")
    assert "no payment has been captured" in refused.value.fields["amount"][0]


def test_one_refund_fits_in_one_capture_and_the_rest_goes_in_a_second(shopper, store, supervisor):
    order = captured_order(shopper, store, prices=("80.00", "20.00"))
    first, second = PaymentTransaction.objects.filter(order=order, kind="CAPTURE").order_by("id")
    too_much = first.amount + Decimal("1.00")
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, str(too_much))
    assert refused.value.fields["amount"][0].startswith(f"One refund can be at most {first.amount} USD")
    create(supervisor, order, str(first.amount))
    refund = create(supervisor, order, "1.00")
    assert refund.capture_id == second.pk
    assert refundable(order) == usd(str(second.amount - Decimal("1.00")))


def test_a_manual_refund_is_recorded_and_nothing_is_sent(order, supervisor):
    TestGateway.calls.clear()
    refund = create(supervisor, order, "20.00", destination="MANUAL", note="Cheque 1042 posted.")
    assert refund.status == Refund.Status.ISSUED
    assert refund.transaction is None
    assert refund.destination_label == "Manual Refund"
    assert gateway_refunds() == []
    assert refundable(order) == usd(str(capture_of(order).amount - Decimal("20.00")))
    assert Event.objects.filter(subject_id=str(order.pk), action="refund.recorded").count() == 1


def test_a_refund_to_another_card_of_the_customer_is_a_credit_to_that_card(order, shopper, store, supervisor):
    ctx = ActingContext(user=shopper.user, customer=shopper, store=store)
    other = payment_source_add_card(ctx, customer=shopper, number="5555555555554444", exp_month=2, exp_year=2032,
                                    cvc="321", holder_name="Pat")  # fmt: skip
    TestGateway.calls.clear()
    refund = create(supervisor, order, "5.00", destination="OTHER_SOURCE", source_id=other.pk)
    assert refund.status == Refund.Status.ISSUED
    assert refund.source_label == other.label
    assert gateway_refunds() == [("credit", other.gateway_token, Decimal("5.00"))]


def test_another_source_must_be_a_card_of_this_customer(order, other_shopper, store, supervisor):
    ctx = ActingContext(user=other_shopper.user, customer=other_shopper, store=store)
    theirs = payment_source_add_card(ctx, customer=other_shopper, number="5555555555554444", exp_month=2,
                                     exp_year=2032, cvc="321", holder_name="Omar")  # fmt: skip
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, "5.00", destination="OTHER_SOURCE", source_id=theirs.pk)
    assert refused.value.fields == {"source": ["Choose one of the customer's cards on file."]}


def test_the_refund_decline_card_declines_and_frees_the_reservation(shopper, store, supervisor):
    order = captured_order(shopper, store, card=REFUND_DECLINE_CARD)
    captured = capture_of(order).amount
    refund = create(supervisor, order, "30.00")
    assert refund.status == Refund.Status.DECLINED
    assert refund.message == "The card issuer declined the refund."
    assert capture_of(order).refund_reserved == 0
    assert Order.objects.get(pk=order.pk).refund_reserved == 0
    assert refundable(order) == usd(str(captured))
    assert Event.objects.filter(subject_id=str(order.pk), action="refund.declined").count() == 1
    # what was declined can be refunded another way
    assert create(supervisor, order, str(captured), destination="MANUAL").status == Refund.Status.ISSUED


def test_issuing_again_or_running_the_task_makes_one_gateway_call(order, supervisor):
    TestGateway.calls.clear()
    refund = create(supervisor, order, "12.00")
    again = refund_issue(ActingContext(user=supervisor), refund_id=refund.pk)
    issue_refund.call(refund.pk)
    assert again.status == Refund.Status.ISSUED
    assert len(gateway_refunds()) == 1
    assert PaymentTransaction.objects.filter(kind="REFUND", idempotency_key=f"refund-{refund.pk}").count() == 1
    assert capture_of(order).refund_reserved == Decimal("12.00")


def test_a_retry_after_the_call_was_made_but_before_the_refund_settled_makes_no_second_call(order, supervisor):
    """The process died between the gateway's answer and the refund's settlement: the task settles it
    from the recorded transaction (the same idempotency key), without calling the gateway again."""
    system = ActingContext.system("tests", store=order.store)
    with order_edit(system, order_id=order.pk, guard=SYSTEM, then=Then.KEEP) as edit:
        refund = refund_open(edit, amount=usd("7.00"), destination="ORIGINAL", source_id=None, note="")
    from concierge.payments.refunds import payment_refund

    payment_refund(system, refund=Refund.objects.get(pk=refund.pk))  # the call, then "the crash"
    TestGateway.calls.clear()
    assert issue_refund.call(refund.pk) == "ISSUED"
    assert gateway_refunds() == []


def test_the_issue_task_is_enqueued_in_the_same_transaction_as_the_refund(order, supervisor):
    system = ActingContext.system("tests", store=order.store)
    enqueued = []

    def open_then_fail() -> None:
        with order_edit(system, order_id=order.pk, guard=SYSTEM, then=Then.KEEP) as edit:
            refund_open(edit, amount=usd("7.00"), destination="MANUAL", source_id=None, note="")
            enqueued.append(DBTaskResult.objects.filter(task_path__endswith="issue_refund").count())
            raise RuntimeError("the change fails after the refund was opened")

    with pytest.raises(RuntimeError):
        open_then_fail()
    assert enqueued == [1]
    assert not Refund.objects.exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="issue_refund").exists()
    assert capture_of(order).refund_reserved == 0


def test_the_database_refuses_a_reservation_above_the_capture_or_the_order(order):
    capture = capture_of(order)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTransaction.objects.filter(pk=capture.pk).update(refund_reserved=F("amount") + Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refund_reserved=F("total") + Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTransaction.objects.filter(pk=capture.pk).update(refund_reserved=Decimal("-0.01"))


def test_without_can_create_refund_a_csr_is_refused(order, csr):
    with pytest.raises(DomainError) as refused:
        create(csr, order, "5.00")
    assert refused.value.status == 403
    assert "Can Create Refund" in refused.value.message
    assert not Refund.objects.exists()


def test_a_note_is_required_and_over_long_input_is_refused_naming_the_limit(order, supervisor):
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, "5.00", note="  ")
    assert refused.value.fields == {"note": ["Write a note with the details."]}
    with pytest.raises(DomainError) as refused:
        create(supervisor, order, "5.00", note="x" * 501)
    assert "500" in refused.value.fields["note"][0]


# --- Four-eyes approval (bar 20) --------------------------------------------------------------------


@pytest.fixture
def low_threshold(store):
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    return store


@pytest.fixture
def second_supervisor(store):
    return factories.staff("Supervisor", stores=[store], first_name="Sue", last_name="Second")


def test_a_refund_at_the_threshold_is_issued_and_one_cent_above_waits_for_approval(shopper, supervisor,
                                                                                    low_threshold):  # fmt: skip
    order = captured_order(shopper, low_threshold, prices=("120.00",))
    TestGateway.calls.clear()
    assert create(supervisor, order, "50.00").status == Refund.Status.ISSUED
    waiting = create(supervisor, order, "50.01")
    assert waiting.status == Refund.Status.AWAITING_APPROVAL
    assert waiting.get_status_display() == "Awaiting Approval"
    assert len(gateway_refunds()) == 1  # nothing sent for the waiting refund
    assert capture_of(order).refund_reserved == Decimal("100.01")  # but its amount is reserved


def test_the_requester_cannot_approve_or_reject_their_own_refund_even_as_a_supervisor(order, supervisor,
                                                                                     low_threshold):  # fmt: skip
    waiting = create(supervisor, order, "60.00")
    ctx = ActingContext(user=supervisor)
    with pytest.raises(DomainError) as refused:
        order_refund_approve(ctx, order_id=order.pk, refund_id=waiting.pk, guard=held(supervisor, order))
    assert refused.value.code == "refund.own_request"
    assert refused.value.status == 403
    assert refused.value.message == ("You requested this refund, so you cannot approve it: another person with the "
                                     "Approve Refund privilege must decide (four-eyes).")  # fmt: skip
    with pytest.raises(DomainError) as refused:
        order_refund_reject(ctx, order_id=order.pk, refund_id=waiting.pk, guard=held(supervisor, order),
                            reason="Changed my mind")  # fmt: skip
    assert refused.value.code == "refund.own_request"
    assert Refund.objects.get(pk=waiting.pk).status == Refund.Status.AWAITING_APPROVAL


def test_a_second_person_with_approve_refund_approves_and_it_is_issued(order, supervisor, second_supervisor,
                                                                      low_threshold):  # fmt: skip
    TestGateway.calls.clear()
    waiting = create(supervisor, order, "60.00")
    approved = order_refund_approve(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=waiting.pk,
                                    guard=held(second_supervisor, order))  # fmt: skip
    assert approved.status == Refund.Status.ISSUED
    assert approved.requested_by == supervisor
    assert approved.decided_by == second_supervisor
    assert [amount for _, _, amount in gateway_refunds()] == [Decimal("60.00")]
    events = Event.objects.filter(subject_id=str(order.pk), action__startswith="refund.").order_by("id")
    assert [(e.action, e.actor_id) for e in events] == [
        ("refund.awaiting_approval", supervisor.pk), ("refund.approved", second_supervisor.pk),
        ("refund.issued", None),
    ]  # fmt: skip


def test_a_csr_without_approve_refund_cannot_decide(order, supervisor, csr, low_threshold):
    waiting = create(supervisor, order, "60.00")
    with pytest.raises(DomainError) as refused:
        order_refund_approve(ActingContext(user=csr), order_id=order.pk, refund_id=waiting.pk, guard=held(csr, order))
    assert refused.value.status == 403
    assert "Approve Refund" in refused.value.message


def test_rejection_frees_the_reservation_and_is_audited_with_its_reason(order, supervisor, second_supervisor,
                                                                       low_threshold):  # fmt: skip
    captured = capture_of(order).amount
    waiting = create(supervisor, order, "60.00")
    assert refundable(order) == usd(str(captured - Decimal("60.00")))
    rejected = order_refund_reject(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=waiting.pk,
                                   guard=held(second_supervisor, order), reason="Not covered by policy")  # fmt: skip
    assert rejected.status == Refund.Status.REJECTED
    assert rejected.decision_note == "Not covered by policy"
    assert refundable(order) == usd(str(captured))
    assert capture_of(order).refund_reserved == 0
    event = Event.objects.get(subject_id=str(order.pk), action="refund.rejected")
    assert event.actor_id == second_supervisor.pk
    assert event.data["reason"] == "Not covered by policy"
    with pytest.raises(DomainError) as again:
        order_refund_approve(ActingContext(user=second_supervisor), order_id=order.pk, refund_id=waiting.pk,
                             guard=held(second_supervisor, order))  # fmt: skip
    assert again.value.code == "refund.not_awaiting_approval"
    assert again.value.message == "This refund is Rejected: it is no longer awaiting approval."


# --- The refund state machine ------------------------------------------------------------------------


ILLEGAL = [
    (before, after)
    for before, after in itertools.product(Refund.Status.values, Refund.Status.values)
    if after not in Refund.ALLOWED_TRANSITIONS[before]
]


@pytest.mark.parametrize(("before", "after"), ILLEGAL)
def test_every_illegal_refund_transition_is_refused_naming_both_states(before, after):
    refund = Refund(status=before)
    with pytest.raises(DomainError) as refused:
        refund.transition_to(after)
    assert refused.value.code == "refund.illegal_transition"
    assert refused.value.status == 409
    assert refused.value.message == (f"A refund that is {Refund.Status(before).label} cannot become "
                                     f"{Refund.Status(after).label}.")  # fmt: skip
    assert refund.status == before


def test_the_legal_transitions_are_exactly_the_seeds_workflow():
    allowed = {(b, a) for b, targets in Refund.ALLOWED_TRANSITIONS.items() for a in targets}
    assert allowed == {
        ("AWAITING_APPROVAL", "PENDING"), ("AWAITING_APPROVAL", "REJECTED"),
        ("PENDING", "ISSUED"), ("PENDING", "DECLINED"), ("PENDING", "FAILED"),
    }  # fmt: skip
