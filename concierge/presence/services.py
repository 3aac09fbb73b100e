"""Writes of in-store devices: register, rotate credentials, revoke. Each is audited.

The secret a device signs with is answered once, by :func:`device_register` and
:func:`device_rotate`, and never stored (``presence.credentials``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.presence import credentials
from concierge.presence.actions import DeviceAction
from concierge.presence.device_errors import DeviceError
from concierge.presence.models import Device
from concierge.stores.models import Store


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """A device and the secret it signs with: shown once, then only its derivation remains."""

    device: Device
    secret: str


def device_secret(device: Device) -> str:
    """The device's current secret (for the server's own tools: the simulator, the benches)."""
    return credentials.derive_secret(device.key_id, device.secret_salt)


def assign_credentials(device: Device) -> str:
    """Give an unsaved device a key id and salt; answers its secret."""
    device.key_id = credentials.new_key_id()
    device.secret_salt = credentials.new_salt()
    return device_secret(device)


def device_register(ctx: ActingContext, *, store_id: int, zone: str, name: str, kind: str) -> IssuedCredentials:
    """Register a device in a store's zone with new credentials (the secret answered once)."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise DomainError(DeviceError.STORE_NOT_FOUND, "No such store.", status=404)
    device = Device(store=store, zone=zone, name=name, kind=kind)
    secret = assign_credentials(device)
    try:
        with transaction.atomic():
            device.save()
            record(ctx, action=DeviceAction.REGISTERED, subject_kind="device", subject_id=device.pk,
                   data={"store": store.code, "zone": zone, "name": name, "kind": kind,
                         "key_id": device.key_id})  # fmt: skip
    except IntegrityError:
        raise DomainError(DeviceError.NAME_TAKEN, "This store already has a device with this name.", status=409,
                          fields={"name": ["This store already has a device with this name."]}) from None  # fmt: skip
    return IssuedCredentials(device, secret)


def device_rotate(ctx: ActingContext, *, device_id: int) -> IssuedCredentials:
    """New credentials for a device: a new salt, so the old secret is refused from now on."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(pk=device_id).first()
        if device is None:
            raise DomainError("not_found", "No such device.", status=404)
        if device.is_revoked:
            raise DomainError(DeviceError.REVOKED, "This device is revoked: register a new one instead.", status=409)
        device.secret_salt = credentials.new_salt()
        device.rotated_at = clock.now()
        device.save(update_fields=["secret_salt", "rotated_at"])
        record(ctx, action=DeviceAction.CREDENTIALS_ROTATED, subject_kind="device", subject_id=device.pk,
               data={"key_id": device.key_id})  # fmt: skip
    return IssuedCredentials(device, device_secret(device))


def device_revoke(ctx: ActingContext, *, device_id: int) -> Device:
    """Refuse everything the device sends from now on (idempotent: a revoked device stays revoked)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(pk=device_id).first()
        if device is None:
            raise DomainError("not_found", "No such device.", status=404)
        if not device.is_revoked:
            device.revoked_at = clock.now()
            device.save(update_fields=["revoked_at"])
            record(ctx, action=DeviceAction.REVOKED, subject_kind="device", subject_id=device.pk,
                   data={"key_id": device.key_id})  # fmt: skip
    return device
