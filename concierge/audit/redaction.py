"""Redaction: erasing personal data from audit events without breaking the chain (RELIABILITY bar 25,
docs/adr/0001-audit-chain.md "Redaction").

An event is never rewritten silently. For each event to blank, an ``audit.redacted`` event is
appended first — chained like any other, so who erased what, when and why is itself attested —
naming the target's ``seq``, the fields blanked (``actor_label``, ``payload``) and the digests the
target's link attested for them. Only then is the target's label replaced by :data:`ERASED_LABEL`
and its payload by the tombstone. ``verify_chain`` accepts the erased text only where a redaction
names that seq and field, and uses the recorded digest in place of the recomputed one.

Redactions name their targets by chain position, so an erasure first links what is pending (the
chainer, synchronously, in the erasure's transaction), and links its redaction events before it
blanks anything: a redaction counts only once it is in the chain, after its target.

On PostgreSQL the table refuses UPDATE; the ``audit_redact(seq)`` function (audit migration 0005)
applies the recorded redactions with its owner's rights, and its trigger admits nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q

from concierge.audit import chain, chainer
from concierge.audit.actions import AuditChainAction
from concierge.audit.models import Event
from concierge.audit.services import record

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

ERASED_LABEL = "[erased]"
TOMBSTONE_CHANGES: dict[str, Any] = {}
TOMBSTONE_DATA: dict[str, Any] = {"erased": True}
LABEL = "actor_label"
PAYLOAD = "payload"
SUBJECT_KIND = "audit_event"


def is_tombstone(event: Event) -> bool:
    return event.changes == TOMBSTONE_CHANGES and event.data == TOMBSTONE_DATA


def _mentions(text: str, needles: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(needle in folded for needle in needles)


def fields_naming(event: Event, needles: Sequence[str]) -> list[str]:
    """Which of ``event``'s fields mention any of ``needles`` (already case-folded). A version 1
    link's label is attested by the labels ledger, not by a digest, so it cannot be redacted."""
    fields = []
    if event.chain_version >= 2 and event.actor_label != ERASED_LABEL and _mentions(event.actor_label, needles):
        fields.append(LABEL)
    if not is_tombstone(event):
        text = json.dumps({"changes": event.changes, "data": event.data}, ensure_ascii=False)
        if _mentions(text, needles):
            fields.append(PAYLOAD)
    return fields


@dataclass(frozen=True)
class Redacted:
    events: int
    fields: int


def redact_mentions(
    ctx: ActingContext,
    *,
    values: Iterable[str],
    actor_ids: Iterable[int] = (),
    on_behalf_of_ids: Iterable[int] = (),
    subjects: Iterable[tuple[str, str]] = (),
    reason: str,
) -> Redacted:
    """Blank every label and payload that mentions any of ``values`` among the events acted by
    ``actor_ids``, on behalf of ``on_behalf_of_ids`` or about ``subjects`` ((kind, id) pairs).

    Runs inside the caller's transaction (the erasure's): the redaction events and the blanking
    commit together or not at all. The chain is linked up to date first, and again after the
    redactions are recorded (so the chainer's turn is held until the erasure commits).
    """
    needles = sorted({v.casefold() for v in values if v and len(v.strip()) >= 3})
    if not needles:
        return Redacted(0, 0)
    where = Q(pk__in=[])
    if ids := list(actor_ids):
        where |= Q(actor_id__in=ids)
    if ids := list(on_behalf_of_ids):
        where |= Q(on_behalf_of_id__in=ids)
    for kind, subject_id in subjects:
        where |= Q(subject_kind=kind, subject_id=str(subject_id))
    chainer.link_pending(wait=True)
    targets = Event.objects.filter(where, seq__isnull=False).exclude(action=AuditChainAction.REDACTED).order_by("seq")
    found: list[tuple[int, list[str]]] = []
    for event in targets.iterator(chunk_size=500):
        fields = fields_naming(event, needles)
        if fields:
            _record_redaction(ctx, event, fields, reason=reason)
            found.append((event.seq, fields))  # type: ignore[arg-type]  # linked: filtered above
    if not found:
        return Redacted(0, 0)
    chainer.link_pending(wait=True)  # the redactions are in the chain, after their targets
    for seq, fields in found:
        _blank(seq, fields)
    return Redacted(len(found), sum(len(fields) for _, fields in found))


def _record_redaction(ctx: ActingContext, event: Event, fields: list[str], *, reason: str) -> None:
    """Record the redaction of ``fields`` of ``event``, with the digests its link attested."""
    data: dict[str, Any] = {"target_seq": event.seq, "fields": fields, "reason": reason}
    if PAYLOAD in fields:
        data["payload_digest"] = event.payload_digest
    if LABEL in fields:
        data["actor_label_digest"] = chain.label_digest(event.actor_label)
    record(ctx, action=AuditChainAction.REDACTED, subject_kind=SUBJECT_KIND, subject_id=event.seq, data=data)


def _blank(seq: int, fields: list[str]) -> None:
    """Blank the recorded, linked redactions of the event at ``seq``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_redact(%s)", [seq])
        return
    update: dict[str, Any] = {}
    if LABEL in fields:
        update["actor_label"] = ERASED_LABEL
    if PAYLOAD in fields:
        update.update(changes=TOMBSTONE_CHANGES, data=TOMBSTONE_DATA)
    Event.objects.filter(seq=seq).update(**update)


@dataclass
class Redaction:
    """What the redactions of one event recorded: the fields, the digests, the last redaction's seq."""

    fields: set[str]
    payload_digest: str | None = None
    actor_label_digest: str | None = None
    first_seq: int = 0


def redactions() -> dict[int, Redaction]:
    """Every recorded redaction in the chain by target seq (one query by action), for
    ``verify_chain``; one not linked yet does not count."""
    found: dict[int, Redaction] = {}
    rows = Event.objects.filter(action=AuditChainAction.REDACTED, subject_kind=SUBJECT_KIND, seq__isnull=False)
    rows = rows.order_by("seq")
    for seq, data in rows.values_list("seq", "data").iterator(chunk_size=2000):
        target = int(data.get("target_seq", 0)) if isinstance(data, dict) else 0
        entry = found.setdefault(target, Redaction(fields=set(), first_seq=seq or 0))  # linked: never None
        entry.fields.update(data.get("fields") or [])
        entry.payload_digest = data.get("payload_digest") or entry.payload_digest
        entry.actor_label_digest = data.get("actor_label_digest") or entry.actor_label_digest
    return found
