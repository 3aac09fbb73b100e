"""A supervisor's hand on a live assisted session, from the desk: end it with a reason, or offer it
to another agent of the customer's store (a warm transfer the supervisor starts; the receiver
accepts it as any transfer, ``assist/transfer.py``).

Ending lets go of the cart locks the agent holds for the customer, as every end does; the session
records who ended it and why (``ended_by``, ``end_note``); the customer's ledger says a supervisor
ended it; the agent's next step in it tells them so (``assist/middleware.py``). Only sessions of
the stores the supervisor serves are theirs to touch: any other is "not found".
"""

from __future__ import annotations

from django.db import transaction

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.assist.services import R, _end
from concierge.assist.transfer import NOTE_MAX, transfer_candidates
from concierge.audit.services import record
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.identity.models import User
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv

END_NOTE_MAX = 500


def _check_supervisor(ctx: ActingContext) -> None:
    if ctx.user is None or not ctx.has_perm(Priv.VIEW_DESK):
        raise PermissionDenied("Only a supervisor can end or transfer another agent's session.")


def _pk(value: object) -> int:
    try:
        pk = int(str(value))
    except ValueError:
        return 0
    return pk if 1 <= pk < 2**63 else 0


def supervised_session(ctx: ActingContext, session_id: object, *, for_update: bool = False) -> AssistedSession:
    """An open session of a store ``ctx`` serves; any other (ended, another store's, none) is "not
    found"."""
    _check_supervisor(ctx)
    sessions = AssistedSession.objects.select_related("agent", "customer__store")
    if for_update:
        sessions = sessions.select_for_update(of=("self",))
    session = sessions.filter(pk=_pk(session_id), customer__store_id__in=stores_served(ctx)).first()
    if session is None:
        raise NotFound("No such live assisted session.")
    if session.ended_at is not None:
        raise DomainError(AssistError.SESSION_ENDED, "That session has already ended.", status=409)
    return session


def session_end_by_supervisor(ctx: ActingContext, *, session_id: object, note: str) -> AssistedSession:
    """End another agent's live session now, with a reason: ENDED_BY_SUPERVISOR, who ended it and
    why; the agent's cart locks for the customer are let go; audited as the supervisor's act."""
    _check_supervisor(ctx)
    note = (note or "").strip()
    problem = text_problem(note, limit=END_NOTE_MAX, required="Give a reason for ending the session.")
    if problem:
        raise DomainError(AssistError.END_NOTE_REQUIRED, problem, status=422, fields={"note": [problem]})
    with transaction.atomic():
        session = supervised_session(ctx, session_id, for_update=True)
        session.ended_by, session.end_note = ctx.signed_in_user, note
        _end(ctx, session, R.ENDED_BY_SUPERVISOR)
        session.save(update_fields=["ended_by", "end_note"])
        record(ctx, action=AssistAction.SESSION_ENDED_BY_SUPERVISOR, subject_kind="customer",
               subject_id=session.customer_id,
               data={"session": session.pk, "agent": session.agent.display_name, "note": note})  # fmt: skip
    return session


def supervisor_transfer_candidates(ctx: ActingContext, session: AssistedSession) -> list[User]:
    """Who a supervisor may offer ``session`` to: the agents a transfer offers it to (others of the
    customer's store, signed in recently, who may access customer accounts)."""
    return transfer_candidates(ctx.evolve(assisted_session=session))


def session_transfer_by_supervisor(
    ctx: ActingContext, *, session_id: object, to_user_id: object, note: str
) -> SessionTransfer:
    """Offer another agent's live session to a colleague of the customer's store, with a note. The
    receiver accepts (or declines) it as any transfer; the session's agent stays on it until then."""
    _check_supervisor(ctx)
    note = (note or "").strip()
    if problem := text_problem(note, limit=NOTE_MAX):
        raise DomainError(AssistError.TRANSFER_REFUSED, problem, status=400, fields={"note": [problem]})
    with transaction.atomic():
        session = supervised_session(ctx, session_id, for_update=True)
        to_pk = _pk(to_user_id)
        receiver = next((u for u in supervisor_transfer_candidates(ctx, session) if u.pk == to_pk), None)
        if receiver is None:
            raise DomainError(AssistError.TRANSFER_REFUSED, "Choose a colleague of this customer's store who is "
                              "signed in and may access customer accounts.", status=400,
                              fields={"to": ["Choose a colleague."]})  # fmt: skip
        if SessionTransfer.objects.filter(session=session, status=SessionTransfer.Status.OFFERED).exists():
            raise DomainError(AssistError.TRANSFER_REFUSED, "This session is already offered to a colleague.",
                              status=409)  # fmt: skip
        offer = SessionTransfer.objects.create(session=session, from_agent=session.agent, to_agent=receiver,
                                               note=note)  # fmt: skip
        record(ctx, action=AssistAction.TRANSFER_OFFERED, subject_kind="customer",
               subject_id=session.customer_id,
               data={"transfer": offer.pk, "to": receiver.display_name, "from": session.agent.display_name,
                     "by_supervisor": ctx.signed_in_user.display_name})  # fmt: skip
    return offer
