"""Rebuild the Find customer index of every customer (after a bulk load that bypassed services)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from concierge.customers.models import Customer, CustomerSearchTerm
from concierge.customers.search import index_customers


class Command(BaseCommand):
    help = "Rebuild the Find customer search terms, in batches."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--missing", action="store_true", help="Only customers that have no terms yet.")

    def handle(self, *args: Any, batch: int, missing: bool, **options: Any) -> None:
        last, done = 0, 0
        while True:
            chunk = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:batch])
            if not chunk:
                break
            last = chunk[-1].pk
            if missing:
                have = set(CustomerSearchTerm.objects.filter(customer__in=chunk).values_list("customer_id", flat=True))
                chunk = [c for c in chunk if c.pk not in have]
            index_customers(chunk)
            done += len(chunk)
            if done and done % (batch * 20) == 0:
                self.stdout.write(f"{done:,} customers indexed")
        self.stdout.write(self.style.SUCCESS(f"{done:,} customers indexed"))
