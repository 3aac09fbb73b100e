"""Rebuild the Find customer index of every customer (after a bulk load that bypassed services)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from concierge.core.progress import add_progress_argument, progress_bar, progress_wanted
from concierge.customers.models import Customer, CustomerSearchTerm
from concierge.customers.search import index_customers


class Command(BaseCommand):
    help = "Rebuild the Find customer search terms, in batches."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--missing", action="store_true", help="Only customers that have no terms yet.")
        add_progress_argument(parser)

    def handle(self, *args: Any, batch: int, missing: bool, **options: Any) -> None:
        last, done = 0, 0
        with progress_bar(
            "customers", total=Customer.objects.count(), unit="customers", enabled=progress_wanted(options)
        ) as bar:
            while True:
                chunk = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:batch])
                if not chunk:
                    break
                last = chunk[-1].pk
                walked = len(chunk)
                if missing:
                    have = set(
                        CustomerSearchTerm.objects.filter(customer__in=chunk).values_list("customer_id", flat=True)
                    )
                    chunk = [c for c in chunk if c.pk not in have]
                index_customers(chunk)
                done += len(chunk)
                bar.update(walked)
        self.stdout.write(self.style.SUCCESS(f"{done:,} customers indexed"))
