"""In-store devices as an API: devices post signed sightings; administrators manage devices.

``POST /presence/sightings`` takes no user authentication: the device signs its body
(``X-Concierge-Signature``, see ``presence.credentials`` and docs/presence.md). The device routes
are for administrators (staff with the device permissions), with a token or a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, Id
from concierge.core.errors import PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.presence import services
from concierge.presence.credentials import SIGNATURE_HEADER
from concierge.presence.ingest import SightingBatch, ingest, verify_batch
from concierge.presence.models import Device

router = Router(tags=["in-store devices"])


class IngestOut(Schema):
    accepted: int = Field(description="Events stored now.")
    duplicates: int = Field(description="Events this device sent before (or twice in the batch): stored once.")
    rejected: int = Field(description="Events with an unknown or revoked token, or a time too far ahead.")
    dropped: int = Field(description="Events of customers without consent to in-store presence: not kept.")


def _batch_schema() -> dict[str, Any]:
    """The batch's JSON schema with its event schema inline (the body is read raw, not by a Schema)."""
    schema = SightingBatch.model_json_schema()
    event = schema.pop("$defs")["SightingEvent"]
    schema["properties"]["events"]["items"] = event
    return schema


SIGHTINGS_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _batch_schema()}},
    },
    "parameters": [
        {"in": "header", "name": SIGNATURE_HEADER, "required": True, "schema": {"type": "string"},
         "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + body with the device's secret>"},
    ],
}  # fmt: skip


@router.post("/presence/sightings", auth=None, response={200: IngestOut, 400: ErrorOut, 401: ErrorOut, 413: ErrorOut},
             openapi_extra=SIGHTINGS_BODY)  # fmt: skip
def sightings_post(request: ConciergeRequest) -> IngestOut:
    """A device's signed batch of sightings (at most 500 events, 256 KB).
    401 with `device.signature_missing`, `device.signature_invalid`, `device.timestamp_out_of_window`,
    `device.unknown` or `device.revoked`; 400 `device.batch_invalid`; 413 over a limit."""
    device, batch = verify_batch(request.body, request.headers.get(SIGNATURE_HEADER))
    result = ingest(device, batch.events)
    return IngestOut(accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected,
                     dropped=result.dropped)  # fmt: skip


# --- Administrators ---------------------------------------------------------------------------------

NameText = Annotated[
    str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True, pattern=NO_CONTROL_CHARACTERS)
]
ZoneText = Annotated[
    str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True, pattern=NO_CONTROL_CHARACTERS)
]


class DeviceOut(Schema):
    id: int
    store: int
    name: str
    kind: Device.Kind
    zone: str
    key_id: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None


class DeviceCredentialsOut(Schema):
    device: DeviceOut
    secret: str = Field(description="The device's secret: shown this once, never again.")


class DeviceIn(Schema):
    store: Id
    zone: ZoneText
    name: NameText
    kind: Device.Kind = Device.Kind.BEACON


def _device_out(device: Device) -> DeviceOut:
    return DeviceOut(id=device.pk, store=device.store_id, name=device.name, kind=Device.Kind(device.kind),
                     zone=device.zone, key_id=device.key_id, created_at=device.created_at,
                     rotated_at=device.rotated_at, revoked_at=device.revoked_at,
                     last_seen_at=device.last_seen_at)  # fmt: skip


def _administrator(request: ConciergeRequest, perm: str) -> None:
    user = request.ctx.user
    if user is None or not user.is_staff or not user.has_perm(perm):
        raise PermissionDenied("In-store devices are managed by administrators.")


@router.get("/presence/devices", response={200: list[DeviceOut], **ERRORS_AUTH})
def devices_list(request: ConciergeRequest) -> list[DeviceOut]:
    """Every registered device, by store, zone and name (administrators)."""
    _administrator(request, "presence.view_device")
    return [_device_out(d) for d in Device.objects.order_by("store_id", "zone", "name", "pk")]


@router.post("/presence/devices", response={201: DeviceCredentialsOut, 404: ErrorOut, 409: ErrorOut,
                                            **ERRORS_AUTH, **ERRORS_INPUT})  # fmt: skip
def devices_register(request: ConciergeRequest, payload: DeviceIn) -> Status:
    """Register a device in a store's zone; the answer holds its secret, shown this once."""
    _administrator(request, "presence.add_device")
    issued = services.device_register(request.ctx, store_id=payload.store, zone=payload.zone, name=payload.name,
                                      kind=payload.kind)  # fmt: skip
    return Status(201, DeviceCredentialsOut(device=_device_out(issued.device), secret=issued.secret))


@router.post("/presence/devices/{device_id}/rotate",
             response={200: DeviceCredentialsOut, 404: ErrorOut, 409: ErrorOut,
                       **ERRORS_AUTH, **ERRORS_INPUT})  # fmt: skip
def devices_rotate(request: ConciergeRequest, device_id: Id) -> DeviceCredentialsOut:
    """New credentials: the old secret is refused from now on; the new one is shown this once."""
    _administrator(request, "presence.change_device")
    issued = services.device_rotate(request.ctx, device_id=device_id)
    return DeviceCredentialsOut(device=_device_out(issued.device), secret=issued.secret)


@router.post("/presence/devices/{device_id}/revoke", response={200: DeviceOut, 404: ErrorOut, **ERRORS_AUTH,
                                                                **ERRORS_INPUT})  # fmt: skip
def devices_revoke(request: ConciergeRequest, device_id: Id) -> DeviceOut:
    """Revoke a device: everything it sends is refused (401 `device.revoked`)."""
    _administrator(request, "presence.change_device")
    return _device_out(services.device_revoke(request.ctx, device_id=device_id))
