"""The order console's services and selectors: locks, stale edits, state rules, search, timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound
from concierge.orders import locks, services
from concierge.orders.editing import EditGuard
from concierge.orders.models import Order, Shipment
from concierge.orders.selectors import OrderSearch, Sort, access_order, order_timeline, search_orders
from concierge.orders.tests.builders import order_row, placed_order
from concierge.testing import factories

pytestmark = pytest.mark.django_db

ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "1 New St", "city": "Dallas",
           "region": "TX", "postal_code": "75201", "country": "us"}  # fmt: skip


def lock(user, order) -> str:
    return locks.order_lock(ActingContext(user=user), order_id=order.pk).token


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def save_billing(user, order: Order, token: str, *, version: int | str | None = "loaded", address=ADDRESS) -> Order:
    """``user`` saves the billing address under ``token`` at ``version`` (by default the version
    ``order`` was loaded at)."""
    guard = EditGuard(version=order.version if version == "loaded" else version, lease_token=token)  # type: ignore[arg-type]  # a str version is the point of some tests
    return services.order_billing_update(ActingContext(user=user), order_id=order.pk, guard=guard, address=address)


def save_shipping(user, order: Order, shipment: Shipment, token: str, method: str) -> Shipment:
    """``user`` saves ``shipment``'s shipping ``method`` (and ADDRESS) at the version ``order`` was loaded at."""
    guard = EditGuard(version=order.version, lease_token=token)
    return services.shipment_shipping_update(ActingContext(user=user), shipment_id=shipment.pk, guard=guard,
                                             shipping_method_code=method, address=ADDRESS)  # fmt: skip


# --- Locks ----------------------------------------------------------------------------------------


def test_opening_for_edit_locks_and_a_second_csr_is_refused_naming_the_holder(order, csr, store):
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    lock(csr, order)
    with pytest.raises(DomainError) as refused:
        lock(bob, order)
    assert refused.value.code == "order.locked"
    assert refused.value.status == 409
    assert "Ann Agent is modifying order" in refused.value.message
    assert refused.value.data["locked_by"] == "Ann Agent"
    assert Event.objects.filter(action="order.locked", subject_id=str(order.pk)).count() == 1


def test_the_holder_reopening_keeps_the_same_token_and_can_finish(order, csr):
    # given Ann's browser crashed while she edited
    token = lock(csr, order)
    # when she opens the order again
    again = lock(csr, order)
    # then she carries on with the same lock and saves
    assert again == token
    save_billing(csr, order, again)
    assert fresh(order).billing_city == "Dallas"
    assert Event.objects.filter(action="order.locked").count() == 1


def test_saving_unlocks_and_bumps_the_version_once(order, csr):
    token = lock(csr, order)
    save_billing(csr, order, token)
    saved = fresh(order)
    assert saved.version == order.version + 1
    assert not saved.lease_is_live()
    assert saved.billing_country == "US"


def test_a_save_based_on_an_older_version_is_refused_and_changes_nothing(order, csr, supervisor):
    # given Ann locked at version v, then a supervisor unlocked and changed the order
    token = lock(csr, order)
    locks.order_force_unlock(ActingContext(user=supervisor), order_id=order.pk, reason="Ann is away")
    sam_token = lock(supervisor, order)
    save_billing(supervisor, order, sam_token, address={**ADDRESS, "city": "El Paso"})
    # when Ann saves what she loaded at version v
    with pytest.raises(DomainError) as refused:
        save_billing(csr, order, token)
    # then she is told the order has been modified since the page was loaded; nothing is overwritten
    assert refused.value.code == "order.stale"
    assert refused.value.status == 412
    assert "the order has been modified since the page was loaded" in refused.value.message
    assert fresh(order).billing_city == "El Paso"


def test_a_save_without_a_version_is_428(order, csr):
    token = lock(csr, order)
    with pytest.raises(DomainError) as refused:
        save_billing(csr, order, token, version=None)
    assert (refused.value.code, refused.value.status) == ("order.version_required", 428)


def test_a_former_holders_token_is_refused_after_an_unlock_even_at_the_same_version(order, csr, supervisor):
    token = lock(csr, order)
    locks.order_force_unlock(ActingContext(user=supervisor), order_id=order.pk, reason="stuck")
    with pytest.raises(DomainError) as refused:
        save_billing(csr, order, token)
    assert (refused.value.code, refused.value.status) == ("order.lock_lost", 409)
    assert fresh(order).billing_city == "Austin"


def test_starting_an_edit_from_an_old_page_is_refused_with_the_seed_message(order, csr):
    with pytest.raises(DomainError) as refused:
        locks.order_lock(ActingContext(user=csr), order_id=order.pk, expected_version=order.version - 1)
    assert refused.value.message == f"Order {order.number} cannot be edited as another user has made changes."
    assert not fresh(order).lease_is_live()


def test_an_idle_lock_expires_after_the_ttl_not_before(order, csr, store, clock):
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    token = lock(csr, order)
    clock.advance(locks.ORDER_LEASE_TTL - dt.timedelta(seconds=1))
    with pytest.raises(DomainError):
        lock(bob, order)
    clock.advance(dt.timedelta(seconds=2))
    bob_token = lock(bob, order)
    assert bob_token != token
    with pytest.raises(DomainError) as refused:
        save_billing(csr, order, token)
    assert refused.value.code == "order.lock_lost"


def test_force_unlock_needs_the_privilege_and_a_reason_and_names_the_previous_holder(order, csr, store, supervisor):
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    lock(csr, order)
    with pytest.raises(DomainError) as refused:
        locks.order_force_unlock(ActingContext(user=bob), order_id=order.pk, reason="because")
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        locks.order_force_unlock(ActingContext(user=supervisor), order_id=order.pk, reason="  ")
    assert refused.value.code == "order.unlock_reason_required"
    assert fresh(order).lease_holder_id == csr.pk
    assert locks.order_force_unlock(ActingContext(user=supervisor), order_id=order.pk, reason="Ann is ill") == csr.pk
    event = Event.objects.get(action="order.force_unlocked")
    assert event.actor_id == supervisor.pk
    assert event.changes == {"locked_by": ["Ann Agent", None]}
    assert event.data["previous_holder_id"] == csr.pk
    assert event.data["reason"] == "Ann is ill"


def test_only_the_holder_releases(order, csr, store):
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    lock(csr, order)
    with pytest.raises(DomainError):
        locks.order_unlock(ActingContext(user=bob), order_id=order.pk, lease_token="not-the-token")
    assert fresh(order).lease_holder_id == csr.pk


def test_signing_out_releases_every_order_the_csr_has_open(shopper, store, csr, client):
    first, second = placed_order(shopper, store, shipments=1), placed_order(shopper, store, shipments=1)
    client.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    lock(csr, first)
    lock(csr, second)
    client.post("/account/sign-out/")
    assert not fresh(first).lease_is_live()
    assert not fresh(second).lease_is_live()
    assert Event.objects.filter(action="order.unlocked", data__reason="signed out").count() == 2


# --- State rules (seed 004) -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["COMPLETED", "CANCELLED"])
def test_the_billing_address_of_a_completed_or_cancelled_order_cannot_change(order, csr, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    token = lock(csr, order)
    with pytest.raises(DomainError) as refused:
        save_billing(csr, order, token)
    assert (refused.value.code, refused.value.status) == ("order.not_editable", 409)
    assert fresh(order).billing_city == "Austin"


@pytest.mark.parametrize("status", ["RELEASED", "SHIPPED", "CANCELLED"])
def test_shipping_of_a_released_shipment_cannot_change(order, csr, status):
    shipment = order.shipments.order_by("number").first()
    Shipment.objects.filter(pk=shipment.pk).update(status=status)
    token = lock(csr, order)
    with pytest.raises(DomainError) as refused:
        save_shipping(csr, order, shipment, token, "economy")
    assert refused.value.code == "order.not_editable"
    assert Shipment.objects.get(pk=shipment.pk).shipping_method_name == "Standard"


def test_changing_the_shipping_method_reprices_the_order_and_records_before_and_after(order, csr):
    shipment = order.shipments.order_by("number").first()
    token = lock(csr, order)
    save_shipping(csr, order, shipment, token, "economy")
    saved = fresh(order)
    assert saved.total == order.total - Decimal("2.00")
    assert saved.shipping_total == order.shipping_total - Decimal("2.00")
    event = Event.objects.get(action="shipment.shipping_changed")
    assert event.changes["shipping_method"] == ["Standard", "Economy"]
    assert event.changes["ship_city"] == ["Austin", "Dallas"]


def test_a_method_costing_more_than_was_authorized_needs_a_new_authorization(order, csr):
    """Saved directly, it is refused with the code that sends it through Payment Authorization
    (orders/amendments.py::propose_shipping; the Details tab does so itself)."""
    shipment = order.shipments.order_by("number").first()
    token = lock(csr, order)
    with pytest.raises(DomainError) as refused:
        save_shipping(csr, order, shipment, token, "express")
    assert refused.value.code == "order.authorization_required"
    assert fresh(order).total == order.total


def test_release_keeps_the_lock_and_cancel_shipment_restocks(order, csr):
    first, second = order.shipments.order_by("number")
    token = lock(csr, order)
    services.shipment_release(
        ActingContext(user=csr), shipment_id=first.pk, guard=EditGuard(version=order.version, lease_token=token)
    )
    after_release = fresh(order)
    assert after_release.lease_holder_id == csr.pk
    sku = second.lines.get().sku
    stock = sku.stock_on_hand
    services.shipment_cancel(
        ActingContext(user=csr),
        shipment_id=second.pk,
        guard=EditGuard(version=after_release.version, lease_token=token),
        reason="Customer no longer wants the hat",
    )
    sku.refresh_from_db()
    assert sku.stock_on_hand == stock + 1
    assert Shipment.objects.get(pk=second.pk).status == "CANCELLED"
    with pytest.raises(DomainError) as refused:
        services.shipment_cancel(
            ActingContext(user=csr),
            shipment_id=first.pk,
            guard=EditGuard(version=fresh(order).version, lease_token=token),
            reason="too late",
        )
    assert refused.value.code == "order.not_editable"


def test_cancelling_from_the_console_cancels_and_unlocks(order, csr):
    token = lock(csr, order)
    services.order_cancel(ActingContext(user=csr), order_id=order.pk, reason="Customer called",
                          guard=EditGuard(version=order.version, lease_token=token))  # fmt: skip
    saved = fresh(order)
    assert saved.status == "CANCELLED"
    assert not saved.lease_is_live()


# --- Timeline -------------------------------------------------------------------------------------


def test_the_timeline_shows_each_change_once_with_actor_and_on_behalf_of(order, csr, shopper):
    token = lock(csr, order)
    save_billing(csr, order, token)
    services.order_note_add(ActingContext(user=csr), order_id=order.pk, text="Customer called about the city.")
    entries = order_timeline(fresh(order))
    actions = [e.event.action for e in entries]
    # newest first, each change once
    assert actions[:4] == ["order.note_added", "order.unlocked", "order.billing_address_changed", "order.locked"]
    assert actions.count("order.billing_address_changed") == 1
    assert actions[-2:] == ["order.placed", "payment.authorize_succeeded"]
    change = entries[2]
    assert change.event.actor_label == "Ann Agent"
    assert change.on_behalf_of == shopper.display_name
    assert change.event.changes == {
        "billing_line1": ["100 Congress Ave", "1 New St"],
        "billing_city": ["Austin", "Dallas"],
        "billing_postal_code": ["78701", "75201"],
    }
    placed = entries[-2]
    assert placed.event.actor_id == shopper.user_id
    assert placed.on_behalf_of == ""  # the shopper acted for themself


def test_a_note_must_have_text(order, csr):
    with pytest.raises(DomainError) as refused:
        services.order_note_add(ActingContext(user=csr), order_id=order.pk, text="   ")
    assert refused.value.code == "order.note_invalid"


# --- Store scope (RELIABILITY bar 9) --------------------------------------------------------------


def test_a_csr_of_another_store_never_reaches_the_order(order, csr_other_store):
    ctx = ActingContext(user=csr_other_store)
    with pytest.raises(NotFound):
        access_order(ctx, order.number)
    assert search_orders(ctx, OrderSearch(number=order.number)).orders == []
    assert search_orders(ctx, OrderSearch()).orders == []
    with pytest.raises(NotFound):
        locks.order_lock(ctx, order_id=order.pk)
    with pytest.raises(NotFound):
        services.order_note_add(ctx, order_id=order.pk, text="hello")


def test_a_shopper_reaches_no_order_through_the_console_selectors(order, shopper):
    ctx = ActingContext(user=shopper.user, customer=shopper)
    with pytest.raises(NotFound):
        access_order(ctx, order.number)
    assert search_orders(ctx, OrderSearch()).orders == []


# --- Search ---------------------------------------------------------------------------------------


@pytest.fixture
def rows(shopper, store, other_store):
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    specs = [
        ("US00000003", store, "Zoe", "Adams", "30.00", "COMPLETED", 3),
        ("US00000001", store, "Ann", "brown", "10.00", "CREATED", 1),
        ("CA00000002", other_store, "Bea", "Carter", "20.00", "ON_HOLD", 2),
        ("US00000004", store, "Cal", "Brown", "20.00", "CANCELLED", 5),
        ("CA00000005", other_store, "Dan", "Evans", "50.00", "IN_PROGRESS", 4),
    ]
    return {
        number: order_row(shopper, s, number=number, billing_first_name=first, billing_last_name=last,
                          total=Decimal(total), status=status, placed_at=now - dt.timedelta(days=age))
        for number, s, first, last, total, status, age in specs
    }  # fmt: skip


EXPECTED = {
    Sort.NUMBER: ["CA00000002", "CA00000005", "US00000001", "US00000003", "US00000004"],
    # by store name (Northwind Outfitters < Northwind Outfitters Canada), then id
    Sort.STORE: ["US00000003", "US00000001", "US00000004", "CA00000002", "CA00000005"],
    # by last name (case-insensitive), then first name
    Sort.CUSTOMER: ["US00000003", "US00000001", "US00000004", "CA00000002", "CA00000005"],
    Sort.PLACED: ["US00000004", "CA00000005", "US00000003", "CA00000002", "US00000001"],
    Sort.TOTAL: ["US00000001", "CA00000002", "US00000004", "US00000003", "CA00000005"],
    Sort.STATUS: ["US00000004", "US00000003", "US00000001", "CA00000005", "CA00000002"],
}


def _numbers(page) -> list[str]:
    return [o.number for o in page.orders]


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways_and_pages_by_keyset(rows, supervisor, sort, descending):
    ctx = ActingContext(user=supervisor)
    expected = EXPECTED[sort][::-1] if descending else EXPECTED[sort]
    # descending reverses every column, the tie-breaking id too: exactly the ascending list reversed
    whole = search_orders(ctx, OrderSearch(sort=sort, direction="desc" if descending else "asc"))
    assert _numbers(whole) == expected
    # two rows a page, following the cursor, gives the same order
    seen, after = [], ""
    while True:
        terms = OrderSearch(sort=sort, direction="desc" if descending else "asc", after=after, limit=2)
        page = search_orders(ctx, terms)
        seen += _numbers(page)
        assert page.total == 5
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen == expected


def test_the_default_order_is_by_order_number(rows, supervisor):
    assert _numbers(search_orders(ActingContext(user=supervisor), OrderSearch())) == EXPECTED[Sort.NUMBER]


def test_customer_terms_match_the_billing_address_by_prefix_case_insensitively(rows, supervisor, shopper, store):
    ctx = ActingContext(user=supervisor)
    assert _numbers(search_orders(ctx, OrderSearch(last_name="BRO"))) == ["US00000001", "US00000004"]
    assert _numbers(search_orders(ctx, OrderSearch(last_name="bro", first_name="c"))) == ["US00000004"]
    assert search_orders(ctx, OrderSearch(last_name="bro", limit=1)).total == 2  # counted past the page
    assert search_orders(ctx, OrderSearch(last_name="bro", status="CANCELLED")).total == 1
    # the customer's own record says "Shopper": only the billing address counts
    assert _numbers(search_orders(ctx, OrderSearch(last_name="shopper"))) == []
    special = order_row(shopper, store, email="Pat.Smith@Example.com", billing_phone="+1 (512) 555-0101",
                        billing_postal_code="K1A 0B1")  # fmt: skip
    assert _numbers(search_orders(ctx, OrderSearch(email="pat.smith@"))) == [special.number]
    assert _numbers(search_orders(ctx, OrderSearch(phone="1512555"))) == [special.number]
    assert _numbers(search_orders(ctx, OrderSearch(postal_code="k1a0"))) == [special.number]
    assert _numbers(search_orders(ctx, OrderSearch(number=special.number.lower()))) == [special.number]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL chooses the name search index by itself")
def test_on_sqlite_a_last_name_search_reads_its_page_and_its_count_through_the_name_index(rows, supervisor):
    ctx = ActingContext(user=supervisor)
    with CaptureQueriesContext(connection) as by_last_name:
        page = search_orders(ctx, OrderSearch(last_name="bro", status="CANCELLED", sort=Sort.TOTAL))
    assert (_numbers(page), page.total) == (["US00000004"], 1)
    hinted = [q["sql"] for q in by_last_name.captured_queries if 'INDEXED BY "orders_find_name"' in q["sql"]]
    assert len(hinted) == 2  # the page's ids and their count
    assert any(sql.startswith("SELECT COUNT(*)") for sql in hinted)
    # a first name alone is the first-name index's: the name index would be read whole
    with CaptureQueriesContext(connection) as by_first_name:
        page = search_orders(ctx, OrderSearch(first_name="cal"))
    assert (_numbers(page), page.total) == (["US00000004"], 1)
    assert not [q for q in by_first_name.captured_queries if "INDEXED BY" in q["sql"]]


def test_status_store_and_dates_filter(rows, supervisor):
    ctx = ActingContext(user=supervisor)
    assert _numbers(search_orders(ctx, OrderSearch(status="ON_HOLD"))) == ["CA00000002"]
    assert _numbers(search_orders(ctx, OrderSearch(store="ca"))) == ["CA00000002", "CA00000005"]
    window = OrderSearch(placed_from=dt.date(2026, 10, 28), placed_to=dt.date(2026, 10, 29))
    assert _numbers(search_orders(ctx, window)) == ["CA00000005", "US00000003"]


def test_a_csr_searches_only_the_stores_they_serve(rows, csr):
    page = search_orders(ActingContext(user=csr), OrderSearch())
    assert _numbers(page) == ["US00000001", "US00000003", "US00000004"]
    assert search_orders(ActingContext(user=csr), OrderSearch(store="ca")).orders == []
    # a store out of scope with a name term (SQLite's index-hinted path) matches nothing, no error
    out_of_scope = search_orders(ActingContext(user=csr), OrderSearch(store="ca", last_name="bro"))
    assert (out_of_scope.orders, out_of_scope.total) == ([], 0)


def test_a_damaged_cursor_is_a_clear_error(rows, supervisor):
    with pytest.raises(DomainError) as refused:
        search_orders(ActingContext(user=supervisor), OrderSearch(sort=Sort.TOTAL, after="bm90LWEtY3Vyc29y"))
    assert (refused.value.code, refused.value.status) == ("order.search_invalid", 404)
