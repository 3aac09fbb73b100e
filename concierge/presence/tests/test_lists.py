"""The customer list framework (presence/lists.py): the default lists, each kind's query, store
scoping, who sees which list, sorting and paging, parameters, and the statements a page costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from concierge.assist.models import AssistedSession
from concierge.carts.services import cart_add, cart_open
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders.editing import SYSTEM
from concierge.orders.pickup import pickup_mark_ready
from concierge.orders.tests.pickup_support import pickup_order
from concierge.presence.lists import REGISTRY, access_list, list_count, list_page, visible_lists
from concierge.presence.models import CustomerList
from concierge.presence.tests.list_support import in_store
from concierge.stores.models import Store
from concierge.testing import factories

pytestmark = pytest.mark.django_db

IN_STORE = "current-in-store-customers"
PICKUP = "pick-up-in-store-customers"
SESSIONS = "recent-assisted-sessions"
CARTS = "open-carts-over-threshold"


def _names(page) -> list[str]:
    return [row.customer.display_name for row in page.rows]


def test_the_default_lists_are_there_with_the_seeds_columns(csr):
    lists = visible_lists(ActingContext(user=csr))
    assert [lst.name for lst in lists] == [
        "Current In-Store Customers",
        "Pick-Up In-Store Customers",
        "Recent assisted sessions",
        "Customers with open carts over a threshold",
    ]
    for lst in lists:
        assert lst.definition.columns[:3] == ["name", "email", "phone"]
    in_store_list = lists[0].definition.columns
    assert "zone" in in_store_list
    assert "since" in in_store_list


def test_in_store_shows_customers_seen_within_the_quiet_time(csr, store, shopper, other_shopper, clock):
    Store.objects.filter(pk=store.pk).update(presence_quiet_minutes=10)
    in_store(shopper, store, zone="Footwear", minutes_ago=2)
    in_store(other_shopper, store, zone="Entrance", minutes_ago=11)  # quiet for longer than the store's time
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, IN_STORE))
    assert _names(page) == ["Jane Shopper"]
    cells = {column.key: value for column, value in page.rows[0].cells}
    assert (cells["zone"], cells["email"]) == ("Footwear", "jane@example.com")
    # when the quiet time passes for her too, she is gone
    clock.advance(dt.timedelta(minutes=9))
    assert list_count(ctx, access_list(ctx, IN_STORE)) == 0


def test_staff_see_only_their_stores_rows(csr, csr_other_store, supervisor, store, other_store, shopper):
    canadian = factories.shopper(store=other_store, first_name="Chloe", last_name="Tremblay")
    in_store(shopper, store)
    in_store(canadian, other_store)
    names = {}
    for who in (csr, csr_other_store, supervisor):
        ctx = ActingContext(user=who)
        names[who.first_name] = sorted(_names(list_page(ctx, access_list(ctx, IN_STORE))))
    assert names == {"Ann": ["Jane Shopper"], "Carla": ["Chloe Tremblay"],
                     "Sam": ["Chloe Tremblay", "Jane Shopper"]}  # fmt: skip


def test_a_list_for_some_roles_and_stores_is_hidden_from_others(csr, supervisor, other_store):
    definition = CustomerList.objects.get(slug=CARTS)
    definition.roles.set([Group.objects.get(name="Supervisor")])
    assert CARTS not in [lst.slug for lst in visible_lists(ActingContext(user=csr))]
    assert CARTS in [lst.slug for lst in visible_lists(ActingContext(user=supervisor))]
    # a list for the Canadian store only: the supervisor (who serves both) sees only its rows
    definition.stores.set([other_store])
    assert access_list(ActingContext(user=supervisor), CARTS).store_ids == frozenset({other_store.pk})
    with pytest.raises(DomainError) as hidden:
        access_list(ActingContext(user=csr), CARTS)
    assert (hidden.value.code, hidden.value.status) == ("list.not_found", 404)


def test_shoppers_sellers_and_warehouse_see_no_lists(shopper, seller, warehouse):
    for who in (shopper.user, seller, warehouse):
        assert visible_lists(ActingContext(user=who)) == []


def test_an_inactive_list_is_not_shown(csr):
    CustomerList.objects.filter(slug=SESSIONS).update(is_active=False)
    assert SESSIONS not in [lst.slug for lst in visible_lists(ActingContext(user=csr))]


def test_sorting_by_a_column_and_paging(csr, store):
    for n, last in enumerate(["Young", "Adams", "Miller"]):
        in_store(factories.shopper(store=store, first_name="Kim", last_name=last), store, minutes_ago=n + 1)
    CustomerList.objects.filter(slug=IN_STORE).update(page_size=2)
    ctx = ActingContext(user=csr)
    lst = access_list(ctx, IN_STORE)
    # the default: latest arrivals first
    first = list_page(ctx, lst)
    assert (_names(first), first.pages, first.total) == (["Kim Young", "Kim Adams"], 2, 3)
    assert _names(list_page(ctx, lst, page=2)) == ["Kim Miller"]
    assert _names(list_page(ctx, lst, sort="name", descending=False)) == ["Kim Adams", "Kim Miller"]
    assert _names(list_page(ctx, lst, sort="name", descending=True)) == ["Kim Young", "Kim Miller"]


def test_sorting_by_a_column_the_list_does_not_show_or_cannot_sort_is_refused(csr):
    ctx = ActingContext(user=csr)
    lst = access_list(ctx, IN_STORE)
    for sort in ("cart_total", "nonsense"):
        with pytest.raises(DomainError) as refused:
            list_page(ctx, lst, sort=sort)
        assert (refused.value.code, refused.value.status) == ("list.sort_invalid", 400)
    with pytest.raises(DomainError) as past:
        list_page(ctx, lst, page=5)
    assert past.value.code == "list.page_invalid"


def test_pickup_lists_orders_to_collect_with_in_store_customers_first(csr, store, shopper, other_shopper):
    first = pickup_order(other_shopper, store)  # placed first: first by the default sort
    second = pickup_order(shopper, store)
    in_store(shopper, store, zone="Customer service desk")
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, PICKUP))
    assert [(r.obj.order.number, r.in_store) for r in page.rows] == [(second.number, True), (first.number, False)]
    cells = {column.key: value for column, value in page.rows[0].cells}
    assert (cells["pickup_status"], cells["pickup_order"]) == ("Not ready", second.number)
    assert cells["primary_contact"] == "Jane Shopper · jane@example.com · +15125550100"


def test_pickup_shows_ready_and_leaves_out_picked_up_orders(csr, store, shopper, system_ctx):
    order = pickup_order(shopper, store)
    pickup_mark_ready(system_ctx, shipment_id=order.shipments.get().pk, guard=SYSTEM)
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, PICKUP))
    assert [dict((c.key, v) for c, v in r.cells)["pickup_status"] for r in page.rows] == ["Ready for pickup"]
    from concierge.orders.pickup import pickup_collected

    pickup_collected(system_ctx, shipment_id=order.shipments.get().pk, guard=SYSTEM)
    assert list_count(ctx, access_list(ctx, PICKUP)) == 0


def test_pickup_at_another_stores_location_is_not_listed(csr, other_store):
    canadian = factories.shopper(store=other_store, first_name="Chloe", last_name="Tremblay")
    pickup_order(canadian, other_store)
    ctx = ActingContext(user=csr)
    assert list_count(ctx, access_list(ctx, PICKUP)) == 0


def test_recent_sessions_are_the_csrs_own_with_how_they_ended(csr, store, shopper, other_shopper, supervisor):
    now = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)
    AssistedSession.objects.create(
        agent=csr,
        customer=shopper,
        started_at=now - dt.timedelta(hours=2),
        status="ENDED",
        ended_at=now - dt.timedelta(hours=1),
        end_reason="IDLE",
    )
    AssistedSession.objects.create(agent=csr, customer=other_shopper, started_at=now)
    AssistedSession.objects.create(agent=supervisor, customer=shopper, started_at=now, status="ENDED",
                                   ended_at=now, end_reason="SIGNED_OUT")  # fmt: skip
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, SESSIONS))
    how = [(r.customer.first_name, dict((c.key, v) for c, v in r.cells)["how_ended"]) for r in page.rows]
    assert how == [("Omar", "Still open"), ("Jane", "Idle timeout")]


def test_recent_sessions_keep_the_last_twenty(csr, shopper):
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    for n in range(22):
        AssistedSession.objects.create(
            agent=csr,
            customer=shopper,
            started_at=start + dt.timedelta(minutes=n),
            status="ENDED",
            ended_at=start + dt.timedelta(minutes=n),
            end_reason="IDLE",
        )
    ctx = ActingContext(user=csr)
    assert list_count(ctx, access_list(ctx, SESSIONS)) == 20


def test_open_carts_over_the_threshold(csr, store, shopper, other_shopper):
    for customer, price in ((shopper, "150.00"), (other_shopper, "30.00")):
        ctx = ActingContext(user=customer.user, customer=customer, store=store)
        cart, _ = cart_open(ctx, anonymous_token=None)
        cart_add(ctx, cart=cart, sku_id=factories.product(store=store, name=f"Tent {price}", price=price).pk,
                 quantity=1)  # fmt: skip
    ctx = ActingContext(user=csr)
    page = list_page(ctx, access_list(ctx, CARTS))
    assert [(r.customer.first_name, dict((c.key, v) for c, v in r.cells)["cart_total"]) for r in page.rows] == [
        ("Jane", Decimal("150.00"))
    ]
    CustomerList.objects.filter(slug=CARTS).update(parameters={"threshold": "20"})
    assert list_count(ctx, access_list(ctx, CARTS)) == 2


def test_every_kind_validates_its_parameters():
    carts = REGISTRY["open_carts"]
    assert carts.clean_parameters({"threshold": "12.50"}) == {"threshold": Decimal("12.50")}
    for bad, message in (({"threshold": "lots"}, "Enter an amount."), ({"threshold": "-1"}, "Enter 0 or more."),
                         ({"colour": "red"}, "has no parameter colour")):  # fmt: skip
        with pytest.raises(DomainError) as refused:
            carts.clean_parameters(bad)
        assert message in str(refused.value.fields)
    assert REGISTRY["recent_sessions"].clean_parameters({}) == {"limit": 20}


def test_every_column_of_every_kind_renders(csr, store, shopper, system_ctx):
    """Each column of each catalogue, all at once on one list: nothing missing, no query per row."""
    in_store(shopper, store)
    pickup_order(shopper, store)
    AssistedSession.objects.create(agent=csr, customer=shopper)
    ctx = ActingContext(user=csr)
    CustomerList.objects.filter(slug=CARTS).update(parameters={"threshold": "0"})
    cart, _ = cart_open(ActingContext(user=shopper.user, customer=shopper, store=store), anonymous_token=None)
    cart_add(ActingContext(user=shopper.user, customer=shopper, store=store), cart=cart,
             sku_id=factories.product(store=store, name="Stove", price="60.00").pk, quantity=2)  # fmt: skip
    for definition in CustomerList.objects.all():
        kind = REGISTRY[definition.kind]
        definition.columns = list(kind.column_keys)
        definition.save()
        page = list_page(ctx, access_list(ctx, definition.slug))
        assert page.rows, definition.name
        cells = dict((c.key, v) for c, v in page.rows[0].cells)
        assert set(cells) == set(kind.column_keys)
        assert cells["open_orders"] == 1
        assert cells["last_order"]


@pytest.mark.parametrize("slug", [IN_STORE, PICKUP, SESSIONS, CARTS])
def test_a_page_costs_the_same_statements_for_3_rows_and_for_30(csr, store, slug, django_assert_max_num_queries):
    def fill(n: int) -> None:
        for _ in range(n):
            customer = factories.shopper(store=store)
            in_store(customer, store)
            pickup_order(customer, store)
            AssistedSession.objects.create(agent=csr, customer=customer, status="ENDED", end_reason="IDLE",
                                           ended_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # fmt: skip
            ctx = ActingContext(user=customer.user, customer=customer, store=store)
            cart = customer.carts.filter(status="ACTIVE").first() or cart_open(ctx, anonymous_token=None)[0]
            cart_add(ctx, cart=cart, sku_id=factories.product(store=store, name="Pack", price="200").pk, quantity=1)

    definition = CustomerList.objects.get(slug=slug)
    definition.columns = list(REGISTRY[definition.kind].column_keys)
    definition.page_size = 50
    definition.save()
    ctx = ActingContext(user=csr)
    lst = access_list(ctx, slug)
    counts, total = [], 0
    for n in (3, 27):
        fill(n)
        total += n
        with django_assert_max_num_queries(4) as captured:
            page = list_page(ctx, lst)
        counts.append(len(captured.captured_queries))
        assert len(page.rows) == min(total, 20 if slug == SESSIONS else 50)
    assert counts[0] == counts[1]
