"""Sightings are kept only as long as the store says, and only while the customer consents; a
customer's erasure removes their tokens and sightings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.locks import customer_lock
from concierge.customers.models import Customer
from concierge.customers.tests.test_privacy import token_headers
from concierge.presence import tasks
from concierge.presence.models import CustomerToken, InStore, Sighting
from concierge.presence.tests.sightings import consenting, device, event, post

pytestmark = pytest.mark.django_db


def test_sightings_past_the_store_retention_are_purged(client, store, shopper, clock):
    # given a store keeping sightings 30 days, and a customer seen today
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    post(client, dev, [event("LOY-1", seen_at=clock.now(), event_id="old")])
    # when 31 days pass and they are seen again
    clock.advance(dt.timedelta(days=31))
    post(client, dev, [event("LOY-1", seen_at=clock.now(), event_id="new")])
    purge = tasks.purge_sightings()
    # then only the recent sighting is left
    assert list(Sighting.objects.values_list("event_id", flat=True)) == ["new"]
    assert purge.sightings == 1
    assert tasks.purge_sightings().sightings == 0


def test_whereabouts_of_visits_long_over_are_tidied(client, store, shopper, other_shopper, clock):
    consenting(shopper, "LOY-1")
    consenting(other_shopper, "LOY-2")
    dev, _ = device(store)
    post(client, dev, [event("LOY-1", seen_at=clock.now())])
    clock.advance(dt.timedelta(hours=25))
    post(client, dev, [event("LOY-2", seen_at=clock.now())])
    assert tasks.purge_sightings().in_store == 1
    assert list(InStore.objects.values_list("customer_id", flat=True)) == [other_shopper.pk]


def test_withdrawn_consent_removes_what_was_kept(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    post(client, dev, [event("LOY-1", seen_at=clock.now())])
    shopper.consents.update(given=False)
    tasks.purge_sightings()
    assert not Sighting.objects.exists()
    assert not InStore.objects.exists()


def test_the_worker_beat_enqueues_the_purge_once_an_interval_has_passed(settings):
    from django_tasks_db.models import DBTaskResult

    settings.PRESENCE_PURGE_INTERVAL_SECONDS = 3600
    tasks.on_the_beat.restart()
    assert tasks.enqueue_on_beat() is False  # the first beat starts the interval
    tasks.due_at_next_beat()
    assert tasks.enqueue_on_beat() is True
    tasks.due_at_next_beat()
    assert tasks.enqueue_on_beat() is False  # one is waiting already
    assert DBTaskResult.objects.filter(task_path=tasks.purge_sightings_task.module_path).count() == 1


def test_remove_customer_data_removes_their_tokens_and_sightings(client, store, shopper, other_shopper, supervisor):
    # given two customers seen in store
    consenting(shopper, "LOY-1")
    consenting(other_shopper, "LOY-2")
    dev, _ = device(store)
    post(client, dev, [event("LOY-1", seen_at=clock.now()), event("LOY-2", seen_at=clock.now())])
    # when a supervisor removes the first customer's data over the API
    grant = customer_lock(ActingContext(user=supervisor), customer_id=shopper.pk, expected_version=None)
    version = Customer.objects.get(pk=shopper.pk).version
    done = Client().post(f"/api/v1/service/customers/{shopper.pk}/remove-data",
                         {"confirmation": shopper.shared_id, "reason": "Asked in writing"},
                         content_type="application/json",
                         headers={**token_headers(supervisor.email), "If-Match": str(version),
                                  "X-Lease-Token": grant.token})  # fmt: skip
    # then their tokens, sightings and whereabouts are gone, and the other customer's stay
    assert done.status_code == 200, done.json()
    assert done.json()["removed"]["in-store sightings"] == 1
    assert not CustomerToken.objects.filter(customer=shopper).exists()
    assert not Sighting.objects.filter(customer=shopper).exists()
    assert not InStore.objects.filter(customer=shopper).exists()
    assert Sighting.objects.filter(customer=other_shopper).count() == 1
    # and a device that still reads the old card gets it rejected
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())]).json()["rejected"] == 1
