"""Cart locks: leases held by customer service (seed 000 step 7; RELIABILITY.md bars 10 to 12)."""

from __future__ import annotations

import datetime as dt

import pytest

from concierge.assist.services import assisting, session_start
from concierge.audit.models import Event
from concierge.carts.binding import cart_bind
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_lock, cart_open, cart_remove, cart_unlock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(store):
    return factories.product(store=store)


@pytest.fixture
def as_shopper(shopper, store) -> ActingContext:
    return ActingContext(user=shopper.user, customer=shopper, store=store)


@pytest.fixture
def cart_with_item(as_shopper, sku) -> Cart:
    cart, _ = cart_open(as_shopper, anonymous_token=None)
    return cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=1)


def assisting_ctx(agent, customer) -> ActingContext:
    session = session_start(ActingContext(user=agent), customer_id=customer.pk)
    return assisting(ActingContext(user=agent), session)


@pytest.fixture
def ann(csr, shopper) -> ActingContext:
    return assisting_ctx(csr, shopper)


@pytest.fixture
def bob(store, shopper) -> ActingContext:
    agent = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    return assisting_ctx(agent, shopper)


def test_a_cart_with_items_must_be_locked_before_the_agent_changes_it(ann, cart_with_item, sku):
    with pytest.raises(DomainError) as refused:
        cart_add(ann, cart=cart_with_item, sku_id=sku.pk, quantity=1)
    assert refused.value.code == "cart.lock_required"
    grant = cart_lock(ann, cart=cart_with_item)
    cart = cart_add(ann, cart=cart_with_item, sku_id=sku.pk, quantity=1, lease_token=grant.token)
    assert cart.lines.get().quantity == 2


def test_while_locked_the_shoppers_changes_and_checkout_are_refused(ann, as_shopper, cart_with_item, sku):
    cart_lock(ann, cart=cart_with_item)
    line = cart_with_item.lines.get()
    for change in (
        lambda: cart_add(as_shopper, cart=cart_with_item, sku_id=sku.pk, quantity=1),
        lambda: cart_remove(as_shopper, cart=cart_with_item, line_id=line.pk),
    ):
        with pytest.raises(DomainError) as refused:
            change()
        assert refused.value.code == "cart.locked"
        assert "locked by Ann Agent" in refused.value.message
    from concierge.carts.services import check_checkout_allowed

    with pytest.raises(DomainError, match="locked by Ann Agent"):
        check_checkout_allowed(as_shopper, Cart.objects.get(pk=cart_with_item.pk))
    assert cart_with_item.lines.get().quantity == 1


def test_another_agent_is_refused_naming_the_holder_then_takes_over(ann, bob, cart_with_item, sku):
    first = cart_lock(ann, cart=cart_with_item)
    with pytest.raises(DomainError) as refused:
        cart_lock(bob, cart=cart_with_item)
    assert refused.value.status == 409
    assert refused.value.data["locked_by"] == "Ann Agent"
    taken = cart_lock(bob, cart=cart_with_item, takeover=True)
    assert taken.previous_holder_id == ann.user.pk
    # Ann's token is dead: her write is refused and names the new holder; Bob's goes through.
    with pytest.raises(DomainError) as lost:
        cart_add(ann, cart=cart_with_item, sku_id=sku.pk, quantity=1, lease_token=first.token)
    assert lost.value.code == "cart.lock_lost"
    assert "Bob Agent" in lost.value.message
    cart_add(bob, cart=cart_with_item, sku_id=sku.pk, quantity=1, lease_token=taken.token)
    # Only the holder unlocks.
    with pytest.raises(DomainError):
        cart_unlock(ann, cart=cart_with_item, lease_token=first.token)
    cart_unlock(bob, cart=cart_with_item, lease_token=taken.token)
    actions = list(Event.objects.filter(subject_kind="cart").order_by("id").values_list("action", "actor_label"))
    assert ("cart.lock_taken_over", "Bob Agent") in actions
    assert actions[-1] == ("cart.unlocked", "Bob Agent")
    takeover = Event.objects.get(action="cart.lock_taken_over")
    assert takeover.data["previous_holder"] == "Ann Agent"


def test_a_lease_lasts_its_ttl_and_is_renewed_by_work(ann, bob, cart_with_item, sku, clock, settings):
    settings.CONCIERGE_CART_LEASE_MINUTES = 10
    grant = cart_lock(ann, cart=cart_with_item)
    clock.advance(dt.timedelta(minutes=9))
    cart_add(ann, cart=cart_with_item, sku_id=sku.pk, quantity=1, lease_token=grant.token)  # renews
    clock.advance(dt.timedelta(minutes=9))
    with pytest.raises(DomainError, match="locked by Ann Agent"):
        cart_lock(bob, cart=cart_with_item)  # 18 minutes after locking, 9 after her last change
    clock.advance(dt.timedelta(minutes=2))
    cart_lock(bob, cart=cart_with_item)  # Ann went idle: her lease expired, and it is free
    with pytest.raises(DomainError) as lost:
        cart_add(ann, cart=cart_with_item, sku_id=sku.pk, quantity=1, lease_token=grant.token)
    assert lost.value.code == "cart.lock_lost"


def test_an_expired_lease_no_longer_blocks_the_shopper(ann, as_shopper, cart_with_item, sku, clock, settings):
    settings.CONCIERGE_CART_LEASE_MINUTES = 10
    cart_lock(ann, cart=cart_with_item)
    clock.advance(dt.timedelta(minutes=11))
    cart_add(as_shopper, cart=cart_with_item, sku_id=sku.pk, quantity=1)
    assert cart_with_item.lines.get().quantity == 2


def test_only_an_agent_assisting_the_carts_customer_locks_it(as_shopper, cart_with_item, csr, other_shopper):
    with pytest.raises(DomainError) as refused:
        cart_lock(as_shopper, cart=cart_with_item)
    assert refused.value.code == "cart.not_assisting"
    for_other = assisting_ctx(csr, other_shopper)
    with pytest.raises(DomainError):
        cart_lock(for_other, cart=cart_with_item)


class TestBind:
    @pytest.fixture
    def anonymous_cart(self, store, sku) -> Cart:
        visitor = ActingContext(user=None, store=store)
        cart, token = cart_open(visitor, anonymous_token=None)
        return cart_add(visitor, cart=cart, sku_id=sku.pk, quantity=2, anonymous_token=token)

    def test_binding_moves_the_items_into_the_customers_cart(self, ann, anonymous_cart, shopper):
        cart = cart_bind(ann, code=anonymous_cart.code.lower())
        assert cart.customer == shopper
        assert cart.lines.get().quantity == 2
        anonymous_cart.refresh_from_db()
        assert anonymous_cart.status == Cart.Status.MERGED
        bound = Event.objects.get(action="cart.bound")
        assert (bound.actor_label, bound.on_behalf_of_id) == ("Ann Agent", shopper.pk)

    def test_binding_into_a_cart_with_items_merges_under_the_lock(self, ann, anonymous_cart, cart_with_item):
        with pytest.raises(DomainError) as refused:
            cart_bind(ann, code=anonymous_cart.code)
        assert refused.value.code == "cart.lock_required"
        grant = cart_lock(ann, cart=cart_with_item)
        cart = cart_bind(ann, code=anonymous_cart.code, lease_token=grant.token)
        assert cart.pk == cart_with_item.pk
        assert cart.lines.get().quantity == 3  # 1 of the customer's + 2 bound

    @pytest.mark.parametrize("code", ["", "ABC", "OOOOOOOO", "ZZZZZZZZ"])
    def test_a_bad_or_unknown_code_changes_nothing(self, ann, anonymous_cart, code):
        with pytest.raises(DomainError) as refused:
            cart_bind(ann, code=code)
        assert refused.value.code in {"cart.code_invalid", "cart.code_unknown"}
        assert "code" in refused.value.fields
        anonymous_cart.refresh_from_db()
        assert anonymous_cart.status == Cart.Status.ACTIVE

    def test_a_shopper_cannot_bind(self, as_shopper, anonymous_cart):
        with pytest.raises(DomainError) as refused:
            cart_bind(as_shopper, code=anonymous_cart.code)
        assert refused.value.status == 403


def test_signing_in_does_not_merge_into_a_locked_cart(ann, as_shopper, cart_with_item, store, sku):
    from concierge.carts.binding import cart_merge_anonymous

    visitor = ActingContext(user=None, store=store)
    anonymous, token = cart_open(visitor, anonymous_token=None)
    assert token is not None
    cart_add(visitor, cart=anonymous, sku_id=sku.pk, quantity=3, anonymous_token=token)
    cart_lock(ann, cart=cart_with_item)
    with pytest.raises(DomainError) as refused:
        cart_merge_anonymous(as_shopper, anonymous_token=token)
    assert refused.value.code == "cart.locked"
    assert cart_with_item.lines.get().quantity == 1
    anonymous.refresh_from_db()
    assert anonymous.status == Cart.Status.ACTIVE


def test_an_agent_cannot_merge_a_cart_around_the_lock(ann, cart_with_item, store, sku):
    from concierge.carts.binding import cart_merge_anonymous

    visitor = ActingContext(user=None, store=store)
    anonymous, token = cart_open(visitor, anonymous_token=None)
    assert token is not None
    cart_add(visitor, cart=anonymous, sku_id=sku.pk, quantity=3, anonymous_token=token)
    with pytest.raises(DomainError) as refused:
        cart_merge_anonymous(ann, anonymous_token=token)
    assert refused.value.status == 403
    assert cart_with_item.lines.get().quantity == 1


def test_a_cart_of_another_store_is_not_bound(ann, other_store):
    from concierge.carts.binding import cart_bind

    foreign_sku = factories.product(store=other_store, name="Maple Toque", price="20.00")
    visitor = ActingContext(user=None, store=other_store)
    foreign, token = cart_open(visitor, anonymous_token=None)
    cart_add(visitor, cart=foreign, sku_id=foreign_sku.pk, quantity=1, anonymous_token=token)
    with pytest.raises(DomainError) as refused:
        cart_bind(ann, code=foreign.code)
    assert refused.value.code == "cart.code_unknown"
    foreign.refresh_from_db()
    assert foreign.status == Cart.Status.ACTIVE
