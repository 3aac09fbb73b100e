"""Bulk products and orders for benchmarks: rows written by ``bulk_load`` (COPY on PostgreSQL), ids
chosen up front, no per-row ORM work."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from collections.abc import Iterator
from decimal import Decimal
from queue import Empty

from django.utils import timezone

from concierge.catalog.models import Category, PriceList, Product, Sku
from concierge.catalog.search import words
from concierge.core.progress import Bar, progress_bar
from concierge.customers.models import Customer
from concierge.demo.bulk_load import Load, bulk_load, is_large
from concierge.demo.order_rows import SHIPPING, ZERO, Plan, batches, send_copy_text
from concierge.orders.models import Order
from concierge.stores.models import Store

NOUNS = ["Runner", "Boot", "Jacket", "Pack", "Tent", "Stove", "Tee", "Pants", "Hat", "Gloves", "Lamp", "Poles",
         "Bottle", "Vest", "Shorts", "Socks", "Sandal", "Parka", "Hoodie", "Duffel"]  # fmt: skip
ADJECTIVES = ["Alpine", "Summit", "Ridge", "Canyon", "Coastal", "Granite", "Aurora", "Cascade", "Desert",
              "Glacier", "Harbor", "Meadow", "Prairie", "Sierra", "Tundra", "Valley", "Willow", "Cedar", "Falcon",
              "Orbit"]  # fmt: skip
MATERIALS = ["Merino", "Nylon", "Canvas", "Gore", "Down", "Fleece", "Titanium", "Carbon", "Cotton", "Hemp"]

PRODUCT_TABLES = ["catalog_product", "catalog_sku", "catalog_price", "catalog_searchterm"]
ORDER_TABLES = ["orders_order", "orders_shipment", "orders_orderline"]


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def write_products(
    *, count: int, seed: int = 1, batch: int = 5000, rebuild_indexes: bool | None = None, progress: bool = False
) -> int:
    """``count`` products, each with one or two SKUs priced in every store's base list, indexed
    for keyword search. Numbered after the existing products, so re-runs add more."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    categories = list(Category.objects.order_by("id")) or [Category.objects.create(name="General", slug="general")]
    stores = list(Store.objects.order_by("id"))
    base_lists = [
        PriceList.objects.get_or_create(
            store=s, currency=s.currency, segment=None, account=None, defaults={"name": f"{s.name} prices"}
        )[0].pk
        for s in stores
    ]
    if rebuild_indexes is None:
        rebuild_indexes = is_large(count, Product.objects.count())
    written = 0
    with (
        bulk_load(PRODUCT_TABLES, rebuild_indexes=rebuild_indexes, progress=progress) as load,
        progress_bar("products", total=count, unit="products", enabled=progress) as bar,
    ):
        now = load.stamp(timezone.now())
        for numbers in _chunks(count, batch):
            products, skus, terms = [], [], []
            for n in load.ids("catalog_product", len(numbers)):
                category = categories[rng.randrange(len(categories))]
                name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)} {n}"
                material, place = rng.choice(MATERIALS).lower(), rng.choice(ADJECTIVES).lower()
                description = f"{name}: {material} build for {place} trails."
                products.append((n, name, f"p-{n}", description, category.pk, n % 360, True, now))
                for variant in range(1 + n % 2):
                    label = "Large" if variant else "Standard"
                    skus.append((n, f"GEN-{n}-{variant}", label, "{}", "SHIPPABLE", True, 1000, True))
                parts = (name, description, category.name, f"GEN-{n}-0")
                terms += [(w, n) for w in sorted({w for part in parts for w in words(part) if len(w) >= 2})]
            load.write(
                "catalog_product",
                ["id", "name", "slug", "description", "category_id", "image_hue", "is_active", "created_at"],
                products,
            )
            sku_ids = load.ids("catalog_sku", len(skus))
            load.write(
                "catalog_sku",
                ["id", "product_id", "code", "name", "options", "kind", "track_stock", "stock_on_hand", "is_active"],
                [(sku_id, *sku) for sku_id, sku in zip(sku_ids, skus, strict=True)],
            )
            prices = [
                (price_list, sku_id, Decimal(10 + (sku_id * 7919) % 240) + Decimal("0.95"))
                for sku_id in sku_ids
                for price_list in base_lists
            ]
            price_ids = load.ids("catalog_price", len(prices))
            load.write(
                "catalog_price",
                ["id", "price_list_id", "sku_id", "amount"],
                [(i, *price) for i, price in zip(price_ids, prices, strict=True)],
            )
            term_ids = load.ids("catalog_searchterm", len(terms))
            load.write(
                "catalog_searchterm",
                ["id", "word", "product_id"],
                [(i, *term) for i, term in zip(term_ids, terms, strict=True)],
            )
            written += len(numbers)
            bar.update(len(numbers))
    return written


# Columns in the order the rows are built: what each order draws, then its customer's part
# (``_customer_part``), then what every generated order has alike.
ORDER_COLUMNS = ["id", "number", "status", "subtotal", "total", "placed_at", "updated_at",
                 "store_id", "customer_id", "currency", "email", "billing_first_name", "billing_last_name",
                 "billing_line1", "billing_city", "billing_region", "billing_postal_code", "billing_country",
                 "billing_phone",
                 "placed_on_behalf", "from_draft", "discount_total", "shipping_total", "tax_total", "promotions",
                 "billing_line2", "version", "lease_token"]  # fmt: skip
SHIPMENT_COLUMNS = ["id", "order_id", "number", "status",
                    "ship_first_name", "ship_last_name", "ship_line1", "ship_city", "ship_region",
                    "ship_postal_code", "ship_country",
                    "kind", "shipping_method_name", "shipping_price", "ship_line2", "primary_first_name",
                    "primary_last_name", "primary_email", "primary_phone", "alternate_first_name",
                    "alternate_last_name", "alternate_email", "alternate_phone"]  # fmt: skip
LINE_COLUMNS = ["id", "order_id", "shipment_id", "sku_id", "sku_code", "product_name", "sku_name", "quantity",
                "unit_price", "subtotal", "discount", "tax", "total", "promotions"]  # fmt: skip
# From this many orders on, PostgreSQL's are drawn by a second process (``write_orders``).
SECOND_PROCESS_FROM = 10_000
ORDER_CONSTANTS = (False, False, ZERO, SHIPPING, ZERO, "[]", "", 1, "")
SHIPMENT_CONSTANTS = ("SHIP", "Standard", SHIPPING, "", "", "", "", "", "", "", "", "")


def _customer_part(row: tuple, currency: str) -> tuple[tuple, tuple]:
    """A pool customer's columns of their orders and of their orders' shipments (billing and
    shipping to the default billing address)."""
    customer_id, store_id, email, first, last, line1, city, region, postal_code, country, phone = row
    order = (store_id, customer_id, currency, email, first, last, line1, city, region, postal_code, country, phone)
    return order + ORDER_CONSTANTS, (first, last, line1, city, region, postal_code, country, *SHIPMENT_CONSTANTS)


def write_orders(
    *,
    count: int,
    seed: int = 1,
    batch: int = 20_000,
    pool: int = 50_000,
    rebuild_indexes: bool | None = None,
    progress: bool = False,
    second_process: bool | None = None,
) -> int:
    """``count`` orders of 1-5 lines with one shipment each, for customers and SKUs drawn from
    pools of existing ones (the customer's default billing address is the order's billing and
    shipping address). Totals are computed from the lines (no tax: benchmark data). Numbered
    ``G`` and ten digits after the last order id, so re-runs add more and none twice.

    On PostgreSQL, a load of ``SECOND_PROCESS_FROM`` orders or more (or any, with ``second_process``)
    is drawn by a second process while this one sends the rows to the database: the drawing and the
    database's work then use the two cores together. The same seed draws the same orders either way."""
    if count <= 0:
        return 0
    stores = {s.pk: s for s in Store.objects.all()}
    customers = [
        (row[1], *_customer_part(row, stores[row[1]].currency))
        for row in Customer.objects.filter(kind=Customer.Kind.REGISTERED_USER, addresses__is_default_billing=True)
        .order_by("id")
        .values_list("id", "store_id", "email", "addresses__first_name", "addresses__last_name",
                     "addresses__line1", "addresses__city", "addresses__region", "addresses__postal_code",
                     "addresses__country", "addresses__phone")[:pool]
    ]  # fmt: skip
    skus = Sku.objects.filter(
        kind=Sku.Kind.SHIPPABLE, prices__price_list__segment=None, prices__price_list__account=None
    ).values_list("id", "code", "product__name", "prices__amount", "prices__price_list__store_id")[:pool]
    # Per store, each SKU's line columns for a quantity of 1, 2 and 3, and the line's amount.
    lines_by_store: dict[int, list[tuple[tuple[tuple, Decimal], ...]]] = {}
    for sku_id, code, name, price, store_id in skus:
        lines_by_store.setdefault(store_id, []).append(tuple(
            ((sku_id, code, name, "Standard", q, price, price * q, ZERO, ZERO, price * q, "[]"), price * q)
            for q in (1, 2, 3)
        ))  # fmt: skip
    if not customers or not lines_by_store:
        raise ValueError("generate customers and products first")
    missing = {stores[c[0]].name for c in customers if c[0] not in lines_by_store}
    if missing:
        raise ValueError(f"no priced SKUs in {', '.join(sorted(missing))}: generate products first")
    if rebuild_indexes is None:
        rebuild_indexes = is_large(count, Order.objects.count())
    with bulk_load(ORDER_TABLES, rebuild_indexes=rebuild_indexes, progress=progress) as load:
        # Placed over the two years before today (midnight UTC: the same seed draws the same times all day).
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        # What many rows share is encoded once: a customer's part of their orders and shipments,
        # a SKU's line for each quantity.
        plan = Plan(
            seed=seed, count=count, batch=batch,
            customers=[(store_id, load.tail(order), load.tail(shipment)) for store_id, order, shipment in customers],
            offers={store_id: [tuple((load.tail(line), amount) for line, amount in sku) for sku in lines]
                    for store_id, lines in lines_by_store.items()},
            first_order=load.ids("orders_order", count).start, first_shipment=load.ids("orders_shipment", count).start,
            first_line=load.ids("orders_orderline", 0).start, start=load.time(today - dt.timedelta(days=730)),
        )  # fmt: skip
        second = load.postgres and count >= SECOND_PROCESS_FROM if second_process is None else second_process
        with progress_bar("orders", total=count, unit="orders", enabled=progress) as bar:
            if second and load.postgres:
                lines = _copy_from_a_second_process(load, plan, bar)
            else:
                lines = 0
                for drawn in batches(plan):
                    load.write("orders_order", ORDER_COLUMNS, drawn.orders, tails=True)
                    load.write("orders_shipment", SHIPMENT_COLUMNS, drawn.shipments, tails=True)
                    lines += load.write("orders_orderline", LINE_COLUMNS, drawn.lines, tails=True)
                    bar.update(len(drawn.orders))
        load.ids("orders_orderline", lines)
    return count


def _copy_from_a_second_process(load: Load, plan: Plan, bar: Bar) -> int:
    """PostgreSQL: a process of its own draws the orders and writes their COPY text while this one
    sends the batch before to the database (drawing is most of the generator's Python). Returns how
    many lines were written. The process is stopped whatever happens; its error is raised here, and
    the load rolls back."""
    tables = [("orders_order", ORDER_COLUMNS), ("orders_shipment", SHIPMENT_COLUMNS),
              ("orders_orderline", LINE_COLUMNS)]  # fmt: skip
    ends = (load.copy_end(*tables[0]), load.copy_end(*tables[1]), load.copy_end(*tables[2]))
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of this one's connections
    queue = spawn.Queue(maxsize=3)
    drawer = spawn.Process(target=send_copy_text, args=(plan, ends, queue), name="orders-drawer", daemon=True)
    drawer.start()
    lines = 0
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not drawer.is_alive():
                    raise RuntimeError("the process drawing the orders stopped") from None
                continue
            if item[0] == "done":
                return lines
            if item[0] == "error":
                raise RuntimeError(f"drawing the orders failed:\n{item[1]}")
            _, orders, line_count, texts = item
            for (table, columns), text, rows in zip(tables, texts, (orders, orders, line_count), strict=True):
                load.write_copy_text(table, columns, text, rows=rows)
            lines += line_count
            bar.update(orders)
    finally:
        if drawer.is_alive():
            drawer.terminate()
        drawer.join()
