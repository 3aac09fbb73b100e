from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from concierge.core.caching import kept
from concierge.core.money import Money
from concierge.stores.models import ShippingMethod, ShippingRate, Store


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


@dataclass(frozen=True)
class ShippingOffer:
    """A shipping method as a buyer in ``price.currency`` is offered it."""

    method: ShippingMethod
    price: Money


def shipping_offers(store: Store, currency: str) -> list[ShippingOffer]:
    """The store's active shipping methods a buyer in ``currency`` can choose, at their price in it:
    a method without a rate in a currency other than the store's is left out (never converted)."""
    methods = list(ShippingMethod.objects.filter(store=store, is_active=True).select_related("store"))
    rates: dict[int, Decimal] = {}
    if currency != store.currency:
        rows = ShippingRate.objects.filter(method__in=methods, currency=currency).values_list("method_id", "price")
        rates = dict(rows)
    offers = []
    for method in methods:
        found = {currency: rates[method.pk]} if method.pk in rates else {}
        if (price := method.price_in(currency, rates=found)) is not None:
            offers.append(ShippingOffer(method, Money(price, currency)))
    return offers
