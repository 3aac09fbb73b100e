"""Bulk products and orders for benchmarks: plain multi-row inserts, no per-row ORM work."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from concierge.catalog.models import Category, PriceList, Sku
from concierge.catalog.search import words
from concierge.customers.models import Customer
from concierge.stores.models import Store

NOUNS = ["Runner", "Boot", "Jacket", "Pack", "Tent", "Stove", "Tee", "Pants", "Hat", "Gloves", "Lamp", "Poles",
         "Bottle", "Vest", "Shorts", "Socks", "Sandal", "Parka", "Hoodie", "Duffel"]  # fmt: skip
ADJECTIVES = ["Alpine", "Summit", "Ridge", "Canyon", "Coastal", "Granite", "Aurora", "Cascade", "Desert",
              "Glacier", "Harbor", "Meadow", "Prairie", "Sierra", "Tundra", "Valley", "Willow", "Cedar", "Falcon",
              "Orbit"]  # fmt: skip
MATERIALS = ["Merino", "Nylon", "Canvas", "Gore", "Down", "Fleece", "Titanium", "Carbon", "Cotton", "Hemp"]


def _model_defaults(table: str, columns: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns of ``table``'s model that ``columns`` leave out and the database cannot fill
    (NOT NULL, no database default), with the model's defaults: a field added to a model later gets
    its default in bulk inserts too, instead of failing them."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra: list[str] = []
    values: list[object] = []
    for field in model._meta.concrete_fields:
        if field.column is None or field.column in columns or field.primary_key or field.null or field.generated:
            continue
        if field.db_default is not NOT_PROVIDED:
            continue
        if not field.has_default():
            raise ValueError(f"{table}.{field.column} has no default: the bulk insert must give it")
        extra.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return extra, tuple(values)


def _insert(table: str, columns: Sequence[str], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """One multi-row INSERT per call; returns the new ids when asked (both databases support RETURNING).
    Columns of the model left out get the model's defaults (``_model_defaults``)."""
    if not rows:
        return []
    extra, defaults = _model_defaults(table, columns)
    if extra:
        columns, rows = [*columns, *extra], [row + defaults for row in rows]
    quote = connection.ops.quote_name
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Table and column names are this module's constants, quoted; every value is a parameter.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    sql = head + ", ".join([placeholders] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(sql + " RETURNING id", params)
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(sql, params)
    return []


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def write_products(*, count: int, seed: int = 1, batch: int = 500) -> int:
    """``count`` products, each with one or two SKUs priced in every store's base list, indexed
    for keyword search. Numbered after the existing products, so re-runs add more."""
    rng = random.Random(seed)
    categories = list(Category.objects.order_by("id")) or [Category.objects.create(name="General", slug="general")]
    stores = list(Store.objects.order_by("id"))
    base_lists = {
        s.pk: PriceList.objects.get_or_create(
            store=s, currency=s.currency, segment=None, account=None, defaults={"name": f"{s.name} prices"}
        )[0].pk
        for s in stores
    }
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM catalog_product")
        first = cursor.fetchone()[0] + 1
    written = 0
    for numbers in _chunks(count, batch):
        with transaction.atomic():
            specs = []
            for i in numbers:
                n = first + i
                category = categories[rng.randrange(len(categories))]
                name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)} {n}"
                material, place = rng.choice(MATERIALS).lower(), rng.choice(ADJECTIVES).lower()
                description = f"{name}: {material} build for {place} trails."
                specs.append((n, name, description, category))
            product_ids = _insert(
                "catalog_product",
                ["name", "slug", "description", "category_id", "image_hue", "is_active", "created_at"],
                [(name, f"p-{n}", description, c.pk, n % 360, True, now) for n, name, description, c in specs],
                returning=True,
            )
            sku_rows, sku_words = [], []
            for pid, (n, name, description, category) in zip(product_ids, specs, strict=True):
                for variant in range(1 + n % 2):
                    code = f"GEN-{n}-{variant}"
                    label = "Large" if variant else "Standard"
                    sku_rows.append((pid, code, label, "{}", "SHIPPABLE", True, 1000, True))
                parts = (name, description, category.name, f"GEN-{n}-0")
                terms = {w for part in parts for w in words(part) if len(w) >= 2}
                sku_words.append((pid, terms))
            sku_ids = _insert(
                "catalog_sku",
                ["product_id", "code", "name", "options", "kind", "track_stock", "stock_on_hand", "is_active"],
                sku_rows,
                returning=True,
            )
            prices = [
                (base_lists[s.pk], sku_id, str(Decimal(10 + (sku_id * 7919) % 240) + Decimal("0.95")))
                for sku_id in sku_ids
                for s in stores
            ]
            _insert("catalog_price", ["price_list_id", "sku_id", "amount"], prices)
            _insert("catalog_searchterm", ["word", "product_id"], [(w, pid) for pid, terms in sku_words for w in terms])
        written += len(numbers)
    return written


ORDER_STATUSES = ["CREATED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED", "COMPLETED", "COMPLETED", "CANCELLED",
                  "ON_HOLD", "PARTIALLY_SHIPPED"]  # fmt: skip
SHIPMENT_OF = {"CREATED": "INVENTORY_ASSIGNED", "IN_PROGRESS": "RELEASED", "COMPLETED": "SHIPPED",
               "CANCELLED": "CANCELLED", "ON_HOLD": "ON_HOLD", "PARTIALLY_SHIPPED": "SHIPPED"}  # fmt: skip


def write_orders(*, count: int, seed: int = 1, batch: int = 1000, pool: int = 50_000) -> int:
    """``count`` orders of 1-5 lines with one shipment each, for customers and SKUs drawn from
    pools of existing ones. Totals are computed from the lines (no tax: benchmark data)."""
    rng = random.Random(seed)
    customers = list(
        Customer.objects.filter(kind=Customer.Kind.REGISTERED_USER, addresses__is_default_billing=True)
        .order_by("?" if pool < 10_000 else "id")
        .values_list("id", "store_id", "email", "addresses__first_name", "addresses__last_name",
                     "addresses__line1", "addresses__city", "addresses__region", "addresses__postal_code",
                     "addresses__country", "addresses__phone")[:pool]
    )  # fmt: skip
    stores = {s.pk: s for s in Store.objects.all()}
    skus = list(
        Sku.objects.filter(
            kind=Sku.Kind.SHIPPABLE, prices__price_list__segment=None, prices__price_list__account=None
        ).values_list("id", "code", "product__name", "prices__amount", "prices__price_list__store_id")[:pool]
    )
    skus_by_store: dict[int, list[tuple]] = {}
    for sku in skus:
        skus_by_store.setdefault(sku[4], []).append(sku)
    if not customers or not skus_by_store:
        raise ValueError("generate customers and products first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM orders_order")
        first = cursor.fetchone()[0] + 1
    start = timezone.now() - dt.timedelta(days=730)
    written = 0
    order_cols = ["number", "store_id", "customer_id", "placed_on_behalf", "from_draft", "status", "currency",
                  "subtotal", "discount_total", "shipping_total", "tax_total", "total", "promotions", "email",
                  "billing_first_name", "billing_last_name", "billing_line1", "billing_line2", "billing_city",
                  "billing_region", "billing_postal_code", "billing_country", "billing_phone", "placed_at",
                  "updated_at", "version", "lease_token"]  # fmt: skip
    shipment_cols = ["order_id", "number", "kind", "status", "shipping_method_name", "shipping_price",
                     "ship_first_name", "ship_last_name", "ship_line1", "ship_line2", "ship_city", "ship_region",
                     "ship_postal_code", "ship_country", "primary_first_name", "primary_last_name", "primary_email",
                     "primary_phone", "alternate_first_name", "alternate_last_name", "alternate_email",
                     "alternate_phone"]  # fmt: skip
    line_cols = ["order_id", "shipment_id", "sku_id", "sku_code", "product_name", "sku_name", "quantity",
                 "unit_price", "subtotal", "discount", "tax", "total", "promotions"]  # fmt: skip
    for numbers in _chunks(count, batch):
        orders, baskets = [], []
        for i in numbers:
            n = first + i
            c = customers[rng.randrange(len(customers))]
            store = stores[c[1]]
            basket = []
            for sku in rng.sample(skus_by_store[store.pk], rng.randint(1, 5)):
                quantity = rng.randint(1, 3)
                basket.append((sku, quantity, sku[3] * quantity))
            subtotal = sum((b[2] for b in basket), Decimal(0))
            status = ORDER_STATUSES[rng.randrange(len(ORDER_STATUSES))]
            placed = start + dt.timedelta(seconds=rng.randrange(730 * 86400))
            orders.append((f"G{n:010d}", store.pk, c[0], False, False, status, store.currency, subtotal, 0,
                           Decimal("5.95"), 0, subtotal + Decimal("5.95"), "[]", c[2], c[3], c[4], c[5], "", c[6],
                           c[7], c[8], c[9], c[10], placed, placed, 1, ""))  # fmt: skip
            baskets.append((basket, c, status))
        with transaction.atomic():
            order_ids = _insert("orders_order", order_cols, orders, returning=True)
            shipment_ids = _insert(
                "orders_shipment", shipment_cols,
                [(oid, f"{o[0]}-1", "SHIP", SHIPMENT_OF[status], "Standard", Decimal("5.95"), c[3], c[4], c[5], "",
                  c[6], c[7], c[8], c[9], "", "", "", "", "", "", "", "")
                 for oid, o, (_, c, status) in zip(order_ids, orders, baskets, strict=True)],
                returning=True,
            )  # fmt: skip
            lines = [
                (oid, sid, sku[0], sku[1], sku[2], "Standard", quantity, sku[3], amount, 0, 0, amount, "[]")
                for oid, sid, (basket, _, _) in zip(order_ids, shipment_ids, baskets, strict=True)
                for sku, quantity, amount in basket
            ]
            for part in range(0, len(lines), 2000):
                _insert("orders_orderline", line_cols, lines[part : part + 2000])
        written += len(numbers)
    return written
