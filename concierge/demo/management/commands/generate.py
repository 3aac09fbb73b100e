"""Write large data sets in bulk for benchmarks: ``manage.py generate --customers 1000000``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from concierge.core.progress import add_progress_argument, progress_wanted
from concierge.demo.bulk import write_customers
from concierge.demo.bulk_catalog import write_orders, write_products
from concierge.demo.bulk_returns import write_returns
from concierge.stores.models import Store

# Generated customers are numbered from here, clear of the demo data's numbers.
FIRST_NUMBER = 10_000_000
INDEX_CHOICES = {"auto": None, "rebuild": True, "keep": False}


class Command(BaseCommand):
    help = (
        "Generate benchmark data in bulk (customers with a sign-in and an address, products, orders, returns). "
        "Re-runs add no customer twice. Each step is one transaction: a failed step writes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=0, help="How many customers to write.")
        parser.add_argument("--products", type=int, default=0, help="How many products (1-2 SKUs each) to add.")
        parser.add_argument("--orders", type=int, default=0, help="How many orders (1-5 lines each) to add.")
        parser.add_argument(
            "--returns", type=int, default=0, help="How many returns (of every 10th completed generated order) to add."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the deterministic generator.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--indexes",
            choices=sorted(INDEX_CHOICES),
            default="auto",
            help="rebuild: drop the written tables' secondary indexes before a step and build them after; "
            "keep: leave them; auto (default): rebuild for a large step (20,000 rows, or over a quarter "
            "of the table).",
        )
        add_progress_argument(parser)

    def handle(
        self,
        *args: Any,
        customers: int,
        products: int,
        orders: int,
        returns: int,
        seed: int,
        batch_size: int,
        indexes: str,
        **options: Any,
    ) -> None:
        stores = list(Store.objects.order_by("id"))
        if not stores:
            raise CommandError("No stores yet: run `manage.py seed_demo` first.")
        if min(customers, products, orders, returns) < 0 or batch_size < 1:
            raise CommandError("Counts must be ≥ 0 and --batch-size ≥ 1.")
        common: dict[str, Any] = {"seed": seed, "rebuild_indexes": INDEX_CHOICES[indexes],
                                  "progress": progress_wanted(options)}  # fmt: skip
        steps = [
            ("customers", customers, lambda: write_customers(
                stores=stores, count=customers, start=FIRST_NUMBER, batch_size=batch_size, **common)),
            ("products", products, lambda: write_products(count=products, **common)),
            ("orders", orders, lambda: write_orders(count=orders, **common)),
            ("returns", returns, lambda: write_returns(count=returns, **common)),
        ]  # fmt: skip
        for name, count, write in steps:
            if not count:
                continue
            started = time.perf_counter()
            try:
                written = write()
            except (ValueError, IntegrityError) as error:
                # IntegrityError: a row clashes with one there (a number taken) or refers to none.
                raise CommandError(f"No {name} written: {str(error).strip().rstrip('.')}.") from error
            elapsed = time.perf_counter() - started
            rate = written / elapsed if elapsed else 0
            self.stdout.write(self.style.SUCCESS(f"Wrote {written} {name} in {elapsed:.1f} s ({rate:,.0f}/s)."))
