"""The bulk generator: a generated data set is complete and consistent, found by the searches, the
same for the same seed, and every index is there after a load — one that failed included."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum

from concierge.core.context import ActingContext
from concierge.customers.models import Customer, CustomerSearchTerm
from concierge.customers.search import Criteria, customer_terms, find_customers
from concierge.demo import bulk_load
from concierge.demo.bulk_catalog import ORDER_TABLES, write_orders
from concierge.demo.management.commands.generate import FIRST_NUMBER
from concierge.orders.models import Order, OrderLine, Shipment
from concierge.orders.selectors import OrderSearch, search_orders
from concierge.returns.models import Return
from concierge.stores.models import Store
from concierge.testing import factories

pytestmark = pytest.mark.django_db

TABLES = [*ORDER_TABLES, "customers_customer", "customers_customersearchterm", "catalog_product", "returns_return"]


def generate(**counts: int | str) -> str:
    out = io.StringIO()
    call_command("generate", stdout=out, **counts)
    return out.getvalue()


def numbered(count: int) -> list[str]:
    """The shared IDs of the first ``count`` generated customers."""
    return [f"C{n:09d}" for n in range(FIRST_NUMBER, FIRST_NUMBER + count)]


def indexes() -> dict[str, str]:
    """Every index of the generator's tables, by name, with its definition."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES])
        else:
            marks = ", ".join(["%s"] * len(TABLES))
            # Only placeholders are formatted in; the table names are bound as parameters.
            cursor.execute(
                f"SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})",  # noqa: S608
                TABLES,
            )
        return dict(cursor.fetchall())


def constraints() -> set[tuple[str, str]]:
    """The foreign keys, unique constraints and primary keys of the generator's tables (PostgreSQL's
    loads drop and add them again; SQLite's keep them)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
            " WHERE k.contype IN ('f', 'p', 'u') AND t.relname = ANY(%s)",
            [TABLES],
        )
        return set(cursor.fetchall())


@pytest.fixture
def data_set():
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    generate(customers=40, products=12)
    generate(orders=80)
    return Order.objects.filter(number__startswith="G")


def test_every_generated_order_adds_up_and_ships_to_its_customer(data_set):
    assert data_set.count() == 80
    lines = OrderLine.objects.filter(order__in=data_set)
    for line in lines:
        assert line.total == line.subtotal == line.unit_price * line.quantity
        assert line.shipment.order_id == line.order_id
    per_order = data_set.annotate(lines_total=Sum("lines__total"), line_count=Count("lines", distinct=True))
    for order in per_order.select_related("customer"):
        assert 1 <= order.line_count <= 5
        assert order.subtotal == order.lines_total
        assert order.total == order.subtotal + order.shipping_total == order.lines_total + Decimal("5.95")
        address = order.customer.addresses.get(is_default_billing=True)
        assert (order.billing_last_name, order.billing_postal_code, order.email) == (
            address.last_name, address.postal_code, order.customer.email)  # fmt: skip
        assert order.store_id == order.customer.store_id
        assert order.billing_last_name_key.lower() == order.billing_last_name.lower()  # kept by the database
    shipments = Shipment.objects.filter(order__in=data_set)
    assert shipments.count() == 80
    assert {s.number for s in shipments} == {f"{o.number}-1" for o in data_set}


def test_generated_orders_are_found_by_the_order_search(data_set):
    order = data_set.order_by("id")[17]
    csr = factories.staff("CSR", stores=Store.objects.all())
    found = search_orders(
        ActingContext(user=csr),
        OrderSearch(last_name=order.billing_last_name[:3], email=order.email[:6], status=order.status),
    )
    assert order.pk in [o.pk for o in found.orders]
    assert [o.pk for o in search_orders(ActingContext(user=csr), OrderSearch(number=order.number)).orders] == [order.pk]


def test_generated_customers_have_the_find_terms_index_customers_writes_and_are_found(data_set):
    generated = Customer.objects.filter(shared_id__in=numbered(40))
    assert generated.count() == 40
    for customer in generated.prefetch_related("addresses"):
        address = customer.addresses.get()
        written = set(CustomerSearchTerm.objects.filter(customer=customer).values_list("term", flat=True))
        assert written == customer_terms(customer, [address.postal_code], [address.phone])
    one = generated.order_by("id")[11]
    found = find_customers(
        Criteria.parse({"last_name": one.last_name[:4], "email": one.email[:8]}),
        store_ids=Store.objects.values_list("pk", flat=True),
    )
    assert one.shared_id in [c.shared_id for c in found.customers]


def test_the_same_seed_writes_the_same_orders_and_a_rerun_adds_new_ones_only(data_set):
    def snapshot():
        return sorted(
            (o.number, o.customer_id, o.status, o.total, o.placed_at, tuple(o.lines.values_list("sku_id", "quantity")))
            for o in Order.objects.filter(number__startswith="G")
        )

    first = snapshot()
    generated = Order.objects.filter(number__startswith="G")
    OrderLine.objects.filter(order__in=generated).delete()
    Shipment.objects.filter(order__in=generated).delete()
    generated.delete()
    generate(orders=80)
    assert snapshot() == first
    generate(orders=10)
    assert Order.objects.filter(number__startswith="G").count() == 90
    assert Order.objects.values("number").distinct().count() == Order.objects.count()


def test_every_index_and_foreign_key_is_there_after_a_load_that_rebuilt_them(data_set):
    before, keys = indexes(), constraints()
    assert any(name == "orders_find_name" for name in before)
    generate(orders=30, indexes="rebuild")
    generate(customers=45, products=3, returns=2, indexes="rebuild")
    assert indexes() == before
    assert constraints() == keys
    assert Customer.objects.filter(shared_id__in=numbered(45)).count() == 45


def test_a_load_that_fails_writes_nothing_and_leaves_every_index(data_set, monkeypatch):
    before, keys, orders, lines = indexes(), constraints(), Order.objects.count(), OrderLine.objects.count()
    write = bulk_load.Load.write

    def fail_at_the_lines(self, table, *args, **kwargs):
        if table == "orders_orderline":
            raise RuntimeError("the disk is full")
        return write(self, table, *args, **kwargs)

    monkeypatch.setattr(bulk_load.Load, "write", fail_at_the_lines)
    with pytest.raises(RuntimeError, match="disk is full"):
        generate(orders=50, indexes="rebuild")
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)
    assert indexes() == before
    assert constraints() == keys
    monkeypatch.undo()
    generate(orders=50)  # and the next load goes through
    assert Order.objects.count() == orders + 50


def test_a_load_that_repeats_an_order_number_fails_whole(data_set):
    # the next load numbers its orders after the last id: an order holding one of those numbers
    # already is found when the load adds the unique constraint again (PostgreSQL) or as the row
    # comes (SQLite), and nothing of the load stays
    taken = Order.objects.latest("pk")
    taken.number = f"G{taken.pk + 6:010d}"
    taken.save(update_fields=["number"])
    before, keys, orders, lines = indexes(), constraints(), Order.objects.count(), OrderLine.objects.count()
    with pytest.raises(CommandError, match=r"No orders written: .*(unique|UNIQUE).*number"):
        generate(orders=30, indexes="rebuild")
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)
    assert indexes() == before
    assert constraints() == keys


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's unique constraints are the table's own")
def test_a_large_load_drops_only_the_unique_keys_no_other_table_refers_to(data_set):
    # the orders' key stays (payments, holds, returns … refer to it), and the lines' (return lines)
    dropped = {name for name, _, _ in bulk_load._deferrable(ORDER_TABLES).unique}
    assert dropped == {"orders_order_number_key", "orders_order_cart_id_key", "orders_shipment_number_key",
                       "orders_shipment_pkey"}  # fmt: skip


def test_generated_returns_are_of_completed_generated_orders(data_set):
    generate(orders=300)
    generate(returns=8)
    generated = Return.objects.filter(rma__startswith="RMA-0")
    assert generated.count() == 8
    for one in generated.select_related("order"):
        assert one.order.status == Order.Status.COMPLETED
        assert one.order_number == one.order.number
        assert one.lines.get().order_line.order_id == one.order_id


def test_no_progress_bar_is_drawn_off_a_terminal(data_set, capsys):
    generate(orders=5)
    assert capsys.readouterr().err == ""


def test_index_customers_gives_back_the_terms_of_customers_that_lost_them(data_set, capsys):
    lost = Customer.objects.filter(shared_id__in=numbered(5))
    kept = {c.pk: set(CustomerSearchTerm.objects.filter(customer=c).values_list("term", flat=True)) for c in lost}
    CustomerSearchTerm.objects.filter(customer__in=lost).delete()
    out = io.StringIO()
    call_command("index_customers", missing=True, batch=7, stdout=out)
    assert "5 customers indexed" in out.getvalue()
    assert capsys.readouterr().err == ""  # no bar off a terminal
    for customer_id, terms in kept.items():
        assert set(CustomerSearchTerm.objects.filter(customer_id=customer_id).values_list("term", flat=True)) == terms


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles exist only on PostgreSQL")
def test_a_role_that_does_not_own_the_tables_loads_with_every_index_kept(data_set):
    role = "concierge_generate_role_test"
    before, orders = indexes(), Order.objects.count()
    with connection.cursor() as cursor:  # all inside the test's transaction: the role goes with it
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
    generate(orders=30, indexes="rebuild")
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert Order.objects.count() == orders + 30
    assert indexes() == before


second_process_feeds_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the second process writes PostgreSQL's COPY text (SQLite draws in one)"
)


def _orders_snapshot() -> list[tuple]:
    return sorted(
        (o.number, o.customer_id, o.status, o.total, o.placed_at, o.billing_last_name,
         tuple(o.lines.order_by("id").values_list("sku_id", "quantity", "total", "shipment__number")))
        for o in Order.objects.filter(number__startswith="G")
    )  # fmt: skip


@second_process_feeds_postgres
def test_orders_drawn_by_a_second_process_are_the_ones_drawn_in_the_process(data_set):
    in_process = _orders_snapshot()
    generated = Order.objects.filter(number__startswith="G")
    OrderLine.objects.filter(order__in=generated).delete()
    Shipment.objects.filter(order__in=generated).delete()
    generated.delete()
    assert write_orders(count=80, second_process=True, batch=30) == 80
    assert _orders_snapshot() == in_process
    assert OrderLine.objects.filter(order__number__startswith="G").count() == sum(len(o[-1]) for o in in_process)


@second_process_feeds_postgres
def test_a_load_fed_by_a_second_process_that_fails_writes_nothing(data_set, monkeypatch):
    before, keys, orders, lines = indexes(), constraints(), Order.objects.count(), OrderLine.objects.count()
    write = bulk_load.Load.write_copy_text

    def fail_at_the_lines(self, table, *args, **kwargs):
        if table == "orders_orderline":
            raise RuntimeError("the disk is full")
        return write(self, table, *args, **kwargs)

    monkeypatch.setattr(bulk_load.Load, "write_copy_text", fail_at_the_lines)
    with pytest.raises(RuntimeError, match="disk is full"):
        write_orders(count=50, second_process=True, rebuild_indexes=True)
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)
    assert indexes() == before
    assert constraints() == keys
