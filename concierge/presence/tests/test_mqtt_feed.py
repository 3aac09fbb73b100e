"""Signed sightings over MQTT (RELIABILITY bar 23) on the real broker at 127.0.0.1:1883: the
subscriber runs in a thread of the test process; a 10,000-event burst, with every message published
twice, is stored exactly once; refused messages are logged and do not stop it."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest

from concierge.core import clock
from concierge.presence.models import InStore, Sighting
from concierge.presence.mqtt import Subscriber, broker_from_url, envelope, publisher
from concierge.presence.services import device_secret
from concierge.presence.tests.sightings import body, consenting, device, event

BROKER = broker_from_url(os.environ.get("PRESENCE_MQTT_TEST_URL", "mqtt://127.0.0.1:1883"))

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def feed():
    """A subscriber on a topic prefix of this test's own (other feeds may share the broker)."""
    prefix = f"concierge-test/{uuid.uuid4().hex}"
    subscriber = Subscriber(BROKER, prefix=prefix, client_id=f"test-{uuid.uuid4().hex[:12]}")
    subscriber.start()
    assert subscriber.connected.wait(10), "the MQTT broker at 127.0.0.1:1883 did not answer (.ci/run starts it)"
    time.sleep(0.3)  # the SUBACK
    client = publisher(BROKER)
    yield prefix, subscriber, client
    client.loop_stop()
    client.disconnect()
    subscriber.stop()


def _wait(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)


def test_a_ten_thousand_event_burst_over_mqtt_loses_and_duplicates_nothing(feed, store, shopper, other_shopper):
    prefix, subscriber, client = feed
    consenting(shopper, "LOY-1")
    consenting(other_shopper, "APP-2")
    devices = [device(store, zone=z)[0] for z in ("Entrance", "Footwear")]
    now = clock.now()
    # when 20 batches of 500 events are published with QoS 1, each twice
    for n in range(20):
        dev = devices[n % 2]
        events = [event(("LOY-1", "APP-2")[i % 2], seen_at=now - dt.timedelta(seconds=10_000 - n * 500 - i),
                        event_id=f"m-{n}-{i}") for i in range(500)]  # fmt: skip
        payload = envelope(body(dev, events), device_secret(dev), int(time.time()))
        for _ in range(2):
            client.publish(f"{prefix}/{dev.key_id}", payload, qos=1).wait_for_publish(10)
    # then all arrive, each stored once
    _wait(lambda: subscriber.totals.accepted + subscriber.totals.duplicates >= 20_000)
    assert (subscriber.totals.accepted, subscriber.totals.duplicates, subscriber.refused) == (10_000, 10_000, 0)
    assert Sighting.objects.count() == 10_000
    assert Sighting.objects.values("device_id", "event_id").distinct().count() == 10_000
    assert InStore.objects.count() == 2


def test_refused_messages_are_logged_and_the_feed_carries_on(feed, store, shopper, caplog):
    prefix, subscriber, client = feed
    consenting(shopper, "LOY-1")
    dev, secret = device(store)
    other, _ = device(store, zone="Checkout")
    signed = body(dev, [event("LOY-1", seen_at=clock.now(), event_id="ok-1")])
    # not JSON; a wrong secret; a stale signature; another device's topic; then a good one
    client.publish(f"{prefix}/{dev.key_id}", b"garbage", qos=1)
    client.publish(f"{prefix}/{dev.key_id}", envelope(signed, "0" * 64, int(time.time())), qos=1)
    client.publish(f"{prefix}/{dev.key_id}", envelope(signed, secret, int(time.time()) - 3600), qos=1)
    client.publish(f"{prefix}/{other.key_id}", envelope(signed, secret, int(time.time())), qos=1)
    client.publish(f"{prefix}/{dev.key_id}", envelope(signed, secret, int(time.time())), qos=1).wait_for_publish(10)
    _wait(lambda: subscriber.totals.accepted >= 1 and subscriber.refused >= 4, timeout=20)
    assert subscriber.refused == 4
    assert list(Sighting.objects.values_list("event_id", flat=True)) == ["ok-1"]
    assert "device.signature_invalid" in caplog.text
    assert "device.timestamp_out_of_window" in caplog.text
