"""The rows of generated orders, drawn from a seed: plain tuples and strings, no Django, so that on
PostgreSQL a second process can draw them and write them as ``COPY`` text while the first sends
the previous batch to the database (``bulk_catalog.write_orders``).

Both ways draw the same orders from the same seed: in the process itself as rows for ``Load.write``
(``batches``), or in a process of their own as COPY text (``send_copy_text``).
"""

from __future__ import annotations

import datetime as dt
import random
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

ORDER_STATUSES = ["CREATED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED", "COMPLETED", "COMPLETED", "CANCELLED",
                  "ON_HOLD", "PARTIALLY_SHIPPED"]  # fmt: skip
SHIPMENT_OF = {"CREATED": "INVENTORY_ASSIGNED", "IN_PROGRESS": "RELEASED", "COMPLETED": "SHIPPED",
               "CANCELLED": "CANCELLED", "ON_HOLD": "ON_HOLD", "PARTIALLY_SHIPPED": "SHIPPED"}  # fmt: skip
SHIPPING = Decimal("5.95")
ZERO = Decimal(0)
SPAN_SECONDS = 730 * 86400

# A row as ``Load.write(..., tails=True)`` takes it: its first values and the tail of the rest.
Row = tuple[tuple, Any]


@dataclass(frozen=True)
class Plan:
    """What the orders are drawn from: the customers (store id, their part of an order, of a
    shipment), each store's SKU lines for a quantity of 1, 2 and 3 with their amounts, the first
    ids, and the time the two years of orders start (as the database's writer takes it)."""

    seed: int
    count: int
    batch: int
    customers: Sequence[tuple[int, Any, Any]]
    offers: dict[int, list[tuple[tuple[Any, Decimal], ...]]]
    first_order: int
    first_shipment: int
    first_line: int
    start: dt.datetime


@dataclass
class Batch:
    """A batch's rows of each table: ``Row``s, or lines of COPY text."""

    orders: list[Any]
    shipments: list[Any]
    lines: list[Any]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _times(start: dt.datetime) -> Callable[[int], str]:
    """``start`` plus a number of seconds, as the text ``str()`` gives: the day's part worked out
    once per day and the time of day once per second of a day (formatting a time is the slowest
    part of a row). ``start`` is a midnight."""
    if (start.hour, start.minute, start.second, start.microsecond) != (0, 0, 0, 0):
        return lambda seconds: str(start + dt.timedelta(seconds=seconds))
    days: dict[int, tuple[str, str]] = {}
    clock: dict[int, str] = {}

    def at(seconds: int) -> str:
        day, second = divmod(seconds, 86400)
        if (parts := days.get(day)) is None:
            text = str(start + dt.timedelta(days=day))  # "2024-12-03 00:00:00+00:00" (or naive)
            parts = days[day] = (text[:11], text[19:])
        if (hms := clock.get(second)) is None:
            hms = clock[second] = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        return parts[0] + hms + parts[1]

    return at


def batches(plan: Plan, ends: tuple[str, str, str] | None = None) -> Iterator[Batch]:
    """The orders of ``plan`` in batches of ``plan.batch``: an order, its shipment, its 1-5 lines.
    With ``ends`` (each table's ``copy_end``), every row is the line of COPY text it is written as
    (the tails then must be COPY text too); without, a row for ``Load.write(..., tails=True)``."""
    rand = random.Random(plan.seed).random
    customers, start = plan.customers, plan.start
    # Each store's SKU lines with their amounts in cents (money written from whole numbers).
    offers = {store_id: [tuple((line, int(amount * 100)) for line, amount in sku) for sku in skus]
              for store_id, skus in plan.offers.items()}  # fmt: skip
    placed_at = _times(start)
    customer_count, status_count = len(customers), len(ORDER_STATUSES)
    shipping = int(SHIPPING * 100)
    line_id = plan.first_line
    order_end, shipment_end, line_end = ends or ("", "", "")
    for first in range(0, plan.count, plan.batch):
        size_of_batch = min(plan.batch, plan.count - first)
        batch = Batch([], [], [])
        orders, shipments, lines = batch.orders, batch.shipments, batch.lines
        for k in range(first, first + size_of_batch):
            oid, sid = plan.first_order + k, plan.first_shipment + k
            store_id, order_tail, shipment_tail = customers[int(rand() * customer_count)]
            offer = offers[store_id]
            size = min(1 + int(rand() * 5), len(offer))
            picked: set[int] = set()
            basket: list[tuple[Any, int]] = []
            while len(basket) < size:
                i = int(rand() * len(offer))
                if i not in picked:
                    picked.add(i)
                    basket.append(offer[i][int(rand() * 3)])
            subtotal = sum([cents for _, cents in basket])
            status = ORDER_STATUSES[int(rand() * status_count)]
            placed = placed_at(int(rand() * SPAN_SECONDS))
            number = f"G{oid:010d}"
            sub, total = _money(subtotal), _money(subtotal + shipping)
            if ends is None:
                orders.append(((oid, number, status, sub, total, placed, placed), order_tail))
                shipments.append(((sid, oid, f"{number}-1", SHIPMENT_OF[status]), shipment_tail))
                for line, _ in basket:
                    lines.append(((line_id, oid, sid), line))
                    line_id += 1
            else:
                orders.append(f"{oid}\t{number}\t{status}\t{sub}\t{total}\t{placed}\t{placed}\t{order_tail}{order_end}")
                shipments.append(f"{sid}\t{oid}\t{number}-1\t{SHIPMENT_OF[status]}\t{shipment_tail}{shipment_end}")
                for line, _ in basket:
                    lines.append(f"{line_id}\t{oid}\t{sid}\t{line}{line_end}")
                    line_id += 1
        yield batch


class _Queue(Protocol):
    def put(self, item: object) -> None: ...


def send_copy_text(plan: Plan, ends: tuple[str, str, str], queue: _Queue) -> None:
    """Draw ``plan``'s orders and put each batch on ``queue`` as the COPY text (UTF-8) of the three
    tables (orders, shipments, lines) with its counts, then ``("done", next line id)``; an error is
    put as ``("error", its traceback)``. Runs in a process of its own."""
    put = queue.put
    try:
        line_id = plan.first_line
        for batch in batches(plan, ends):
            texts = ("".join(batch.orders).encode(), "".join(batch.shipments).encode(), "".join(batch.lines).encode())
            line_id += len(batch.lines)
            put(("batch", len(batch.orders), len(batch.lines), texts))
        put(("done", line_id))
    except BaseException:  # the other process reports it and rolls the load back
        put(("error", traceback.format_exc()))
