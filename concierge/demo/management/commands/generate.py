"""Write large data sets in bulk for benchmarks: ``manage.py generate --customers 1000000``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from concierge.demo.bulk import write_customers
from concierge.demo.bulk_catalog import write_orders, write_products
from concierge.demo.bulk_returns import write_returns
from concierge.stores.models import Store

# Generated customers are numbered from here, clear of the demo data's numbers.
FIRST_NUMBER = 10_000_000


class Command(BaseCommand):
    help = "Generate benchmark data in bulk (customers with a sign-in and an address). Re-runs add nothing twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=0, help="How many customers to write.")
        parser.add_argument("--products", type=int, default=0, help="How many products (1-2 SKUs each) to add.")
        parser.add_argument("--orders", type=int, default=0, help="How many orders (1-5 lines each) to add.")
        parser.add_argument(
            "--returns", type=int, default=0, help="How many returns (of every 10th completed generated order) to add."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the deterministic generator.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(
        self,
        *args: Any,
        customers: int,
        products: int,
        orders: int,
        returns: int,
        seed: int,
        batch_size: int,
        **options: Any,
    ) -> None:
        stores = list(Store.objects.order_by("id"))
        if not stores:
            raise CommandError("No stores yet: run `manage.py seed_demo` first.")
        if min(customers, products, orders, returns) < 0 or batch_size < 1:
            raise CommandError("Counts must be ≥ 0 and --batch-size ≥ 1.")
        steps = [
            ("customers", customers, lambda: write_customers(
                stores=stores, count=customers, start=FIRST_NUMBER, seed=seed, batch_size=batch_size)),
            ("products", products, lambda: write_products(count=products, seed=seed)),
            ("orders", orders, lambda: write_orders(count=orders, seed=seed)),
            ("returns", returns, lambda: write_returns(count=returns, seed=seed)),
        ]  # fmt: skip
        for name, count, write in steps:
            if not count:
                continue
            started = time.perf_counter()
            written = write()
            elapsed = time.perf_counter() - started
            rate = written / elapsed if elapsed else 0
            self.stdout.write(self.style.SUCCESS(f"Wrote {written} {name} in {elapsed:.1f} s ({rate:,.0f}/s)."))
