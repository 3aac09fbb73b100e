# Device sightings ingested per second (PERFORMANCE.md "device sightings", >= 2,000 events/s):
# signed batches of 500 events posted over HTTP by 2 clients, or published over MQTT (QoS 1) to the
# presence_mqtt subscriber, timed until every event is stored. Run inside Django by bench/presence.sh
# (`manage.py shell -c`); settings come from the environment: TRANSPORT (http | mqtt), BASE, EVENTS,
# CUSTOMERS. Prints one JSON line.
import datetime as dt
import json
import os
import platform
import threading
import time
import urllib.request
import uuid

from django.db import connection

from concierge.customers.models import Customer, CustomerConsent
from concierge.presence import credentials
from concierge.presence.models import CustomerToken, Device, Sighting
from concierge.presence.mqtt import broker_from_url, envelope, publisher, topic_prefix
from concierge.presence.services import assign_credentials, device_secret
from concierge.presence.tests.sightings import presence_policy
from concierge.stores.models import Store

TRANSPORT = os.environ.get("TRANSPORT", "http")
BASE = os.environ.get("BASE", "http://127.0.0.1:8105")
EVENTS = int(os.environ.get("EVENTS", "50000"))
CUSTOMERS = int(os.environ.get("CUSTOMERS", "5000"))
BATCH = 500

store, _ = Store.objects.get_or_create(code="bp", defaults={"name": "Presence bench store", "currency": "USD"})
devices = []
for zone in ("Entrance", "Footwear", "Outerwear", "Checkout"):
    device = Device.objects.filter(store=store, zone=zone).first()
    if device is None:
        device = Device(store=store, zone=zone, name=f"{zone} bench")
        assign_credentials(device)
        device.save()
    devices.append(device)
policy = presence_policy()
have = CustomerToken.objects.filter(customer__store=store).count()
if have < CUSTOMERS:
    new = [
        Customer(
            shared_id=f"B{n:09d}", store=store, first_name="Bench", last_name=f"C{n}", email=f"bench{n}@example.com"
        )
        for n in range(have, CUSTOMERS)
    ]
    Customer.objects.bulk_create(new, batch_size=1000)
    made = list(Customer.objects.filter(store=store, shared_id__in=[c.shared_id for c in new]))
    CustomerToken.objects.bulk_create(
        [CustomerToken(customer=c, token=f"BENCH-{c.shared_id}") for c in made], batch_size=1000
    )
    CustomerConsent.objects.bulk_create(
        [CustomerConsent(customer=c, policy=policy, given=True) for c in made], batch_size=1000
    )
tokens = list(CustomerToken.objects.filter(customer__store=store).values_list("token", flat=True)[:CUSTOMERS])
secrets = {d.pk: device_secret(d) for d in devices}
run = uuid.uuid4().hex[:8]


def batch_body(n):
    device = devices[n % len(devices)]
    now = dt.datetime.now(dt.UTC)
    events = [
        {
            "event_id": f"{run}-{n}-{i}",
            "token": tokens[(n * BATCH + i) % len(tokens)],
            "zone": device.zone,
            "seen_at": (now - dt.timedelta(milliseconds=BATCH - i)).isoformat(),
        }
        for i in range(BATCH)
    ]
    return device, json.dumps({"device": device.key_id, "sent_at": now.isoformat(), "events": events}).encode()


batches = EVENTS // BATCH
bodies = [batch_body(n) for n in range(batches)]
before = Sighting.objects.count()
started = time.perf_counter()
if TRANSPORT == "http":

    def client(indexes):
        for n in indexes:
            device, body = bodies[n]
            header = credentials.signature_header(secrets[device.pk], body, int(time.time()))
            request = urllib.request.Request(  # noqa: S310 - BASE is ours
                f"{BASE}/api/v1/presence/sightings",
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", credentials.SIGNATURE_HEADER: header},
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - BASE is ours
                assert response.status == 200

    threads = [threading.Thread(target=client, args=(range(k, batches, 2),)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
else:
    mqtt = publisher(broker_from_url(os.environ.get("PRESENCE_MQTT_URL", "mqtt://127.0.0.1:1883")))
    for device, body in bodies:
        mqtt.publish(f"{topic_prefix()}/{device.key_id}", envelope(body, secrets[device.pk], int(time.time())), qos=1)
    deadline = time.monotonic() + 600
    while Sighting.objects.count() - before < batches * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
elapsed = time.perf_counter() - started
stored = Sighting.objects.count() - before
print(
    json.dumps(
        {
            "workload": f"sightings_{TRANSPORT}",
            "database": connection.vendor,
            "events": batches * BATCH,
            "stored": stored,
            "batch": BATCH,
            "seconds": round(elapsed, 2),
            "events_per_s": round(stored / elapsed),
            "customers": len(tokens),
            "sightings_in_table": Sighting.objects.count(),
            "date": dt.datetime.now(dt.UTC).date().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
    )
)
