from __future__ import annotations

from concierge.stores.models import Store


def default_store() -> Store | None:
    """The store an anonymous visitor shops in (the flagged default, else the first)."""
    return Store.objects.order_by("-is_default", "id").first()
