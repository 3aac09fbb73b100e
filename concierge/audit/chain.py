"""Hashing for the audit chain, shared by ``record`` and ``audit_verify``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("audit data holds no floats (PostgreSQL's jsonb would rewrite them): use Decimal or str")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def canonical(value: Any) -> Any:
    """``value`` as it will read back from a JSON column: Decimals, dates and UUIDs as strings."""
    _refuse_floats(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def payload_digest(*, changes: Any, data: Any) -> str:
    return _digest({"changes": changes, "data": data})


def link_hash(fields: dict[str, Any]) -> str:
    """The hash of one link: every header field, the payload digest and the previous hash."""
    return _digest(fields)


def header_fields(event: Any) -> dict[str, Any]:
    """What a link attests. ``actor_label`` is left out on purpose: it is a display name that an
    erasure may blank; the actor's id is attested."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "on_behalf_of_id": event.on_behalf_of_id,
        "account_id": event.account_id,
        "assisted_session_id": event.assisted_session_id,
        "subject_kind": event.subject_kind,
        "subject_id": str(event.subject_id),
        "action": event.action,
        "request_id": event.request_id,
        "payload_digest": event.payload_digest,
        "prev_hash": event.prev_hash,
    }
