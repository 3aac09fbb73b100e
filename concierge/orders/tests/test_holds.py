"""Holds (seed 004 "Order Holds"): the state machine, deciding, and the worker's settlement."""

from __future__ import annotations

import itertools

import pytest

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders import locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.holds import hold_decide, hold_settle
from concierge.orders.models import Hold, Order
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.hold_steps import queued_settlements, run_settlements

pytestmark = pytest.mark.django_db
S = Hold.Status
LEGAL = {
    (S.OPEN, S.RESOLVE_PENDING),
    (S.OPEN, S.UNRESOLVABLE_PENDING),
    (S.RESOLVE_PENDING, S.RESOLVED),
    (S.UNRESOLVABLE_PENDING, S.UNRESOLVABLE),
}


def test_the_hold_table_is_exactly_the_seeds_states():
    table = {(a, b) for a, targets in Hold.ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == LEGAL
    assert set(Hold.ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("before", "after"), sorted(set(itertools.product(S, S)) - LEGAL))
def test_every_illegal_hold_transition_is_refused_with_a_clear_error(before, after):
    hold = Hold(reason="Review", status=before)
    with pytest.raises(DomainError) as refused:
        hold.transition_to(after)
    assert refused.value.code == "hold.illegal_transition"
    assert refused.value.status == 409
    assert refused.value.message == f"A hold that is {S(before).label} cannot become {S(after).label}."
    assert hold.status == before


@pytest.mark.parametrize(("before", "after"), sorted(LEGAL))
def test_every_legal_hold_transition_moves(before, after):
    hold = Hold(reason="Review", status=before)
    hold.transition_to(after)
    assert hold.status == after


def _editing(user, order: Order) -> tuple[ActingContext, EditGuard]:
    ctx = ActingContext(user=user)
    grant = locks.order_lock(ctx, order_id=order.pk)
    return ctx, EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token)


def test_settling_twice_has_one_effect(shopper, store, csr):
    # given a hold marked unresolvable
    order = held_order(shopper, store)
    hold = order.holds.first()
    ctx, guard = _editing(csr, order)
    hold_decide(ctx, hold_id=hold.pk, decision="unresolvable", comment="Fraud.", guard=guard)
    # when its settlement is delivered twice
    system = ActingContext.system("holds")
    hold_settle(system, hold_id=hold.pk)
    version = Order.objects.get(pk=order.pk).version
    events = Event.objects.count()
    hold_settle(system, hold_id=hold.pk)
    # then the second changed nothing: one cancellation, one reversal, no new event or version
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert (order.version, Event.objects.count()) == (version, events)
    assert order.transactions.filter(kind="REVERSE").count() == 1
    assert Event.objects.filter(action="order.cancelled").count() == 1


def test_the_decision_and_its_settlement_commit_together(shopper, store, csr):
    order = held_order(shopper, store)
    hold = order.holds.first()
    ctx, guard = _editing(csr, order)
    hold_decide(ctx, hold_id=hold.pk, decision="resolved", comment="OK.", guard=guard)
    assert [list(row.task_result.args) for row in queued_settlements()] == [[hold.pk]]
    event = Event.objects.get(action="hold.marked_resolved")
    assert event.actor_id == csr.pk
    assert event.data["comment"] == "OK."


def test_only_concierge_itself_settles_a_hold(shopper, store, csr):
    order = held_order(shopper, store)
    with pytest.raises(DomainError):
        hold_settle(ActingContext(user=csr), hold_id=order.holds.first().pk)


def test_an_open_hold_is_not_settled_by_a_stray_delivery(shopper, store):
    order = held_order(shopper, store)
    hold = order.holds.first()
    hold_settle(ActingContext.system("holds"), hold_id=hold.pk)
    assert Hold.objects.get(pk=hold.pk).status == S.OPEN
    assert Order.objects.get(pk=order.pk).status == Order.Status.ON_HOLD


def test_a_pending_hold_of_an_order_cancelled_meanwhile_settles_without_moving_the_order(shopper, store, csr):
    order = held_order(shopper, store)
    first, second = order.holds.all()
    ctx, guard = _editing(csr, order)
    hold_decide(ctx, hold_id=first.pk, decision="resolved", comment="OK.", guard=guard)
    guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=guard.lease_token)
    hold_decide(ctx, hold_id=second.pk, decision="unresolvable", comment="No.", guard=guard)
    # the unresolvable one is settled first
    hold_settle(ActingContext.system("holds"), hold_id=second.pk)
    hold_settle(ActingContext.system("holds"), hold_id=first.pk)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Hold.objects.get(pk=first.pk).status == S.RESOLVED


def test_the_system_guard_cannot_decide_a_hold(shopper, store):
    # a decision is a person's: the worker's context has no privilege to decide holds
    order = held_order(shopper, store)
    with pytest.raises(DomainError) as refused:
        hold_decide(ActingContext.system("holds"), hold_id=order.holds.first().pk, decision="resolved",
                    comment="OK.", guard=SYSTEM)  # fmt: skip
    assert refused.value.code == "hold.privilege_required"
    assert run_settlements() == []


def test_holds_resolved_with_nothing_left_to_ship_complete_the_order(shopper, store, csr):
    # given a held order whose shipments have all gone out or been cancelled (e.g. fulfilled offline)
    order = held_order(shopper, store)
    first, second = order.shipments.order_by("number")
    first.status, second.status = "SHIPPED", "CANCELLED"
    for shipment in (first, second):
        shipment.save(update_fields=["status"])
    ctx, guard = _editing(csr, order)
    for hold in order.holds.all():
        hold_decide(ctx, hold_id=hold.pk, decision="resolved", comment="OK.", guard=guard)
        guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=guard.lease_token)
    # when the worker settles them
    run_settlements()
    # then the order is Completed rather than In Progress
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
