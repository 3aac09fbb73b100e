"""Warm transfer: an agent hands a live assisted session to another agent of the customer's store,
with a note. The receiver accepts and gets the session itself — its reason, case and changeset so
far, and the cart lock, under a new token — and the first agent leaves it (their next step finds
the session is no longer theirs). The customer's ledger shows the handover. Refused when the
receiver may not serve that customer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.assist.policies import check_can_assist, may_assist
from concierge.assist.services import R, _end, assisting
from concierge.audit.services import record
from concierge.carts.locks import cart_leases_hand_over
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.prepared import PreparedQuery
from concierge.identity.models import User

NOTE_MAX = 500
# "Who is online": staff of the store who signed in within this long.
ONLINE_WITHIN = dt.timedelta(hours=12)


# The offers waiting for an agent, read on every visit of their Customer Service home: compiled once
# per process (core/prepared.py).
_OFFERED_TO = PreparedQuery(
    lambda user_id: SessionTransfer.objects.filter(
        to_agent_id=user_id, status=SessionTransfer.Status.OFFERED
    ).select_related("from_agent", "session__customer__store"),
    user_id=-7_000_000_001,
)


def transfers_offered_to(user_id: int) -> list[SessionTransfer]:
    """The sessions colleagues offered ``user_id`` and they have not answered yet, with who offered
    each and its customer and store."""
    return _OFFERED_TO.run(user_id=user_id)


def _refused(message: str, status: int = 409, **fields: list[str]) -> DomainError:
    return DomainError(AssistError.TRANSFER_REFUSED, message, status=status, fields=fields or None)


def transfer_candidates(ctx: ActingContext) -> list[User]:
    """Who the agent of ``ctx``'s session may hand it to: other agents of the customer's store, signed
    in recently, who may access customer accounts."""
    session = ctx.assisted_session
    if session is None:
        return []
    since = clock.now() - ONLINE_WITHIN
    staff = (
        User.objects.filter(stores=session.customer.store_id, is_active=True, last_login__gte=since)
        .exclude(pk=session.agent_id)
        .order_by("first_name", "last_name")
    )
    return [user for user in staff if may_assist(user)]


def transfer_offer(ctx: ActingContext, *, to_user_id: object, note: str) -> SessionTransfer:
    session = ctx.assisted_session
    if session is None:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise _refused(f"A note is at most {NOTE_MAX} characters.", 400, note=[f"At most {NOTE_MAX} characters."])
    try:
        to_pk = int(str(to_user_id))
    except ValueError:
        to_pk = 0
    receiver = next((user for user in transfer_candidates(ctx) if user.pk == to_pk), None)
    if receiver is None:
        raise _refused("Choose a colleague of this customer's store who is signed in and may access "
                       "customer accounts.", 400, to=["Choose a colleague."])  # fmt: skip
    with transaction.atomic():
        if SessionTransfer.objects.filter(session=session, status=SessionTransfer.Status.OFFERED).exists():
            raise _refused("This session is already offered to a colleague: withdraw that offer first.")
        offer = SessionTransfer.objects.create(session=session, from_agent=session.agent, to_agent=receiver, note=note)
        record(ctx, action=AssistAction.TRANSFER_OFFERED, subject_kind="customer", subject_id=session.customer_id,
               data={"transfer": offer.pk, "to": receiver.display_name})  # fmt: skip
    return offer


def _open_offer(pk: object, **match: object) -> SessionTransfer:
    try:
        offer_pk = int(str(pk))
    except ValueError:
        offer_pk = 0
    offer = (
        SessionTransfer.objects.select_for_update()
        .select_related("session__customer__store", "from_agent", "to_agent")
        .filter(pk=offer_pk, **match)
        .first()
    )
    if offer is None:
        raise _refused("No such transfer for you.", 404)
    if offer.status != SessionTransfer.Status.OFFERED:
        raise _refused(f"This transfer was {offer.get_status_display().lower()} already.")
    return offer


def transfer_withdraw(ctx: ActingContext, *, transfer_id: object) -> SessionTransfer:
    with transaction.atomic():
        offer = _open_offer(transfer_id, from_agent=ctx.signed_in_user)
        offer.status, offer.decided_at = SessionTransfer.Status.WITHDRAWN, clock.now()
        offer.save(update_fields=["status", "decided_at"])
        record(ctx, action=AssistAction.TRANSFER_WITHDRAWN, subject_kind="customer",
               subject_id=offer.session.customer_id, data={"transfer": offer.pk})  # fmt: skip
    return offer


def transfer_decline(ctx: ActingContext, *, transfer_id: object) -> SessionTransfer:
    with transaction.atomic():
        offer = _open_offer(transfer_id, to_agent=ctx.signed_in_user)
        offer.status, offer.decided_at = SessionTransfer.Status.DECLINED, clock.now()
        offer.save(update_fields=["status", "decided_at"])
        record(assisting(ctx.evolve(user=offer.from_agent), offer.session), action=AssistAction.TRANSFER_DECLINED,
               subject_kind="customer", subject_id=offer.session.customer_id,
               data={"transfer": offer.pk, "by": offer.to_agent.display_name})  # fmt: skip
    return offer


def transfer_accept(ctx: ActingContext, *, transfer_id: object) -> tuple[AssistedSession, dict[int, str]]:
    """The receiver takes the session over. Returns the session and the new tokens of the cart locks
    it carries (cart id → token), for the receiver's browser."""
    receiver = ctx.signed_in_user
    with transaction.atomic():
        offer = _open_offer(transfer_id, to_agent=receiver)
        session = AssistedSession.objects.select_for_update().select_related("customer__store").get(pk=offer.session_id)
        if session.ended_at is not None or session.agent_id != offer.from_agent_id:
            offer.status, offer.decided_at = SessionTransfer.Status.WITHDRAWN, clock.now()
            offer.save(update_fields=["status", "decided_at"])
            raise _refused("The session ended before you accepted it.")
        check_can_assist(ctx, session.customer)
        for other in AssistedSession.objects.select_for_update().filter(agent=receiver, ended_at=None):
            _end(ctx, other, R.REPLACED)  # at most one open session per agent
        now = clock.now()
        session.agent, session.last_seen_at = receiver, now
        session.save(update_fields=["agent", "last_seen_at"])
        tokens = cart_leases_hand_over(assisting(ctx, session), agent=offer.from_agent, to=receiver,
                                       customer=session.customer)  # fmt: skip
        offer.status, offer.decided_at = SessionTransfer.Status.ACCEPTED, now
        offer.save(update_fields=["status", "decided_at"])
        record(assisting(ctx, session), action=AssistAction.SESSION_TRANSFERRED, subject_kind="customer",
               subject_id=session.customer_id, data={"transfer": offer.pk, "from": offer.from_agent.display_name,
               "from_first_name": offer.from_agent.first_name, "to": receiver.display_name,
               "to_first_name": receiver.first_name, "note": offer.note, "carts": sorted(tokens)})  # fmt: skip
    return session, tokens
