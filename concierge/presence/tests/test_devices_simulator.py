"""``simulate_devices`` plays demo visits as signed batches to a running Concierge: the demo's
devices and consenting customers appear in store, in the devices' zones."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from concierge.demo.presence import ZONES, seed_presence
from concierge.presence.models import CustomerToken, Device, InStore, Sighting
from concierge.presence.selectors import in_store_now


@pytest.mark.django_db(transaction=True)
def test_one_round_of_the_simulator_puts_the_customers_in_store(live_server, store, shopper, other_shopper):
    # given the demo's devices, tokens and consents
    seed_presence()
    seed_presence()  # idempotent
    assert Device.objects.filter(store=store).count() == len(ZONES)
    assert CustomerToken.objects.filter(customer__in=[shopper, other_shopper]).count() >= 2
    # when one round is played against the live server
    call_command("simulate_devices", "--once", "--customers", "2", "--seed", "1", "--url", live_server.url)
    # then both customers are in store, past the entrance, in a zone a device covers
    rows = list(in_store_now([store.pk]))
    assert sorted(r.customer_id for r in rows) == sorted([shopper.pk, other_shopper.pk])
    assert {r.zone for r in rows} <= {z for z, _, _ in ZONES} - {"Entrance"}
    assert Sighting.objects.count() == 4
    assert InStore.objects.count() == 2
