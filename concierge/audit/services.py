"""Writing to the audit log. Only services call :func:`record`, inside their own transaction.

An append is one INSERT and takes no lock: the event is written unlinked, and the chainer
(audit/chainer.py) links it once the writer's transaction has committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from concierge.audit import chain, chainer
from concierge.audit.actions import is_declared
from concierge.audit.models import Event
from concierge.core import clock, prepared

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
    The event is returned unlinked (``seq`` None): it is linked into the chain after the commit.
    """
    if not is_declared(action):
        raise ValueError(f"audit action {action!r} is not declared: add it to its domain's actions.py")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the transaction of the change it records")
    changes_json = chain.canonical({k: list(v) for k, v in (changes or {}).items()})
    data_json = chain.canonical(data or {})
    session = ctx.assisted_session
    event = Event(
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
        chain_version=chain.CURRENT_VERSION,
    )
    prepared.insert(event)
    _link_after_commit()
    return event


def _link_after_commit() -> None:
    """Have the chainer link this transaction's events once it commits: once per transaction,
    however many events it records, unless they are recorded in sibling savepoints. (A process
    that dies before the callback leaves its events to the worker's periodic pass.)"""
    # A callback already registered counts only if no savepoint it depends on can still be
    # rolled back without this event (its savepoints are all still open around this one).
    open_savepoints = set(connection.savepoint_ids)
    for entry in connection.run_on_commit:
        if entry[1] is chainer.link_after_commit and entry[0] <= open_savepoints:
            return
    transaction.on_commit(chainer.link_after_commit)
