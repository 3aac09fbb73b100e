"""Signed sightings over HTTP (RELIABILITY bar 23): per-device credentials, refusals with the error
shape, events stored once, and a customer's whereabouts moved forward."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from concierge.core import clock
from concierge.presence.models import InStore, Sighting
from concierge.presence.selectors import in_store_now
from concierge.presence.services import device_revoke, device_rotate
from concierge.presence.tests.sightings import body, consenting, device, event, post

pytestmark = pytest.mark.django_db


def _refused(response, code: str) -> None:
    assert response.status_code == 401, response.content
    data = response.json()
    assert data["code"] == code
    assert data["message"]
    assert data["fields"] == {}


def test_a_signed_batch_puts_the_customer_in_store_in_the_zone(client, store, shopper):
    # given a device at the entrance and a customer carrying a loyalty token
    consenting(shopper, "LOY-1")
    dev, _ = device(store, zone="Entrance")
    now = clock.now()
    # when the device reports the customer in Footwear
    response = post(client, dev, [event("LOY-1", seen_at=now, zone="Footwear")])
    # then
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": 0, "dropped": 0}
    row = in_store_now([store.pk]).get()
    assert (row.customer_id, row.zone) == (shopper.pk, "Footwear")
    dev.refresh_from_db()
    assert dev.last_seen_at is not None


def test_each_device_signs_with_its_own_secret(client, store, shopper):
    consenting(shopper, "LOY-1")
    first, first_secret = device(store, zone="Entrance")
    second, _ = device(store, zone="Checkout")
    # when the second device's batch is signed with the first device's secret
    response = post(client, second, [event("LOY-1", seen_at=clock.now())], secret=first_secret)
    # then
    _refused(response, "device.signature_invalid")
    assert post(client, first, [event("LOY-1", seen_at=clock.now())]).status_code == 200


def test_a_body_changed_after_signing_is_refused(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, secret = device(store)
    signed = body(dev, [event("LOY-1", seen_at=clock.now())])
    from concierge.presence import credentials

    header = credentials.signature_header(secret, signed, int(time.time()))
    tampered = signed.replace(b"LOY-1", b"LOY-2")
    response = client.post("/api/v1/presence/sightings", tampered, content_type="application/json",
                           headers={"X-Concierge-Signature": header})  # fmt: skip
    _refused(response, "device.signature_invalid")
    assert Sighting.objects.count() == 0


# One second past the 300 s window, plus the second the header's whole seconds can lose: 301 ahead,
# taken from int(time.time()), was up to a second less by the server's clock, and accepted.
@pytest.mark.parametrize("skew", [-302, 302])
def test_a_timestamp_outside_the_window_is_refused(client, store, shopper, skew):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    response = post(client, dev, [event("LOY-1", seen_at=clock.now())], timestamp=int(time.time()) + skew)
    _refused(response, "device.timestamp_out_of_window")
    assert Sighting.objects.count() == 0


def test_no_signature_unknown_and_revoked_devices_are_refused(client, store, shopper, system_ctx):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    unsigned = client.post("/api/v1/presence/sightings", body(dev, []), content_type="application/json")
    _refused(unsigned, "device.signature_missing")
    ghost = body(dev, []).replace(dev.key_id.encode(), b"dev_nobody")
    _refused(post(client, dev, [], raw=ghost), "device.unknown")
    device_revoke(system_ctx, device_id=dev.pk)
    _refused(post(client, dev, [event("LOY-1", seen_at=clock.now())]), "device.revoked")
    assert Sighting.objects.count() == 0


def test_a_rotated_device_old_secret_is_refused_and_the_new_one_taken(client, store, shopper, system_ctx):
    consenting(shopper, "LOY-1")
    dev, old_secret = device(store)
    issued = device_rotate(system_ctx, device_id=dev.pk)
    dev.refresh_from_db()
    _refused(post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=old_secret), "device.signature_invalid")
    assert issued.secret != old_secret
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=issued.secret).status_code == 200


def test_a_replayed_event_id_is_stored_once(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    events = [event("LOY-1", seen_at=clock.now(), event_id="evt-1")]
    assert post(client, dev, events).json()["accepted"] == 1
    # when the same event comes again, alone and twice within one batch
    again = post(client, dev, events + events).json()
    # then
    assert again == {"accepted": 0, "duplicates": 2, "rejected": 0, "dropped": 0}
    assert Sighting.objects.filter(event_id="evt-1").count() == 1


def test_unknown_tokens_are_rejected_and_not_stored(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    response = post(client, dev, [event("LOY-1", seen_at=clock.now()), event("jane@example.com", seen_at=clock.now())])
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": 1, "dropped": 0}
    assert not Sighting.objects.filter(event_id__contains="@").exists()
    assert Sighting.objects.count() == 1


def test_without_consent_sightings_are_acknowledged_and_dropped(client, store, shopper, other_shopper):
    consenting(shopper, "LOY-1", given=False)
    other = consenting(other_shopper, "LOY-2")
    other.customer.consents.all().delete()  # never answered the policy
    dev, _ = device(store)
    response = post(client, dev, [event("LOY-1", seen_at=clock.now()), event("LOY-2", seen_at=clock.now())])
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0, "rejected": 0, "dropped": 2}
    assert Sighting.objects.count() == 0
    assert not InStore.objects.exists()


def test_malformed_and_over_long_batches_are_refused_with_the_limit_named(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    not_json = post(client, dev, [], raw=b"{not json")
    assert not_json.status_code == 400
    assert not_json.json()["code"] == "device.batch_invalid"
    nested = post(client, dev, [], raw=b"[" * 100_000)
    assert (nested.status_code, nested.json()["code"]) == (400, "device.batch_invalid")
    bad_event = post(client, dev, [{"event_id": "x", "token": "LOY-1", "seen_at": "yesterday"}])
    assert bad_event.status_code == 400
    assert "events.0.seen_at" in bad_event.json()["fields"]
    too_many = post(client, dev, [event("LOY-1", seen_at=clock.now()) for _ in range(501)])
    assert too_many.status_code == 413
    assert too_many.json()["code"] == "device.batch_too_large"
    assert "500" in too_many.json()["message"]
    huge = post(client, dev, [event("LOY-1", seen_at=clock.now(), zone="Z" * 60) for _ in range(400)],
                raw=b'{"device": "' + dev.key_id.encode() + b'", "pad": "' + b"x" * 300_000 + b'"}')  # fmt: skip
    assert huge.status_code == 413
    assert "256 KB" in huge.json()["message"]
    assert Sighting.objects.count() == 0


def test_the_quiet_time_ends_a_visit_and_a_later_sighting_starts_a_new_one(client, store, shopper, clock):
    # given a store whose quiet time is 10 minutes, and a customer seen at the entrance
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    start = clock.now()
    post(client, dev, [event("LOY-1", seen_at=start, zone="Entrance")])
    # when they move to Footwear 2 minutes later
    post(client, dev, [event("LOY-1", seen_at=start + dt.timedelta(minutes=2), zone="Footwear")])
    row = InStore.objects.get()
    assert (row.zone, row.since, row.zone_since) == ("Footwear", start, start + dt.timedelta(minutes=2))
    # and an older sighting arrives late: it does not move them back
    post(client, dev, [event("LOY-1", seen_at=start + dt.timedelta(minutes=1), zone="Entrance")])
    assert InStore.objects.get().zone == "Footwear"
    # then, 11 minutes of quiet later, they are no longer in store
    clock.advance(dt.timedelta(minutes=13))
    assert not in_store_now([store.pk]).exists()
    # and a sighting after the gap starts a new visit
    back = clock.now()
    post(client, dev, [event("LOY-1", seen_at=back, zone="Outerwear")])
    row = in_store_now([store.pk]).get()
    assert (row.zone, row.since, row.zone_since) == ("Outerwear", back, back)


def test_a_sighting_from_far_in_the_future_is_rejected(client, store, shopper):
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    response = post(client, dev, [event("LOY-1", seen_at=clock.now() + dt.timedelta(hours=2))])
    assert response.json()["rejected"] == 1
    assert not InStore.objects.exists()


def test_a_ten_thousand_event_burst_loses_and_duplicates_nothing(client, store, shopper, other_shopper):
    # given two customers and four devices
    consenting(shopper, "LOY-1")
    consenting(other_shopper, "APP-2")
    devices = [device(store, zone=z)[0] for z in ("Entrance", "Footwear", "Outerwear", "Checkout")]
    now = clock.now()
    # when 10,000 events arrive in batches of 500, each batch sent twice (a device retrying)
    totals = {"accepted": 0, "duplicates": 0}
    for n in range(20):
        dev = devices[n % 4]
        events = [event(("LOY-1", "APP-2")[i % 2], seen_at=now - dt.timedelta(seconds=10_000 - n * 500 - i),
                        event_id=f"burst-{n}-{i}") for i in range(500)]  # fmt: skip
        for _ in range(2):
            answer = post(client, dev, events).json()
            totals["accepted"] += answer["accepted"]
            totals["duplicates"] += answer["duplicates"]
    # then every event is stored exactly once
    assert totals == {"accepted": 10_000, "duplicates": 10_000}
    assert Sighting.objects.count() == 10_000
    assert Sighting.objects.values("device_id", "event_id").distinct().count() == 10_000
    assert InStore.objects.count() == 2


def test_a_batch_of_500_events_takes_a_fixed_handful_of_statements(
    client, store, shopper, django_assert_max_num_queries
):
    # the statements do not grow with the batch: bulk reads and writes, never one per event
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    events = [event("LOY-1", seen_at=clock.now() - dt.timedelta(seconds=500 - i)) for i in range(500)]
    # the site's store, the device, tokens, the consent policy, consents, the insert, whereabouts
    # read and upserted, the device's last seen, and the transaction's savepoint pair
    with django_assert_max_num_queries(11):
        assert post(client, dev, events).json()["accepted"] == 500
