"""The worker's upkeep of in-store presence: sightings past their store's retention deleted, and the
whereabouts (``InStore``) of visits long over removed, as are the sightings of customers who no
longer consent to in-store presence.

The worker's beat (``concierge.core.worker.beat_done``) enqueues :func:`purge_sightings_task` at
most every ``PRESENCE_PURGE_INTERVAL_SECONDS`` (an hour by default) when none is waiting; a pass
deletes in bounded batches and enqueues itself again while more is due. ``manage.py
purge_sightings`` runs it now. Idempotent: deleting what is already gone deletes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.worker import OnTheBeat
from concierge.presence.actions import DeviceAction
from concierge.presence.ingest import consenting_customers
from concierge.presence.models import InStore, Sighting
from concierge.stores.models import Store

BATCH = 5000
# A visit's whereabouts are kept this long after the customer was last seen (then the row goes).
INSTORE_KEEP = dt.timedelta(hours=24)


@dataclass(slots=True)
class Purge:
    sightings: int = 0
    in_store: int = 0
    more: bool = False


def _delete_batch(queryset: Any, limit: int) -> int:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    deleted, _ = queryset.model.objects.filter(pk__in=ids).delete()
    return deleted


def purge_sightings(*, now: dt.datetime | None = None, limit: int = BATCH) -> Purge:
    """One pass, up to ``limit`` rows of each kind per store; ``more`` when some are left."""
    now = now or clock.now()
    purge = Purge()
    for store in Store.objects.only("pk", "code", "sighting_retention_days", "presence_quiet_minutes"):
        cutoff = now - dt.timedelta(days=store.sighting_retention_days)
        with transaction.atomic():
            old = _delete_batch(Sighting.objects.filter(store_id=store.pk, received_at__lt=cutoff), limit)
            gone = _delete_batch(InStore.objects.filter(store_id=store.pk, last_seen_at__lt=now - INSTORE_KEEP), limit)
            # Customers who withdrew consent: what is kept of them goes too.
            seen = set(InStore.objects.filter(store_id=store.pk).values_list("customer_id", flat=True))
            seen |= set(Sighting.objects.filter(store_id=store.pk).values_list("customer_id", flat=True).distinct())
            withdrawn = seen - consenting_customers(store.pk, seen)
            if withdrawn:
                old += Sighting.objects.filter(store_id=store.pk, customer_id__in=withdrawn).delete()[0]
                gone += InStore.objects.filter(store_id=store.pk, customer_id__in=withdrawn).delete()[0]
            if old or gone:
                record(ActingContext.system("sighting retention", store=store), action=DeviceAction.SIGHTINGS_PURGED,
                       subject_kind="store", subject_id=store.pk,
                       data={"sightings": old, "in_store": gone, "before": cutoff.isoformat()})  # fmt: skip
        purge.sightings += old
        purge.in_store += gone
        purge.more = purge.more or old >= limit or gone >= limit
    return purge


@task()
def purge_sightings_task() -> int:
    """One bounded pass; enqueued again while more is due."""
    purge = purge_sightings()
    if purge.more:
        purge_sightings_task.enqueue()
    return purge.sightings


def _interval() -> float:
    return float(getattr(settings, "PRESENCE_PURGE_INTERVAL_SECONDS", 3600))


# The worker's beat (``concierge.core.worker.beat_done``) enqueues the purge once an interval has passed.
on_the_beat = OnTheBeat(lambda: purge_sightings_task, _interval)
enqueue_on_beat = on_the_beat.enqueue_on_beat
due_at_next_beat = on_the_beat.due_at_next_beat
