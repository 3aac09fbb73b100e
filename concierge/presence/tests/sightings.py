"""Builders for the device tests: a consenting customer with a token, signed batches."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from typing import Any

from django.test import Client

from concierge.customers.models import Customer, CustomerConsent, DataPolicy
from concierge.presence import credentials
from concierge.presence.credentials import SIGNATURE_HEADER
from concierge.presence.ingest import CONSENT_POLICY
from concierge.presence.models import CustomerToken, Device
from concierge.presence.services import assign_credentials, device_secret
from concierge.stores.models import Store

_events = itertools.count(1)


def presence_policy() -> DataPolicy:
    policy, _ = DataPolicy.objects.get_or_create(
        reference_key=CONSENT_POLICY,
        defaults={"name": "In-store presence", "retention_days": 30, "state": DataPolicy.State.ACTIVE},
    )
    return policy


def consenting(customer: Customer, token: str, *, given: bool = True) -> CustomerToken:
    """``customer`` carries ``token`` and consents (or not) to in-store presence."""
    CustomerConsent.objects.update_or_create(customer=customer, policy=presence_policy(), defaults={"given": given})
    return CustomerToken.objects.create(customer=customer, token=token)


def device(store: Store, *, zone: str = "Entrance", name: str = "") -> tuple[Device, str]:
    made = Device(store=store, zone=zone, name=name or f"{zone} sensor")
    secret = assign_credentials(made)
    made.save()
    return made, secret


def event(token: str, *, seen_at: dt.datetime, zone: str | None = None, event_id: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {
        "event_id": event_id or f"e{next(_events)}",
        "token": token,
        "seen_at": seen_at.isoformat(),
    }
    if zone:
        found["zone"] = zone
    return found


def body(dev: Device, events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"device": dev.key_id, "sent_at": dt.datetime.now(dt.UTC).isoformat(), "events": events}).encode()


def post(client: Client, dev: Device, events: list[dict[str, Any]], *, secret: str | None = None,
         timestamp: int | None = None, raw: bytes | None = None) -> Any:  # fmt: skip
    """POST the signed batch; answers the test client's response."""
    payload = raw if raw is not None else body(dev, events)
    t = int(time.time()) if timestamp is None else timestamp
    header = credentials.signature_header(secret or device_secret(dev), payload, t)
    return client.post("/api/v1/presence/sightings", payload, content_type="application/json",
                       headers={SIGNATURE_HEADER: header})  # fmt: skip
