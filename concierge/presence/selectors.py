"""Reads of in-store presence: who is in which store now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from concierge.core import clock
from concierge.presence.models import InStore
from concierge.stores.models import Store


def in_store_now(store_ids: Iterable[int], *, now: dt.datetime | None = None) -> QuerySet[InStore]:
    """The customers in these stores now: seen within each store's quiet time, latest first."""
    now = now or clock.now()
    stores = Store.objects.filter(pk__in=list(store_ids)).only("pk", "presence_quiet_minutes")
    recent = Q(pk__in=[])
    for store in stores:
        cutoff = now - dt.timedelta(minutes=store.presence_quiet_minutes)
        recent |= Q(store_id=store.pk, last_seen_at__gte=cutoff)
    return InStore.objects.filter(recent).order_by("-last_seen_at", "pk")
