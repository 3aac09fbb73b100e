"""Why someone acted for a customer, on every event they did it in.

A CSR's assisted session keeps its reason and case reference (``AssistedSession.reason`` and
``ticket``), and its events name it (``Event.assisted_session_id``). A seller's organization session
(seed 003: SELECT ORGANIZATION → Profile) starts with a reason and case too, asked like a CSR's
start (``session_reason_checked``: the configurable list, the store's "case required") and recorded
on the event that starts it (``seller.organization_selected``); the seller's events for the
organization until they stop or choose another are that session's. :func:`session_labels` reads
both for a list of events — "case 4711 · Order help" — as timelines show them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from concierge.assist.models import AssistedSession
from concierge.assist.services import session_reason_checked
from concierge.audit.models import Event
from concierge.core.errors import CommonError, DomainError
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.selectors import account_for_seller
from concierge.customers.services import organization_select

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer

_STARTS = (CustomerAction.SELLER_ORGANIZATION_SELECTED, CustomerAction.SELLER_ORGANIZATION_CLEARED)


def organization_session_start(ctx: ActingContext, *, account_id: object, reason: str, ticket: str) -> Customer:
    """Profile: the seller starts acting for an assigned organization, saying why (a reason from
    the list, a case reference — each required where the organization's store says so)."""
    if ctx.user is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    account = account_for_seller(ctx.user, account_id)
    if account is None:
        raise DomainError(
            CustomerError.ORGANIZATION_NOT_ASSIGNED, "No such organization is assigned to you.", status=404
        )
    reason, ticket = session_reason_checked(account.store, reason=reason, ticket=ticket)
    return organization_select(ctx, account_id=account.pk, reason=reason, ticket=ticket)


def label(reason: str, case: str) -> str:
    """ "case 4711 · Order help", "Order help" or "case 4711"; "" when neither was given."""
    return " · ".join(p for p in (f"case {case}" if case else "", reason) if p)


def session_labels(events: Iterable[Event]) -> dict[int, str]:
    """For each event done in an assisted session or a seller's organization session, that
    session's reason and case as one label, by event id (events outside one are left out)."""
    events = list(events)
    labels: dict[int, str] = {}
    session_ids = {e.assisted_session_id for e in events if e.assisted_session_id}
    if session_ids:
        sessions = {
            pk: label(reason, ticket)
            for pk, reason, ticket in AssistedSession.objects.filter(pk__in=session_ids).values_list(
                "pk", "reason", "ticket"
            )
        }
        for event in events:
            if event.assisted_session_id and sessions.get(event.assisted_session_id):
                labels[event.pk] = sessions[event.assisted_session_id]
    by_seller = [e for e in events if not e.assisted_session_id and e.account_id and e.actor_id]
    if not by_seller:
        return labels
    starts: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)  # seller → (pk, action, account, label)
    rows = Event.objects.filter(actor_id__in={e.actor_id for e in by_seller}, action__in=_STARTS,
                                subject_kind="customer").order_by("pk")  # fmt: skip
    for pk, actor_id, action, subject_id, data in rows.values_list("pk", "actor_id", "action", "subject_id", "data"):
        said = data if isinstance(data, dict) else {}
        words = label(str(said.get("reason", "")), str(said.get("case", "")))
        starts[actor_id or 0].append((pk, action, subject_id, words))
    keys = {seller: [s[0] for s in rows_] for seller, rows_ in starts.items()}
    for event in by_seller:
        seller = starts.get(event.actor_id or 0, [])
        at = bisect_right(keys.get(event.actor_id or 0, []), event.pk) - 1  # the last start or stop up to it
        if at < 0:
            continue
        _, action, account, words = seller[at]
        if action == CustomerAction.SELLER_ORGANIZATION_SELECTED and account == str(event.account_id) and words:
            labels[event.pk] = words
    return labels
