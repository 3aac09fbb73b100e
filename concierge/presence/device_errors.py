"""The codes an in-store device's request is refused with (documented in docs/errors.md)."""

from __future__ import annotations

from enum import StrEnum


class DeviceError(StrEnum):
    SIGNATURE_MISSING = "device.signature_missing"
    SIGNATURE_INVALID = "device.signature_invalid"
    TIMESTAMP_OUT_OF_WINDOW = "device.timestamp_out_of_window"
    UNKNOWN = "device.unknown"
    REVOKED = "device.revoked"
    BATCH_INVALID = "device.batch_invalid"
    BATCH_TOO_LARGE = "device.batch_too_large"
    STORE_NOT_FOUND = "device.store_not_found"
    NAME_TAKEN = "device.name_taken"
