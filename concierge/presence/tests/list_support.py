"""Customers in store for the customer list tests: ``InStore`` rows made directly (what the device
feed writes), at times relative to the injected clock."""

from __future__ import annotations

import datetime as dt

from concierge.core import clock
from concierge.customers.models import Customer
from concierge.presence.models import InStore
from concierge.stores.models import Store


def in_store(customer: Customer, store: Store, *, zone: str = "Entrance", minutes_ago: float = 1,
             arrived_minutes_ago: float | None = None) -> InStore:  # fmt: skip
    """``customer`` last seen in ``zone`` of ``store`` ``minutes_ago``."""
    seen = clock.now() - dt.timedelta(minutes=minutes_ago)
    since = clock.now() - dt.timedelta(minutes=arrived_minutes_ago if arrived_minutes_ago is not None else minutes_ago)
    row, _ = InStore.objects.update_or_create(
        store=store, customer=customer,
        defaults={"zone": zone, "since": since, "zone_since": seen, "last_seen_at": seen},
    )  # fmt: skip
    return row
