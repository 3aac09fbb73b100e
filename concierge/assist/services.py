"""Assisted sessions: start, resolve on each request, renew, end (seed 000 steps 4 to 8; bars 1 to 8).

An agent starts a session for a customer; from then on every request of theirs acts for that
customer (``ActingContext.customer``) and carries the session (``ActingContext.assisted_session``),
so every write is audited with both identities. The session ends when the agent signs in as
themself, starts another, signs out, loses access, goes idle or reaches the time limit.

Reading a session (:func:`session_state`) never writes: a GET changes no row (bar 15). Ending one
that is over (:func:`session_expire`) and renewing one the agent works in (:func:`session_touch`,
on their changes and on the open page's heartbeat) are explicit calls of the request middleware
(``assist/middleware.py``) and of the heartbeat routes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, SessionReason, SessionVerification
from concierge.assist.policies import check_can_assist, may_assist, still_assistable
from concierge.audit.services import record
from concierge.carts.locks import cart_leases_release_for, cart_leases_renew_for
from concierge.core import clock, leases
from concierge.core.caching import kept
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.mail import send_templated
from concierge.core.prepared import PreparedQuery
from concierge.customers.models import Customer
from concierge.stores.models import Store

if TYPE_CHECKING:
    from concierge.identity.models import User

TOUCH_EVERY = dt.timedelta(seconds=60)
R = AssistedSession.EndReason


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONCIERGE_ASSIST_IDLE_MINUTES)


def time_limit() -> dt.timedelta:
    return dt.timedelta(hours=settings.CONCIERGE_ASSIST_MAX_HOURS)


def assisting(ctx: ActingContext, session: AssistedSession) -> ActingContext:
    """``ctx`` acting for the session's customer (and, for an organization, in its account)."""
    customer = session.customer
    account = customer if customer.kind == Customer.Kind.ACCOUNT else None
    return ctx.evolve(customer=customer, account=account, store=customer.store, assisted_session=session)


REASON_MAX = 80
TICKET_MAX = 40


# What a session start offers until an administrator keeps a list of their own (the first
# migration writes these rows too, so the admin shows them).
DEFAULT_SESSION_REASONS = (
    "Order help", "Returns and refunds", "Account problem", "Sales", "Delivery question", "Other",
)  # fmt: skip


@kept(60, models=[SessionReason])
def session_reasons() -> tuple[str, ...]:
    """The active session reasons, in their order: what a session start offers."""
    rows = list(SessionReason.objects.values_list("name", "is_active"))
    if not rows:
        return DEFAULT_SESSION_REASONS
    return tuple(SessionReason.objects.filter(is_active=True).values_list("name", flat=True))


def session_reason_checked(store: Store, *, reason: str, ticket: str) -> tuple[str, str]:
    """The reason (as the list spells it) and the case reference a session for a customer of
    ``store`` starts with; refuses what the store's settings ask for and is missing, a reason that
    is not on the list, and over-long input (with its limit)."""
    reason, ticket = (reason or "").strip(), (ticket or "").strip()
    if len(ticket) > TICKET_MAX:
        raise DomainError(AssistError.CASE_REQUIRED, f"A case reference is at most {TICKET_MAX} characters.",
                          status=400, fields={"ticket": [f"At most {TICKET_MAX} characters."]})  # fmt: skip
    if len(reason) > REASON_MAX:
        raise DomainError(AssistError.REASON_UNKNOWN, f"A reason is at most {REASON_MAX} characters.",
                          status=400, fields={"reason": [f"At most {REASON_MAX} characters."]})  # fmt: skip
    offered = session_reasons()
    if reason and offered:
        spelled = {name.casefold(): name for name in offered}
        if reason.casefold() not in spelled:
            raise DomainError(AssistError.REASON_UNKNOWN, "Choose the reason from the list.", status=400,
                              fields={"reason": ["Choose one of: " + ", ".join(offered) + "."]})  # fmt: skip
        reason = spelled[reason.casefold()]
    if not reason and store.assist_reason_required:
        raise DomainError(AssistError.REASON_REQUIRED, f"{store.name} asks why you are accessing the account: choose "
                          "a reason.", status=400, fields={"reason": ["Choose a reason."]})  # fmt: skip
    if not ticket and store.assist_case_required:
        raise DomainError(AssistError.CASE_REQUIRED, f"{store.name} asks for the case or ticket reference of every "
                          "session.", status=400, fields={"ticket": ["Enter the case reference."]})  # fmt: skip
    return reason, ticket


def verification_needed(customer: Customer) -> bool:
    """Whether a session for ``customer`` starts only with the one-time code sent to them
    (``assist/verification.py``): where their store requires it, for a customer with an account of
    their own — a guest record customer service made for an anonymous shopper has no one to ask."""
    if customer.store.assist_verification != Store.Verification.REQUIRED:
        return False
    return not (customer.user_id is None and customer.kind == Customer.Kind.SINGLE_SESSION_USER)


def session_start(
    ctx: ActingContext,
    *,
    customer_id: object,
    reason: str = "",
    ticket: str = "",
    channel: str = AssistedSession.Channel.STOREFRONT,
    verification: SessionVerification | None = None,
) -> AssistedSession:
    """Start acting for a customer. An open session of the agent elsewhere ends first (bar 5).

    Where the customer's store requires verification, only with ``verification``: the pending
    verification whose code the agent has just entered right (``verification_confirm``)."""
    try:
        customer_pk = int(str(customer_id))
    except ValueError:
        customer_pk = 0
    customer = Customer.objects.select_related("user", "store").filter(pk=customer_pk).first()
    customer = check_can_assist(ctx, customer)
    reason, ticket = session_reason_checked(customer.store, reason=reason, ticket=ticket)
    agent = ctx.signed_in_user
    verified = (
        verification is not None
        and verification.status == SessionVerification.Status.PENDING
        and (verification.customer_id, verification.agent_id) == (customer.pk, agent.pk)
    )
    if not verified and verification_needed(customer):
        raise DomainError(AssistError.VERIFICATION_REQUIRED, f"{customer.store.name} asks the customer to confirm "
                          "each session with a code: send them one first.", status=409)  # fmt: skip
    with transaction.atomic():
        for previous in AssistedSession.objects.select_for_update().filter(agent=agent, ended_at=None):
            _end(ctx, previous, R.REPLACED)
        try:
            with transaction.atomic():
                session = AssistedSession.objects.create(
                    agent=agent, customer=customer, channel=channel, reason=reason, ticket=ticket,
                    verified_at=clock.now() if verified else None,
                    verified_with=verification.sent_with if verification is not None and verified else "",
                )  # fmt: skip
        except IntegrityError:
            # The same agent started a session from another tab at this very moment.
            raise DomainError(
                AssistError.ALREADY_ASSISTING, "Another session of yours has just started; try again.", status=409
            ) from None
        _tell_customer(session, "started")
        record(
            assisting(ctx, session),
            action=AssistAction.SESSION_STARTED,
            subject_kind="customer",
            subject_id=customer.pk,
            data={
                "session": session.pk,
                "channel": channel,
                "reason": session.reason,
                "ticket": session.ticket,
                **({"verified_with": session.verified_with} if session.verified_with else {}),
            },
        )
    return session


def session_end(ctx: ActingContext, *, reason: str = R.SIGNED_IN_AS_SELF) -> AssistedSession:
    """The agent stops acting for the customer ("Sign in as Yourself")."""
    session = ctx.assisted_session
    if session is None:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    with transaction.atomic():
        locked = AssistedSession.objects.select_for_update().select_related("customer__store").get(pk=session.pk)
        if locked.is_open:
            _end(ctx, locked, reason)
    return locked


def session_end_by_customer(ctx: ActingContext, *, session_id: object) -> AssistedSession:
    """End access now: the customer ends a live session on their own account, at once. The agent's
    next action in it is refused (the session is over); both ends are audited, this one as the
    customer's own."""
    customer = ctx.customer
    if customer is None or ctx.acts_on_behalf:
        raise DomainError(CommonError.PERMISSION_DENIED, "Only the customer can end access to their account.",
                          status=403)  # fmt: skip
    try:
        pk = int(str(session_id))
    except ValueError:
        pk = 0
    with transaction.atomic():
        session = AssistedSession.objects.select_for_update().filter(pk=pk, customer=customer).first()
        if session is None:
            raise NotFound("No such customer service session on your account.")
        if session.ended_at is not None:
            raise DomainError(AssistError.SESSION_ENDED, "That session has already ended.", status=409)
        _end(ctx, session, R.ENDED_BY_CUSTOMER)
        record(ctx, action=AssistAction.SESSION_ENDED_BY_CUSTOMER, subject_kind="customer", subject_id=customer.pk,
               data={"session": session.pk, "agent": session.agent.display_name})  # fmt: skip
    return session


def _end(ctx: ActingContext, session: AssistedSession, reason: str) -> None:
    """End ``session`` (row locked by the caller): let go of the carts its agent locked for the
    customer, and audit both, attributed to the agent acting for the customer."""
    acting = assisting(ctx.evolve(user=session.agent), session)
    cart_leases_release_for(acting, agent=session.agent, customer=session.customer)
    session.end(reason, at=clock.now())
    session.save(update_fields=["status", "ended_at", "end_reason"])
    _tell_customer(session, "ended")
    record(
        acting,
        action=AssistAction.SESSION_ENDED,
        subject_kind="customer",
        subject_id=session.customer_id,
        data={"session": session.pk, "reason": reason, "minutes": _minutes(session)},
    )


def _tell_customer(session: AssistedSession, what: str) -> None:
    """Email the customer that a session on their account started or ended, where their store asks
    for it, once the change commits."""
    customer = session.customer
    store = customer.store
    if not store.assist_session_emails or not customer.email:
        return
    session_id = session.pk

    def send() -> None:
        from django.urls import reverse

        from concierge.assist.ledger import customer_ledger, helper_name

        fresh = AssistedSession.objects.select_related("agent", "customer__store").get(pk=session_id)
        entry = next((e for e in customer_ledger(fresh.customer) if e.session.pk == session_id), None)
        context = {
            "customer": fresh.customer, "store": store, "session": fresh,
            "helper": helper_name(fresh, full_names=store.assist_ledger_full_names),
            "minutes": entry.minutes if entry else _minutes(fresh), "changes": entry.changes if entry else [],
            "url": settings.CONCIERGE_SITE_URL.rstrip("/") + reverse("storefront:customer_service_sessions"),
        }  # fmt: skip
        send_templated(fresh.customer.email, f"assist/email/session_{what}", context)

    transaction.on_commit(send)


def _minutes(session: AssistedSession) -> int:
    return int(((session.ended_at or clock.now()) - session.started_at).total_seconds() // 60)


# The open session a request names, with its customer (their store and user) and its agent:
# read on every request of an assisted session, so compiled once per process (core/prepared.py).
_OPEN_SESSION = PreparedQuery(
    lambda pk: (
        AssistedSession.objects.select_related("customer__store", "customer__user", "agent")
        .filter(pk=pk, ended_at=None)
        .order_by()[:1]
    ),
    pk=-7_000_000_001,
)


@dataclass(frozen=True, slots=True)
class SessionState:
    """What a request naming an assisted session finds: the open session, and why it is over if it
    is (the caller ends it with :func:`session_expire`)."""

    session: AssistedSession | None
    over_reason: str = ""


def session_state(
    user: User | None,
    session_id: object,
    *,
    browser: bool = False,
    rows: dict[int, AssistedSession | None] | None = None,
) -> SessionState:
    """The open session ``session_id`` as ``user`` finds it; reads only.

    Another agent's session is not found. One whose agent went idle, reached the time limit or lost
    access (disabled, demoted, no longer serving the customer's store, the customer disabled or
    opted out) is over (bars 3 and 4). With nobody signed in, the browser's own session is over
    (its agent was disabled or signed out elsewhere); a session named by an API caller who is not
    signed in is over only if its agent has lost access. ``rows`` keeps the sessions one request
    has read, so its second resolution (after a bearer token is read) reads none again.
    """
    try:
        pk = int(str(session_id))
    except ValueError:
        return SessionState(None)
    if not 1 <= pk < 2**63:
        return SessionState(None)
    if rows is not None and pk in rows:
        session = rows[pk]  # read already by this request (an API call resolves twice: before and after its token)
    else:
        session = _OPEN_SESSION.first(pk=pk)
        if rows is not None:
            rows[pk] = session
    if session is None:
        return SessionState(None)
    if user is None:
        if browser or not may_assist(session.agent):
            if rows is not None:
                rows.pop(pk, None)  # it is about to be ended: read again, as it then is
            return SessionState(session, R.ACCESS_LOST)
        return SessionState(None)
    if session.agent_id != user.pk:
        return SessionState(None)  # not the agent's: never resolves for anyone else
    now = clock.now()
    if not may_assist(user):
        return SessionState(session, R.ACCESS_LOST)
    if now - session.last_seen_at >= idle_timeout():
        return SessionState(session, R.IDLE)
    if now - session.started_at >= time_limit():
        return SessionState(session, R.TIME_LIMIT)
    if not still_assistable(user, session.customer):
        return SessionState(session, R.ACCESS_LOST)
    return SessionState(session)


def session_expire(ctx: ActingContext, *, session: AssistedSession, reason: str) -> None:
    """End a session found to be over (idle, time limit, access lost), whoever's request found it."""
    end_session_row(ctx, session.pk, reason)


def session_touch(ctx: ActingContext) -> bool:
    """The agent is working (a change, or the open page's heartbeat): push the session's idle
    deadline and their cart leases for the customer out — at most once a minute, so that a busy page
    is not a write every time. Returns whether anything was renewed."""
    session = ctx.assisted_session
    if session is None or ctx.user is None:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    now = clock.now()
    if now - session.last_seen_at < TOUCH_EVERY:
        return False
    with transaction.atomic():
        AssistedSession.objects.filter(pk=session.pk, ended_at=None).update(last_seen_at=now)
        cart_leases_renew_for(agent=ctx.user, customer=session.customer)
    session.last_seen_at = now
    return True


def session_resolve(ctx: ActingContext, session_id: object) -> AssistedSession | None:
    """The open session ``session_id`` of ``ctx.user``, renewed; ``None`` once it has ended —
    ending it now if it is over. For callers that hold a session id of their own (a cart takeover);
    a request's own session is resolved by the middleware."""
    state = session_state(ctx.user, session_id)
    if state.session is None:
        return None
    if state.over_reason:
        session_expire(ctx, session=state.session, reason=state.over_reason)
        return None
    session_touch(assisting(ctx, state.session))
    return state.session


def end_session_row(ctx: ActingContext, session_id: int, reason: str) -> None:
    with transaction.atomic():
        session = (
            AssistedSession.objects.select_for_update()
            .select_related("customer__store", "agent")
            .filter(pk=session_id, ended_at=None)
            .first()
        )
        if session is not None:
            _end(ctx, session, reason)


def user_signed_out(ctx: ActingContext, *, user: User) -> None:
    """``user`` signed out (here, or everywhere): everything they hold for their sessions ends — their
    open assisted sessions (bar 4), and every lease they hold, of every kind (cart locks, orders open
    for editing: seed 004 "the system automatically unlocks each order"), one audit event each."""
    for session_id in AssistedSession.objects.filter(agent=user, ended_at=None).values_list("pk", flat=True):
        end_session_row(ctx, session_id, R.SIGNED_OUT)
    for held in leases.live_leases_of(user):
        with transaction.atomic():
            row = type(held)._default_manager.select_for_update(of=("self",)).filter(pk=held.pk).first()
            if row is None or not row.lease_held_by(user):
                continue
            leases.clear(row)
            record(ctx, action=row.lease_unlocked_action(), subject_kind=row.lease_subject_kind(),
                   subject_id=row.pk, data={"reason": "signed out"})  # fmt: skip
