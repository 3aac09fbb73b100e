from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, QuerySet

from concierge.audit import chain, redaction
from concierge.audit.models import ChainHead, Event
from concierge.core import clock

# How long an event may wait to be linked before ``audit_verify`` calls it stale: the chainer runs
# after every commit and on every worker beat, so an older pending event means linking has stopped.
PENDING_LIMIT = dt.timedelta(seconds=getattr(settings, "CONCIERGE_AUDIT_PENDING_SECONDS", 60))


def timeline(*, subject_kind: str, subject_id: object, limit: int = 200) -> QuerySet[Event]:
    """Events about one subject, newest first (by insertion: a pending event shows at once)."""
    return Event.objects.filter(subject_kind=subject_kind, subject_id=str(subject_id)).order_by("-id")[:limit]


def events_by_actor(*, actor_id: int, limit: int = 20, excluding: Iterable[str] = ()) -> QuerySet[Event]:
    """What one person did, newest first (less the actions ``excluding`` names)."""
    return Event.objects.filter(actor_id=actor_id).exclude(action__in=list(excluding)).order_by("-id")[:limit]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    pending: int = 0  # events not linked yet (committed after the head was read, or stale)
    oldest_pending: dt.timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(
    *,
    batch_size: int = 2000,
    pending_limit: dt.timedelta | None = None,
    progress: Callable[[int], object] | None = None,
) -> ChainReport:
    """Walk the chain from the first event and report the first broken link.

    Detects a changed event (its payload digest or link hash no longer matches: every field a
    timeline shows is attested, the actor's label included), a deleted one (a gap in ``seq`` or a
    ``prev_hash`` that names another event), a reordered one (``seq`` is part of the hash), events
    cut from the end (the chain head names a later event) and a deleted head. Labels of version 1
    events (written before labels were attested) are checked against the ``audit.labels_attested``
    event that follows them. The head is read first, so events appended while the walk runs are
    not mistaken for damage.

    Erased events (audit/redaction.py) are collected first: a label or payload blanked by erasure
    is accepted only where a later ``audit.redacted`` event names that seq and field, and the link
    is then checked with the digest the redaction recorded; blanked text without a redaction, or a
    redaction whose digest is not the one the link attested, is a broken link.

    Events not yet linked cannot be verified: they are counted, and one pending for longer than
    ``pending_limit`` (``PENDING_LIMIT``) fails the walk, since linking has evidently stopped.
    Link them first (``chainer.link_pending``, as ``audit_verify`` does) to verify them.
    ``progress`` is told of every ``batch_size`` events checked (a progress bar).
    """
    head = ChainHead.objects.filter(pk=1).first()
    last = head.seq if head is not None else 0
    expected_seq = 1
    prev_hash: str | None = chain.GENESIS_HASH
    checked = 0
    fields = [
        "seq", "occurred_at", "actor_id", "on_behalf_of_id", "account_id", "assisted_session_id", "subject_kind",
        "subject_id", "action", "changes", "data", "request_id", "payload_digest", "prev_hash", "hash",
        "actor_label", "chain_version", "id",
    ]  # fmt: skip
    ledger = chain.LabelLedger()  # version 1 labels not yet checked against an attestation
    newest_version = 1
    redacted = redaction.redactions()
    events = Event.objects.filter(seq__lte=last) if head is not None else Event.objects.filter(seq__isnull=False)
    for event in events.order_by("seq").only(*fields).iterator(chunk_size=batch_size):
        if head is None:
            return ChainReport(checked, event.seq, "the chain head is missing while events exist")
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, f"event #{expected_seq} does not link to event #{expected_seq - 1}")
        problem = _link_problem(event, expected_seq, redacted.get(expected_seq))
        if problem:
            return ChainReport(checked, event.seq, problem)
        if event.chain_version < newest_version:
            return ChainReport(checked, event.seq, f"event #{event.seq} claims an older link version")
        newest_version = event.chain_version
        if event.chain_version == 1:
            ledger.add(expected_seq, event.actor_label)
        elif event.action == chain.LABELS_ATTESTED:
            if event.data != ledger.attestation():
                return ChainReport(
                    checked, event.seq, f"the labels of events up to #{ledger.through_seq} have been changed"
                )
            ledger = chain.LabelLedger()
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None and checked % batch_size == 0:
            progress(batch_size)
    if head is not None and (checked != last or head.hash != prev_hash):
        return ChainReport(checked, checked + 1, f"events after #{checked} are missing (the chain ends at #{last})")
    if ledger.count:
        return ChainReport(checked, ledger.through_seq, "the labels of older events are not attested")
    return _pending_report(checked, pending_limit or PENDING_LIMIT)


def _pending_report(checked: int, limit: dt.timedelta) -> ChainReport:
    found = Event.objects.filter(seq__isnull=True).aggregate(count=Count("id"), oldest=Min("occurred_at"))
    if not found["count"]:
        return ChainReport(checked)
    age = clock.now() - found["oldest"]
    if age > limit:
        oldest = Event.objects.filter(seq__isnull=True).order_by("id").values_list("id", flat=True).first()
        return ChainReport(
            checked, checked + 1, f"{found['count']} events are not linked, the oldest (id {oldest}) "
            f"for {int(age.total_seconds())} s: the chainer is not running", found["count"], age,
        )  # fmt: skip
    return ChainReport(checked, pending=found["count"], oldest_pending=age)


def _link_problem(event: Event, seq: int, erased: redaction.Redaction | None) -> str:
    """Why ``event``'s payload or link does not verify ("" when it does), taking its recorded
    redactions into account."""
    if erased is not None:
        if erased.first_seq <= seq:
            return f"the redaction of event #{seq} comes before it"
        if redaction.PAYLOAD in erased.fields and erased.payload_digest != event.payload_digest:
            return f"the redaction of event #{seq} does not match it (payload)"
    payload_erased = redaction.is_tombstone(event) and erased is not None and redaction.PAYLOAD in erased.fields
    if not payload_erased and chain.payload_digest(changes=event.changes, data=event.data) != event.payload_digest:
        return f"event #{seq} has been changed (payload)"
    fields = chain.header_fields(event)
    label_erased = (
        event.actor_label == redaction.ERASED_LABEL and erased is not None and redaction.LABEL in erased.fields
    )
    if label_erased and event.chain_version >= 2:
        fields["actor_label_digest"] = erased.actor_label_digest  # type: ignore[union-attr]  # label_erased: not None
    if chain.link_hash(fields) != event.hash:
        if erased is not None:
            return f"event #{seq} has been changed, or its redaction does not match it"
        return f"event #{seq} has been changed"
    return ""
