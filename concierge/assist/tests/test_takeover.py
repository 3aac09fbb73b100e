"""Cart takeover with an offline order (seed 001) at the service level."""

from __future__ import annotations

import pytest

from concierge.assist.models import AssistedSession, CartTakeover
from concierge.assist.takeover import (
    takeover_cancel,
    takeover_context,
    takeover_create,
    takeover_for,
    takeover_hand_back,
    takeover_view_cart,
)
from concierge.carts.models import Cart
from concierge.carts.services import cart_add
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_ann(csr) -> ActingContext:
    return ActingContext(user=csr)


def test_the_whole_takeover_leaves_the_items_in_the_unlocked_cart(as_ann, shopper, store):
    sku = factories.product(store=store)
    order = takeover_create(as_ann, customer_id=shopper.pk)
    assert order.status == CartTakeover.Status.NEW
    grant = takeover_view_cart(as_ann, order)
    assert order.cart is not None
    cart_add(takeover_context(as_ann, order), cart=order.cart, sku_id=sku.pk, quantity=2, lease_token=grant.token)
    takeover_hand_back(as_ann, order, lease_token=grant.token)
    cart = Cart.objects.get(customer=shopper, status="ACTIVE")
    assert cart.lines.get().quantity == 2
    assert not cart.lease_is_live()
    assert order.status == CartTakeover.Status.HANDED_BACK
    assert AssistedSession.objects.get(pk=order.session_id or 0).end_reason == "HANDED_BACK"


def test_it_needs_the_customer_update_privilege(warehouse, shopper):
    with pytest.raises(DomainError) as refused:
        takeover_create(ActingContext(user=warehouse), customer_id=shopper.pk)
    assert refused.value.status == 403
    assert not CartTakeover.objects.exists()


def test_another_agents_takeover_is_not_found(as_ann, shopper, store):
    order = takeover_create(as_ann, customer_id=shopper.pk)
    bob = factories.staff("CSR", stores=[store])
    with pytest.raises(DomainError) as missing:
        takeover_for(ActingContext(user=bob), order.number)
    assert missing.value.status == 404


def test_handing_back_before_viewing_the_cart_or_twice_is_refused(as_ann, shopper):
    order = takeover_create(as_ann, customer_id=shopper.pk)
    with pytest.raises(DomainError):
        takeover_hand_back(as_ann, order, lease_token=None)
    grant = takeover_view_cart(as_ann, order)
    takeover_hand_back(as_ann, order, lease_token=grant.token)
    with pytest.raises(DomainError):
        takeover_hand_back(as_ann, order, lease_token=grant.token)


def test_cancelling_unlocks_the_cart(as_ann, shopper):
    order = takeover_create(as_ann, customer_id=shopper.pk)
    takeover_view_cart(as_ann, order)
    takeover_cancel(as_ann, order)
    assert order.status == CartTakeover.Status.CANCELLED
    assert not Cart.objects.get(customer=shopper).lease_is_live()


def test_a_customer_who_opted_out_is_not_taken_over(as_ann, shopper):
    from concierge.customers.models import Customer

    Customer.objects.filter(pk=shopper.pk).update(assistance_opt_out=True)
    with pytest.raises(DomainError) as refused:
        takeover_create(as_ann, customer_id=shopper.pk)
    assert refused.value.code == "assist.opted_out"


def test_an_action_after_the_session_ended_is_refused_until_view_users_cart(as_ann, shopper, store, clock):
    import datetime as dt

    sku = factories.product(store=store)
    order = takeover_create(as_ann, customer_id=shopper.pk)
    takeover_view_cart(as_ann, order)
    clock.advance(dt.timedelta(minutes=16))  # idle: the session (and the cart lock) ended
    with pytest.raises(DomainError) as refused:
        takeover_context(as_ann, order)
    assert refused.value.code == "assist.session_ended"
    grant = takeover_view_cart(as_ann, order)  # the agent's explicit choice starts a new session
    assert order.cart is not None
    cart_add(takeover_context(as_ann, order), cart=order.cart, sku_id=sku.pk, quantity=1, lease_token=grant.token)
    assert order.cart.lines.count() == 1


def test_losing_the_update_privilege_stops_an_open_takeover(as_ann, csr, shopper):
    from django.contrib.auth.models import Group

    from concierge.identity.models import User

    order = takeover_create(as_ann, customer_id=shopper.pk)
    csr.groups.set([Group.objects.get(name="Warehouse")])
    with pytest.raises(DomainError) as refused:
        takeover_for(ActingContext(user=User.objects.get(pk=csr.pk)), order.number)
    assert refused.value.status == 403
