from __future__ import annotations

from concierge.core.caching import kept
from concierge.stores.models import Store


@kept(30, models=[Store])
def default_store() -> Store | None:
    """The store an anonymous visitor shops in (the flagged default, else the first). Kept per
    process: it is read by every request that serves no customer of its own."""
    return Store.objects.order_by("-is_default", "id").first()
