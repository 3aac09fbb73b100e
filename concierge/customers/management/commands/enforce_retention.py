"""Enforce the data policies' retention now: erase the data points of every withdrawal whose
retention has run out (``concierge.customers.retention``; the worker does the same every hour)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from concierge.core.progress import add_progress_argument, progress_bar, progress_wanted
from concierge.customers.retention import due_count, enforce_retention


class Command(BaseCommand):
    help = "Erase the data that active data policies no longer keep: consent withdrawn longer ago than their retention."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="At most this many withdrawals (default: all due).")
        add_progress_argument(parser)

    def handle(self, *args: Any, limit: int | None, **options: Any) -> None:
        total = due_count()
        if limit is not None:
            total = min(total, limit)
        with progress_bar("withdrawals", total=total, unit="withdrawals", enabled=progress_wanted(options)) as bar:
            run = enforce_retention(limit=limit, progress=bar.update)
        removed = ", ".join(f"{key} {count}" for key, count in sorted(run.removed.items())) or "nothing"
        noun = "withdrawal" if run.enforced == 1 else "withdrawals"
        self.stdout.write(f"Retention enforced for {run.enforced} {noun}; data points removed: {removed}.")
