"""The customer's own ledger of who helped them: every assisted session on their account, who ran
it, when and for how long, why, how it ended, and what changed in it, in the customer's words.

A session's changes are the audit events recorded in it (``Event.assisted_session_id``); the
ledger reads them, it keeps nothing of its own. Locks, views and the session's own start and end
are how the help was given, not what changed, and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from concierge.assist.models import AssistedSession, CodeSentWith, SessionVerification
from concierge.audit.actions import describe
from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core import clock
from concierge.customers.models import Customer

LEDGER_LIMIT = 20
CHANGES_PER_SESSION = 50

# How the help was given, not what it changed.
_NOT_CHANGES = frozenset(
    {
        "assist.session_started", "assist.session_ended", "assist.session_expired", "cart.locked", "cart.unlocked",
        "cart.lock_taken_over", "takeover.cart_viewed", "cart.created", "order.locked", "order.unlocked",
        "assist.transfer_offered", "assist.transfer_declined", "assist.transfer_withdrawn", "customer.locked",
        "customer.unlocked", "assist.verification_sent", "assist.verification_failed", "assist.verification_expired",
        "assist.verification_confirmed", "assist.verification_cancelled",
    }
)  # fmt: skip

_IN_THEIR_WORDS = {
    "address.added": "Added an address",
    "address.updated": "Changed an address",
    "address.removed": "Removed an address",
    "address.default_shipping": "Chose your default shipping address",
    "address.default_billing": "Chose your default billing address",
    "order.placed": "Placed order {number}",
    "takeover.created": "Prepared order {order} for you",
    "takeover.handed_back": "Handed the cart back to you",
    "takeover.link_sent": "Sent you a checkout link",
    "payment.source_added": "Added a payment method",
    "refund.issued": "Issued a refund",
    "assist.session_transferred": "{from_first_name} handed you over to {to_first_name} from customer service",
}

_ENDED = {
    AssistedSession.EndReason.SIGNED_IN_AS_SELF: "Ended by customer service",
    AssistedSession.EndReason.SIGNED_OUT: "Ended by customer service",
    AssistedSession.EndReason.IDLE: "Ended after a while without activity",
    AssistedSession.EndReason.TIME_LIMIT: "Ended at the time limit",
    AssistedSession.EndReason.REPLACED: "Ended by customer service",
    AssistedSession.EndReason.ACCESS_LOST: "Ended by customer service",
    AssistedSession.EndReason.HANDED_BACK: "Ended when the cart was handed back to you",
    AssistedSession.EndReason.ENDED_BY_CUSTOMER: "You ended it",
    AssistedSession.EndReason.ENDED_BY_SUPERVISOR: "Ended by a customer service supervisor",
}


@dataclass
class LedgerEntry:
    session: AssistedSession
    helper: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reason: str
    case: str
    ended_how: str
    changes: list[str] = field(default_factory=list)
    verified: str = ""

    @property
    def is_live(self) -> bool:
        return self.ended_at is None

    @property
    def minutes(self) -> int:
        end = self.ended_at or clock.now()
        return max(1, round((end - self.started_at).total_seconds() / 60))


_SENT_TO = {
    CodeSentWith.EMAIL: "your email",
    CodeSentWith.DEVICE: "your signed-in devices",
    CodeSentWith.EMAIL_AND_DEVICE: "your email and your signed-in devices",
}


def verified_words(session: AssistedSession) -> str:
    """How the customer confirmed the session, in their words ("" where it was not asked)."""
    if session.verified_at is None:
        return ""
    sent_to = _SENT_TO.get(CodeSentWith(session.verified_with), "you") if session.verified_with else "you"
    return f"You confirmed this session with a code sent to {sent_to}"


def helper_name(session: AssistedSession | SessionVerification, *, full_names: bool) -> str:
    """Who helped, as the customer reads it: the first name and the team (the full name where the
    store prefers it)."""
    agent = session.agent
    name = agent.get_full_name() if full_names else (agent.first_name or agent.get_full_name())
    return f"{name or 'Someone'} from customer service"


def _in_their_words(event: Event, names: dict[str, str]) -> str:
    data, changes = event.data or {}, event.changes or {}
    product = names.get(str(data.get("sku", "")), "an item")
    if event.action == "cart.line_added":
        before, after = (changes.get("quantity") or [0, 1])[:2]
        added = int(after or 0) - int(before or 0)
        return f"Added {product} to your cart" if added <= 1 else f"Added {added} of {product} to your cart"
    if event.action == "cart.quantity_changed":
        after = (changes.get("quantity") or [None, None])[1]
        return f"Changed the quantity of {product} to {after}" if after is not None else f"Changed {product}"
    if event.action == "cart.line_removed":
        return f"Removed {product} from your cart"
    words = _IN_THEIR_WORDS.get(event.action)
    if words is not None:
        try:
            return words.format(**{k: v for k, v in data.items() if isinstance(v, str | int)})
        except (KeyError, IndexError):
            return words.split(" {", 1)[0]
    return describe(event.action)


def customer_ledger(customer: Customer, *, limit: int = LEDGER_LIMIT) -> list[LedgerEntry]:
    """The customer's assisted sessions, the latest first, each with what changed in it."""
    sessions = list(
        AssistedSession.objects.filter(customer=customer).select_related("agent").order_by("-started_at", "-pk")[:limit]
    )
    if not sessions:
        return []
    events = (
        Event.objects.filter(assisted_session_id__in=[s.pk for s in sessions])
        .exclude(action__in=_NOT_CHANGES)
        .order_by("occurred_at", "pk")
        .only("assisted_session_id", "action", "data", "changes")
    )
    by_session: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.assisted_session_id is not None and len(by_session[event.assisted_session_id]) < CHANGES_PER_SESSION:
            by_session[event.assisted_session_id].append(event)
    codes = {
        str(e.data.get("sku"))
        for es in by_session.values()
        for e in es
        if isinstance(e.data, dict) and e.data.get("sku")
    }
    names = dict(Sku.objects.filter(code__in=codes).values_list("code", "product__name")) if codes else {}
    full_names = customer.store.assist_ledger_full_names
    return [
        LedgerEntry(
            session=session,
            helper=helper_name(session, full_names=full_names),
            started_at=session.started_at,
            ended_at=session.ended_at,
            reason=session.reason,
            case=session.ticket,
            ended_how=_ENDED.get(AssistedSession.EndReason(session.end_reason), "Ended")
            if session.end_reason
            else "Live now",
            changes=[_in_their_words(e, names) for e in by_session.get(session.pk, [])],
            verified=verified_words(session),
        )
        for session in sessions
    ]


@dataclass(frozen=True)
class PendingConfirmation:
    """A code customer service sent the customer that is still waiting to be read out."""

    verification: SessionVerification
    helper: str
    sent_to: str


def pending_confirmations(customer: Customer) -> list[PendingConfirmation]:
    """The codes waiting for the customer now: who asked, where the code went, until when."""
    rows = (
        SessionVerification.objects.filter(
            customer=customer, status=SessionVerification.Status.PENDING, expires_at__gt=clock.now()
        )
        .select_related("agent")
        .order_by("-sent_at")
    )
    full_names = customer.store.assist_ledger_full_names
    return [
        PendingConfirmation(
            verification=row,
            helper=helper_name(row, full_names=full_names),
            sent_to=_SENT_TO.get(CodeSentWith(row.sent_with), "you"),
        )
        for row in rows
    ]
