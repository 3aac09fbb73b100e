from __future__ import annotations

from collections.abc import Iterable

from concierge.core.caching import kept
from concierge.stores.models import Store


@kept(30, models=[Store])
def default_store() -> Store | None:
    """The store an anonymous visitor shops in (the flagged default, else the first). Kept per
    process: it is read by every request that serves no customer of its own."""
    return Store.objects.order_by("-is_default", "id").first()


@kept(30, models=[Store])
def _all_stores() -> tuple[Store, ...]:
    return tuple(Store.objects.order_by("name", "id"))


def stores_named(ids: Iterable[int]) -> list[Store]:
    """The stores of ``ids`` by name (kept per process: a handful of rows every console page reads)."""
    wanted = set(ids)
    return [store for store in _all_stores() if store.pk in wanted]


def store_ids_by_name() -> list[int]:
    return [store.pk for store in _all_stores()]


def store_zones(ids: Iterable[int]) -> dict[int, str]:
    """The time zone of each store of ``ids``."""
    wanted = set(ids)
    return {store.pk: store.time_zone for store in _all_stores() if store.pk in wanted}
