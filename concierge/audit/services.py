"""Writing to the audit log. Only services call :func:`record`, inside their own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection

from concierge.audit import chain
from concierge.audit.actions import is_declared
from concierge.audit.models import ChainHead, Event
from concierge.core import clock

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def _id(obj: Any) -> int | None:
    return getattr(obj, "pk", None) if obj is not None else None


def record(
    ctx: ActingContext,
    *,
    action: str,
    subject_kind: str,
    subject_id: object,
    changes: Mapping[str, tuple[Any, Any] | list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event, attributed to ``ctx``'s actor and the customer they act for.

    Must run inside the caller's transaction, so the event commits or rolls back with the change.
    ``action`` is a member of a domain's ``AuditAction`` (``OrderAction.CANCELLED``) or its value; an
    action that no ``<domain>/actions.py`` declares is refused, so every event has words to show.
    """
    if not is_declared(action):
        raise ValueError(f"audit action {action!r} is not declared: add it to its domain's actions.py")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the transaction of the change it records")
    changes_json = chain.canonical({k: list(v) for k, v in (changes or {}).items()})
    data_json = chain.canonical(data or {})
    session = ctx.assisted_session
    # The head row lock serializes appends for the rest of the caller's transaction.
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"seq": 0, "hash": chain.GENESIS_HASH})
    event = Event(
        seq=head.seq + 1,
        occurred_at=clock.now(),
        actor_id=_id(ctx.user),
        actor_label=ctx.actor_label,
        on_behalf_of_id=_id(ctx.customer),
        account_id=_id(ctx.account),
        assisted_session_id=_id(session),
        subject_kind=subject_kind,
        subject_id=str(subject_id),
        action=action,
        changes=changes_json,
        data=data_json,
        request_id=ctx.request_id,
        payload_digest=chain.payload_digest(changes=changes_json, data=data_json),
        prev_hash=head.hash,
        chain_version=chain.CURRENT_VERSION,
    )
    event.hash = chain.link_hash(chain.header_fields(event))
    event.save(force_insert=True)
    ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event
