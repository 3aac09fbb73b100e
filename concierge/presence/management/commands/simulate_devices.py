"""``manage.py simulate_devices``: play demo customers' visits as the stores' devices would report
them — arriving at the entrance, moving between zones, paying, leaving — as signed batches over
HTTP (and over MQTT when PRESENCE_MQTT_URL is set, every other device)."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef

from concierge.customers.models import CustomerConsent
from concierge.presence import credentials
from concierge.presence.ingest import MAX_EVENTS, consent_policy_key
from concierge.presence.models import CustomerToken, Device
from concierge.presence.mqtt import broker_from_url, envelope, publisher, topic_prefix
from concierge.presence.services import device_secret

TICK_SECONDS = 5.0


@dataclass
class Visitor:
    token: str
    store_id: int
    zone: str | None = None
    ticks_left: int = 0
    path: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = "Play a realistic stream of in-store sightings for the demo customers (signed, over HTTP and MQTT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where Concierge serves the API.")
        parser.add_argument("--customers", type=int, default=8, help="How many customers come and go (default 8).")
        parser.add_argument("--speed", type=float, default=1.0, help="Faster (2) or slower (0.5) than real time.")
        parser.add_argument("--once", action="store_true", help="One round: each customer arrives and moves once.")
        parser.add_argument("--seed", type=int, default=None, help="A random seed, for a repeatable stream.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speed"] <= 0 or options["customers"] < 1:
            raise CommandError("--speed must be above 0 and --customers at least 1.")
        self.url = options["url"].rstrip("/") + "/api/v1/presence/sightings"
        self.random = random.Random(options["seed"])  # noqa: S311 - a demo stream, not a secret
        devices = list(Device.objects.filter(revoked_at__isnull=True).order_by("pk"))
        self.devices: dict[tuple[int, str], Device] = {(d.store_id, d.zone): d for d in devices}
        self.secrets = {d.pk: device_secret(d) for d in devices}
        self.zones: dict[int, list[str]] = defaultdict(list)
        for d in devices:
            if d.zone not in self.zones[d.store_id]:
                self.zones[d.store_id].append(d.zone)
        consents = CustomerConsent.objects.filter(customer=OuterRef("customer"), given=True,
                                                  policy__reference_key=consent_policy_key())  # fmt: skip
        tokens = list(CustomerToken.objects.filter(Exists(consents), revoked_at__isnull=True,
                                                   customer__store_id__in=list(self.zones))
                      .order_by("pk").values_list("token", "customer__store_id"))  # fmt: skip
        if not tokens:
            raise CommandError("No devices or customer tokens: run `manage.py seed_demo` first.")
        chosen = self.random.sample(tokens, min(options["customers"], len(tokens)))
        visitors = [Visitor(token, store_id) for token, store_id in chosen]
        self.mqtt = None
        if settings.PRESENCE_MQTT_URL:
            self.mqtt = publisher(broker_from_url(settings.PRESENCE_MQTT_URL))
        self.sent = 0
        if options["once"]:
            now = dt.datetime.now(dt.UTC)
            for v in visitors:
                self._arrive(v)
            self._send(visitors, now - dt.timedelta(seconds=30))
            for v in visitors:
                self._move(v)
            self._send(visitors, now)
            self.stdout.write(f"Sent {self.sent} sightings of {len(visitors)} customers.")
            return
        self.stdout.write(f"Simulating {len(visitors)} customers at {options['speed']}x; Ctrl-C stops.")
        try:
            while True:
                for v in visitors:
                    self._step(v)
                self._send([v for v in visitors if v.zone], dt.datetime.now(dt.UTC))
                time.sleep(TICK_SECONDS / options["speed"])
        except KeyboardInterrupt:
            self.stdout.write(f"Sent {self.sent} sightings.")

    # --- A visit: Entrance, a few departments, Checkout (most of the time), gone ---------------------

    def _arrive(self, v: Visitor) -> None:
        zones = self.zones[v.store_id]
        middle = [z for z in zones[1:-1]] or zones
        v.path = self.random.sample(middle, self.random.randint(1, len(middle)))
        if len(zones) > 1 and self.random.random() < 0.7:
            v.path.append(zones[-1])
        v.zone, v.ticks_left = zones[0], self.random.randint(1, 3)

    def _move(self, v: Visitor) -> None:
        if v.path:
            v.zone, v.ticks_left = v.path.pop(0), self.random.randint(2, 8)
        else:
            v.zone = None  # left: no more sightings; the quiet time ends the visit

    def _step(self, v: Visitor) -> None:
        if v.zone is None:
            if self.random.random() < 0.08:
                self._arrive(v)
            return
        v.ticks_left -= 1
        if v.ticks_left <= 0:
            self._move(v)

    def _send(self, visitors: list[Visitor], seen_at: dt.datetime) -> None:
        batches: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for v in visitors:
            device = self.devices.get((v.store_id, v.zone or ""))
            if device is not None:
                batches[device.pk].append({"event_id": uuid.uuid4().hex, "token": v.token, "zone": device.zone,
                                           "seen_at": seen_at.isoformat()})  # fmt: skip
        by_pk = {d.pk: d for d in self.devices.values()}
        for pk, events in batches.items():
            device = by_pk[pk]
            for start in range(0, len(events), MAX_EVENTS):
                chunk = events[start : start + MAX_EVENTS]
                body = json.dumps({"device": device.key_id, "sent_at": dt.datetime.now(dt.UTC).isoformat(),
                                   "events": chunk}).encode()  # fmt: skip
                if self.mqtt is not None and pk % 2 == 0:
                    payload = envelope(body, self.secrets[pk], int(time.time()))
                    self.mqtt.publish(f"{topic_prefix()}/{device.key_id}", payload, qos=1)
                    self.sent += len(chunk)
                elif self._post(body, self.secrets[pk]):
                    self.sent += len(chunk)

    def _post(self, body: bytes, secret: str) -> bool:
        header = credentials.signature_header(secret, body, int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json", credentials.SIGNATURE_HEADER: header})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own --url
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError) as exc:
            self.stderr.write(f"Could not post sightings to {self.url}: {exc}")
            return False
