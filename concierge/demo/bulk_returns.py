"""Bulk returns for the warehouse benchmark, over generated orders: rows written by ``bulk_load``
(COPY on PostgreSQL), ids chosen up front."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection

from concierge.core.progress import progress_bar
from concierge.demo.bulk_load import bulk_load, is_large
from concierge.returns.models import ReturnReason

RETURN_TABLES = ["returns_return", "returns_returnline"]

# Of the generated returns: most completed, a quarter still awaiting receipt, some received, some
# cancelled (the warehouse searches all of them; "Awaiting Receipt" is its usual filter).
STATUSES = ["COMPLETED"] * 12 + ["AWAITING_RECEIPT"] * 5 + ["RECEIVED"] + ["CANCELLED"] * 2
RETURN_COLUMNS = ["id", "rma", "kind", "status", "order_id", "store_id", "order_number", "customer_first_name",
                  "customer_last_name", "email", "receipt_required", "currency", "value", "refund_amount",
                  "refund_destination", "note", "exchange_charge", "created_at", "received_at", "completed_at",
                  "version"]  # fmt: skip
LINE_COLUMNS = ["id", "return_id", "order_line_id", "quantity", "reason_id", "comments", "received_quantity",
                "is_digital", "price", "discount", "tax", "value"]  # fmt: skip


def write_returns(
    *,
    count: int,
    seed: int = 1,
    batch: int = 5000,
    every: int = 10,
    rebuild_indexes: bool | None = None,
    progress: bool = False,
) -> int:
    """Up to ``count`` returns, one for every ``every``-th completed generated order (by id) that has
    none yet, each bringing back one unit of the order's first line. Generated RMA codes are
    ``RMA-`` and eight digits: they use 0 and 1, which Concierge's own codes never do, so the two
    never collide. Re-runs continue after the last order that has a return."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    reasons = list(ReturnReason.objects.values_list("id", flat=True))
    if not reasons:
        raise ValueError("no return reasons: migrate first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(order_id), 0), COUNT(*) FROM returns_return")
        after, existing = cursor.fetchone()
    if rebuild_indexes is None:
        rebuild_indexes = is_large(count, existing)
    written = 0
    with (
        bulk_load(RETURN_TABLES, rebuild_indexes=rebuild_indexes, progress=progress) as load,
        progress_bar("returns", total=count, unit="returns", enabled=progress) as bar,
    ):
        while written < count:
            with connection.cursor() as cursor:
                # Completed generated orders after the last one with a return, with their first line.
                cursor.execute(
                    "SELECT o.id, o.number, o.store_id, o.billing_first_name, o.billing_last_name, o.email,"
                    " o.currency, o.placed_at, l.id, l.unit_price FROM orders_order o JOIN orders_orderline l"
                    " ON l.id = (SELECT MIN(id) FROM orders_orderline WHERE order_id = o.id)"
                    " WHERE o.id > %s AND o.status = 'COMPLETED' AND o.number LIKE 'G%%' ORDER BY o.id LIMIT %s",
                    [after, batch * every],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            after = rows[-1][0]
            chosen = rows[::every][: count - written]
            ids = load.ids("returns_return", len(chosen))
            returns, lines = [], []
            for rid, n, (oid, number, store, first, last, email, currency, placed, line, price) in zip(
                ids, range(existing + written + 1, existing + written + 1 + len(chosen)), chosen, strict=True
            ):
                status = STATUSES[rng.randrange(len(STATUSES))]
                placed = placed if isinstance(placed, dt.datetime) else dt.datetime.fromisoformat(str(placed))
                created = load.time(placed) + dt.timedelta(days=rng.randint(3, 40), seconds=rng.randrange(86400))
                received = (
                    created + dt.timedelta(days=rng.randint(2, 9)) if status in {"RECEIVED", "COMPLETED"} else None
                )
                price = Decimal(price)
                refund = price if status != "CANCELLED" else Decimal(0)
                returns.append((rid, f"RMA-{n:08d}", "RETURN", status, oid, store, number, first, last, email, True,
                                currency, price, refund, "ORIGINAL", "", Decimal(0), created, received,
                                received if status == "COMPLETED" else None, 1))  # fmt: skip
                lines.append((rid, line, 1 if status in {"RECEIVED", "COMPLETED"} else 0, price))
            load.write("returns_return", RETURN_COLUMNS, returns)
            line_ids = load.ids("returns_returnline", len(lines))
            load.write("returns_returnline", LINE_COLUMNS, [
                (lid, rid, line, 1, reasons[rng.randrange(len(reasons))], "", received, False, price, Decimal(0),
                 Decimal(0), price)
                for lid, (rid, line, received, price) in zip(line_ids, lines, strict=True)
            ])  # fmt: skip
            written += len(chosen)
            bar.update(len(chosen))
    return written
