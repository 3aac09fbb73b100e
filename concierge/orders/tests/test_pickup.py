"""Pickup in store (orders/pickup.py): mark ready for pickup, picked up — order edits under the
order's lock and version, audited, the order following its shipment."""

from __future__ import annotations

import pytest

from concierge.audit.models import Event
from concierge.checkout.plan import Contact
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders import locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.models import Order, Shipment
from concierge.orders.pickup import PickupStep, pickup_collected, pickup_mark_ready, pickup_step
from concierge.orders.tests.pickup_support import pickup_order
from concierge.payments.models import PaymentTransaction
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bopis(shopper, store) -> Order:
    return pickup_order(shopper, store, alternate=Contact("Omar", "Other", "omar@example.com"))


def _shipment(order: Order) -> Shipment:
    return order.shipments.get()


def _guard(csr, order: Order) -> EditGuard:
    grant = locks.order_lock(ActingContext(user=csr), order_id=order.pk)
    return EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token)


def test_mark_ready_releases_captures_and_records(csr, bopis):
    # given a BOPIS order the CSR has opened for editing
    guard = _guard(csr, bopis)
    # when they mark it ready for pickup
    shipment = pickup_mark_ready(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=guard)
    # then it is released and ready, the order is in progress, its share is captured, and it is audited
    shipment.refresh_from_db()
    order = Order.objects.get(pk=bopis.pk)
    assert (shipment.status, shipment.pickup_state()) == (Shipment.Status.RELEASED, "Ready for pickup")
    assert (order.status, order.version) == (Order.Status.IN_PROGRESS, bopis.version + 1)
    assert PaymentTransaction.objects.filter(order=order, kind="CAPTURE", status="SUCCEEDED").exists()
    event = Event.objects.filter(
        subject_kind="order", subject_id=str(order.pk), action="shipment.ready_for_pickup"
    ).get()
    assert (event.actor_id, event.on_behalf_of_id) == (csr.pk, bopis.customer_id)
    assert order.lease_held_by(csr)  # one step of the edit: the lock stays


def test_picked_up_completes_the_order(csr, bopis):
    pickup_mark_ready(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=_guard(csr, bopis))
    # when the customer collects it
    pickup_collected(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=_guard(csr, bopis))
    # then the shipment is shipped (picked up) and the order, with nothing left, completed
    order = Order.objects.get(pk=bopis.pk)
    assert (_shipment(order).pickup_state(), order.status) == ("Picked up", Order.Status.COMPLETED)
    assert Event.objects.filter(subject_id=str(order.pk), action="shipment.picked_up").count() == 1


def test_picked_up_before_ready_is_refused(csr, bopis):
    with pytest.raises(DomainError) as refused:
        pickup_collected(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=_guard(csr, bopis))
    assert (refused.value.code, refused.value.status) == ("pickup.not_ready", 409)
    assert _shipment(bopis).status == Shipment.Status.INVENTORY_ASSIGNED


def test_a_shipped_to_address_shipment_is_not_a_pickup(csr, order):
    ship = order.shipments.order_by("number").first()
    with pytest.raises(DomainError) as refused:
        pickup_mark_ready(ActingContext(user=csr), shipment_id=ship.pk, guard=_guard(csr, order))
    assert refused.value.code == "pickup.not_allowed"


def test_marking_ready_twice_is_refused(csr, bopis):
    pickup_mark_ready(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=_guard(csr, bopis))
    with pytest.raises(DomainError) as refused:
        pickup_mark_ready(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, guard=_guard(csr, bopis))
    assert refused.value.code == "pickup.not_allowed"


def test_the_edit_needs_the_lock_and_the_version(csr, bopis):
    ctx = ActingContext(user=csr)
    shipment_id = _shipment(bopis).pk
    with pytest.raises(DomainError) as no_version:
        pickup_mark_ready(ctx, shipment_id=shipment_id, guard=EditGuard(version=None, lease_token="x"))
    with pytest.raises(DomainError) as no_lock:
        pickup_mark_ready(ctx, shipment_id=shipment_id, guard=EditGuard(version=bopis.version, lease_token=None))
    assert (no_version.value.status, no_lock.value.code) == (428, "order.lock_lost")
    assert _shipment(bopis).ready_for_pickup_at is None


def test_one_step_locks_changes_and_unlocks(csr, bopis):
    # when the CSR presses Mark ready for pickup in the list, with the version it showed
    pickup_step(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, version=bopis.version, step=PickupStep.READY)
    # then it is ready and the order is not left locked
    order = Order.objects.get(pk=bopis.pk)
    assert _shipment(order).is_ready_for_pickup
    assert not order.lease_is_live()
    actions = list(
        Event.objects.filter(subject_id=str(order.pk), subject_kind="order")
        .order_by("id")
        .values_list("action", flat=True)
    )
    steps = [a for a in actions if a in {"order.locked", "shipment.ready_for_pickup", "order.unlocked"}]
    assert steps == ["order.locked", "shipment.ready_for_pickup", "order.unlocked"]


def test_one_step_with_a_stale_version_changes_nothing(csr, bopis):
    stale = bopis.version
    Order.objects.filter(pk=bopis.pk).update(version=stale + 1)  # someone saved since the list was shown
    with pytest.raises(DomainError) as refused:
        pickup_step(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, version=stale, step=PickupStep.READY)
    order = Order.objects.get(pk=bopis.pk)
    assert refused.value.status == 412
    assert (_shipment(order).ready_for_pickup_at, order.lease_is_live()) == (None, False)


def test_one_step_while_someone_else_edits_names_them(csr, store, bopis):
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    locks.order_lock(ActingContext(user=bob), order_id=bopis.pk)
    with pytest.raises(DomainError) as refused:
        pickup_step(ActingContext(user=csr), shipment_id=_shipment(bopis).pk, version=bopis.version,
                    step=PickupStep.READY)  # fmt: skip
    assert refused.value.code == "order.locked"
    assert "Bob Agent" in refused.value.message
    assert _shipment(bopis).ready_for_pickup_at is None


def test_another_stores_csr_cannot_find_the_order(csr_other_store, bopis):
    with pytest.raises(DomainError) as refused:
        pickup_step(ActingContext(user=csr_other_store), shipment_id=_shipment(bopis).pk, version=bopis.version,
                    step=PickupStep.READY)  # fmt: skip
    assert refused.value.status == 404


def test_concierge_itself_may_mark_ready(store, bopis):
    pickup_mark_ready(ActingContext.system("tests", store=store), shipment_id=_shipment(bopis).pk, guard=SYSTEM)
    assert _shipment(bopis).is_ready_for_pickup
