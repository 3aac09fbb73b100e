"""Device credentials and the signed envelope a device sends, over HTTP and MQTT alike.

A device has a public ``key_id`` and a secret that is never stored: it is derived as
``HMAC-SHA256(server key, key_id + ":" + secret_salt)``, hex. The server key is
``settings.PRESENCE_DEVICE_KEY`` when set, else derived from ``SECRET_KEY`` (so changing either
invalidates every device's secret). Rotating a device replaces its salt (the old secret stops
working at once); revoking sets ``revoked_at``.

A device signs the exact bytes of its JSON body with its secret, together with the time it signs::

    v1 = hex(HMAC-SHA256(secret, str(t) + "." + body))
    X-Concierge-Signature: t=<unix seconds>,v1=<v1>

``t`` must be within ``PRESENCE_SIGNATURE_WINDOW_SECONDS`` (300 by default) of the server's clock.
Over MQTT the payload is ``{"signature": "t=…,v1=…", "body": "<the body, as a JSON string>"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

from concierge.core.errors import DomainError
from concierge.presence.device_errors import DeviceError

SIGNATURE_HEADER = "X-Concierge-Signature"


def server_key() -> bytes:
    """The key every device secret is derived from."""
    configured = getattr(settings, "PRESENCE_DEVICE_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"concierge.presence.device-key", hashlib.sha256).digest()


def new_key_id() -> str:
    return f"dev_{secrets.token_hex(8)}"


def new_salt() -> str:
    return secrets.token_hex(16)


def derive_secret(key_id: str, salt: str) -> str:
    """The device's secret, from the server key, its key id and its current salt."""
    return hmac.new(server_key(), f"{key_id}:{salt}".encode(), hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """``v1``: the hex HMAC-SHA256 of ``"<timestamp>." + body`` with the device's secret."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Concierge-Signature`` value a device sends with ``body``."""
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    timestamp: int
    signatures: tuple[str, ...]


def refused(code: DeviceError, message: str) -> DomainError:
    return DomainError(code, message, status=401)


def parse_signature(value: str | None) -> ParsedSignature:
    """``t=<unix>,v1=<hex>`` (several ``v1`` allowed); 401 ``device.signature_missing`` otherwise."""
    if not value:
        raise refused(
            DeviceError.SIGNATURE_MISSING, f"Sign the body and send it in {SIGNATURE_HEADER}: t=<unix>,v1=<hex>."
        )
    timestamp: int | None = None
    found: list[str] = []
    for part in value.split(","):
        name, _, item = part.strip().partition("=")
        if name == "t" and item.isdigit() and len(item) <= 12:
            timestamp = int(item)
        elif name == "v1" and item:
            found.append(item.strip().lower())
    if timestamp is None or not found:
        raise refused(DeviceError.SIGNATURE_MISSING, f"{SIGNATURE_HEADER} must read t=<unix seconds>,v1=<hex>.")
    return ParsedSignature(timestamp, tuple(found))


def check_timestamp(timestamp: int, *, now: float) -> None:
    window = int(getattr(settings, "PRESENCE_SIGNATURE_WINDOW_SECONDS", 300))
    if abs(now - timestamp) > window:
        raise refused(
            DeviceError.TIMESTAMP_OUT_OF_WINDOW,
            f"The signature's time is more than {window} seconds from the server's clock: check the device's clock.",
        )


def check_signature(secret: str, body: bytes, parsed: ParsedSignature) -> None:
    expected = signature(secret, body, parsed.timestamp)
    if not any(hmac.compare_digest(expected, given) for given in parsed.signatures):
        raise refused(DeviceError.SIGNATURE_INVALID, "The signature does not match the body and the device's secret.")
