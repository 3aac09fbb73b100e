"""Reference data kept per process: forgotten at once on a change in the process, and after its
time elsewhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concierge.core.caching import kept
from concierge.stores.models import Store, TaxRate
from concierge.stores.selectors import stores_named

pytestmark = pytest.mark.django_db


def test_a_store_renamed_in_this_process_is_seen_at_once(store):
    assert [s.name for s in stores_named([store.pk])] == ["Northwind Outfitters"]
    store.name = "Northwind Outdoor"
    store.save()
    assert [s.name for s in stores_named([store.pk])] == ["Northwind Outdoor"]


def test_a_change_made_elsewhere_is_seen_once_the_time_is_up(store, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("concierge.core.caching.time.monotonic", lambda: now[0])
    calls = []

    @kept(30, models=[TaxRate])
    def rates(store_id: int) -> list[Decimal]:
        calls.append(store_id)
        return list(TaxRate.objects.filter(store_id=store_id).values_list("rate", flat=True))

    assert rates(store.pk) == []
    # another process adds a rate (no signal here: an UPDATE-like change this process never sees)
    TaxRate.objects.bulk_create([TaxRate(store=store, country="US", region="", rate=Decimal("0.0800"), name="US")])
    now[0] += 29
    assert rates(store.pk) == []  # still kept
    now[0] += 2
    assert rates(store.pk) == [Decimal("0.0800")]  # read again
    assert calls == [store.pk, store.pk]


def test_a_deleted_store_is_forgotten(store, other_store):
    assert {s.code for s in stores_named([store.pk, other_store.pk])} == {"us", "ca"}
    Store.objects.get(pk=other_store.pk).delete()
    assert [s.code for s in stores_named([store.pk, other_store.pk])] == ["us"]
