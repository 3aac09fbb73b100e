"""Carts: one active cart per customer, validated quantities, audited changes, merge on sign-in."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from concierge.audit.models import Event
from concierge.carts.binding import cart_merge_anonymous
from concierge.carts.models import Cart, CartLine
from concierge.carts.services import cart_add, cart_open, cart_remove, cart_set_quantity
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.testing import factories


@pytest.fixture
def as_shopper(shopper, store) -> ActingContext:
    return ActingContext(user=shopper.user, customer=shopper, store=store)


@pytest.fixture
def anonymous(store) -> ActingContext:
    return ActingContext(user=None, store=store)


@pytest.mark.django_db
class TestCartChanges:
    def test_adding_twice_grows_one_line_and_bumps_the_version(self, as_shopper, store):
        sku = factories.product(store=store)
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=1)
        cart = cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=2)
        assert list(cart.lines.values_list("quantity", flat=True)) == [3]
        assert cart.version == 3
        added = Event.objects.filter(action="cart.line_added", subject_id=str(cart.pk)).order_by("id")
        assert [e.changes["quantity"] for e in added] == [[0, 1], [1, 3]]
        assert {e.on_behalf_of_id for e in added} == {as_shopper.customer.pk}

    @pytest.mark.parametrize("quantity", [0, -1, 1000, "2", True])
    def test_a_bad_quantity_is_refused_and_changes_nothing(self, as_shopper, store, quantity):
        sku = factories.product(store=store)
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        with pytest.raises(DomainError) as refused:
            cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=quantity)
        assert refused.value.code == "cart.quantity_invalid"
        assert not cart.lines.exists()

    def test_stock_is_respected(self, as_shopper, store):
        sku = factories.product(store=store, stock=2)
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        with pytest.raises(DomainError) as refused:
            cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=3)
        assert refused.value.message.startswith("Only 2 of")

    def test_digital_items_are_not_limited_by_stock(self, as_shopper, store):
        sku = factories.product(store=store, stock=0, kind="DIGITAL")
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        assert cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=5).lines.get().quantity == 5

    def test_a_stale_version_is_refused(self, as_shopper, store):
        sku = factories.product(store=store)
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=1)
        with pytest.raises(DomainError) as refused:
            cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=1, expected_version=1)
        assert (refused.value.code, refused.value.status) == ("cart.stale", 412)

    def test_quantity_change_and_removal(self, as_shopper, store):
        sku = factories.product(store=store)
        cart, _ = cart_open(as_shopper, anonymous_token=None)
        cart_add(as_shopper, cart=cart, sku_id=sku.pk, quantity=1)
        line = cart.lines.get()
        cart_set_quantity(as_shopper, cart=cart, line_id=line.pk, quantity=4)
        assert cart.lines.get().quantity == 4
        cart_remove(as_shopper, cart=cart, line_id=line.pk)
        assert not cart.lines.exists()

    def test_another_shoppers_cart_is_not_found(self, as_shopper, other_shopper, store):
        sku = factories.product(store=store)
        theirs, _ = cart_open(
            ActingContext(user=other_shopper.user, customer=other_shopper, store=store), anonymous_token=None
        )
        with pytest.raises(DomainError) as refused:
            cart_add(as_shopper, cart=theirs, sku_id=sku.pk, quantity=1)
        assert refused.value.status == 404

    def test_an_anonymous_cart_belongs_to_its_cookie(self, anonymous, store):
        sku = factories.product(store=store)
        cart, token = cart_open(anonymous, anonymous_token=None)
        assert token
        cart_add(anonymous, cart=cart, sku_id=sku.pk, quantity=1, anonymous_token=token)
        with pytest.raises(DomainError):
            cart_add(anonymous, cart=cart, sku_id=sku.pk, quantity=1, anonymous_token="someone-else")
        assert cart.lines.get().quantity == 1

    def test_signing_in_merges_the_anonymous_cart(self, anonymous, as_shopper, store):
        shoe = factories.product(store=store, name="Shoe")
        sock = factories.product(store=store, name="Sock")
        mine, _ = cart_open(as_shopper, anonymous_token=None)
        cart_add(as_shopper, cart=mine, sku_id=shoe.pk, quantity=1)
        anon, token = cart_open(anonymous, anonymous_token=None)
        cart_add(anonymous, cart=anon, sku_id=shoe.pk, quantity=2, anonymous_token=token)
        cart_add(anonymous, cart=anon, sku_id=sock.pk, quantity=1, anonymous_token=token)
        assert token is not None
        merged = cart_merge_anonymous(as_shopper, anonymous_token=token)
        assert merged.pk == mine.pk
        assert dict(merged.lines.values_list("sku__product__name", "quantity")) == {"Shoe": 3, "Sock": 1}
        assert Cart.objects.get(pk=anon.pk).status == Cart.Status.MERGED

    def test_staff_do_not_get_a_cart_of_their_own(self, csr, store):
        with pytest.raises(DomainError):
            cart_open(ActingContext(user=csr, store=store), anonymous_token=None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_adds_make_one_active_cart(shopper, store):
    """RELIABILITY bar 14: at most one active cart per customer, enforced by the database."""
    sku = factories.product(store=store, stock=1000)
    ctx = ActingContext(user=shopper.user, customer=shopper, store=store)
    workers = 50
    barrier = threading.Barrier(workers)

    def first_add(_: int) -> str:
        try:
            barrier.wait()
            cart, _token = cart_open(ctx, anonymous_token=None)
            cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(first_add, range(workers)))
    assert outcomes == ["ok"] * workers
    assert Cart.objects.filter(customer=shopper, status=Cart.Status.ACTIVE).count() == 1
    assert CartLine.objects.get(cart__customer=shopper).quantity == workers


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_to_different_carts_never_deadlock(store):
    """Found by the benchmark on PostgreSQL: locking a cart also locked its store row, and eight
    shoppers' adds deadlocked against the audit chain head."""
    skus = [factories.product(store=store, name=f"Item {n}", stock=1000) for n in range(8)]
    workers = 8
    barrier = threading.Barrier(workers)

    def shop(n: int) -> str:
        try:
            ctx = ActingContext(user=None, store=store)
            barrier.wait()
            cart, token = cart_open(ctx, anonymous_token=None)
            for _ in range(10):
                cart = cart_add(ctx, cart=cart, sku_id=skus[n].pk, quantity=1, anonymous_token=token)
            return "ok"
        except Exception as exc:  # any failure, a deadlock included, is the test's finding
            return repr(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        assert list(pool.map(shop, range(workers))) == ["ok"] * workers
