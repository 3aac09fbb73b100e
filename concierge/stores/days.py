"""A store's days: a date a person types means that day in the store's time zone, not in UTC."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q

from concierge.stores.models import Store
from concierge.stores.selectors import store_zones


def _zone(store_or_tz: Store | str) -> ZoneInfo:
    name = store_or_tz if isinstance(store_or_tz, str) else store_or_tz.time_zone
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def store_day_bounds(
    store_or_tz: Store | str, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The instants from the start of ``date_from`` (inclusive) to the end of ``date_to``
    (exclusive: the start of the next day), both in the store's time zone; None for an open end."""
    zone = _zone(store_or_tz)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone) if date_from else None
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone) if date_to else None
    return start, end


def within_store_days(
    store_ids: Iterable[int], date_from: dt.date | None, date_to: dt.date | None, *, field: str = "placed_at"
) -> Q:
    """Rows of ``store_ids`` whose ``field`` falls on ``date_from``…``date_to`` of their own store's
    days (stores in different time zones each get their own bounds)."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for pk, zone in store_zones(store_ids).items():
        by_zone[zone].append(pk)
    q = Q(pk__in=[])
    for zone, ids in by_zone.items():
        start, end = store_day_bounds(zone, date_from, date_to)
        bounds = Q(store_id__in=ids)
        if start is not None:
            bounds &= Q(**{f"{field}__gte": start})
        if end is not None:
            bounds &= Q(**{f"{field}__lt": end})
        q |= bounds
    return q
