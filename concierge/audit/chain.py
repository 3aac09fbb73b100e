"""Hashing for the audit chain, shared by ``record``, the chainer and ``audit_verify``."""

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


# Version 1 links (before audit migration 0004) attest everything but the actor's label; those
# labels are attested together by the ``audit.labels_attested`` event the migration appended.
# Version 2 links attest every field a person reads in a timeline. Version 3 links (from audit
# migration 0006, when linking moved after the commit) also attest the event's insertion id, which
# orders timelines, so moving an event in a timeline breaks its link as moving it in the chain does.
# A link's version is fixed when the event is written, and what each version attests never changes.
CURRENT_VERSION = 3
LABELS_ATTESTED = "audit.labels_attested"


def label_digest(label: str) -> str:
    """The digest of a display label that a link attests. A digest rather than the text, so that
    a recorded redaction can blank the label and still prove what was attested
    (docs/adr/0001-audit-chain.md)."""
    return hashlib.sha256(label.encode()).hexdigest()


def header_fields(event: Any) -> dict[str, Any]:
    """What a link attests: every header field, the payload digest and the previous hash; from
    version 2 also the actor's label (by digest) and the version itself; from version 3 the
    insertion id."""
    fields: dict[str, Any] = {
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
    if event.chain_version >= 2:
        fields["chain_version"] = event.chain_version
        fields["actor_label_digest"] = label_digest(event.actor_label)
    if event.chain_version >= 3:
        fields["id"] = event.pk
    return fields


class LabelLedger:
    """The running digest of version 1 events' labels, as the attestation event states it."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.through_seq = 0
        self.count = 0

    def add(self, seq: int, label: str) -> None:
        self._hash.update(f"{seq}\x1f{label}\x1e".encode())
        self.through_seq = seq
        self.count += 1

    def attestation(self) -> dict[str, Any]:
        return {"through_seq": self.through_seq, "events": self.count, "labels_sha256": self._hash.hexdigest()}
