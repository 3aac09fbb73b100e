"""Assisted sessions: start, resolve on each request, end (seed 000 steps 4 to 8; bars 1 to 8).

An agent starts a session for a customer; from then on every request of theirs acts for that
customer (``ActingContext.customer``) and carries the session (``ActingContext.assisted_session``),
so every write is audited with both identities. The session ends when the agent signs in as
themself, starts another, signs out, loses access, goes idle or reaches the time limit.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession
from concierge.assist.policies import check_can_assist, may_assist
from concierge.audit.services import record
from concierge.core import clock
from concierge.core.errors import DomainError
from concierge.customers.models import Customer

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.identity.models import User

TOUCH_EVERY = dt.timedelta(seconds=60)
R = AssistedSession.EndReason


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONCIERGE_ASSIST_IDLE_MINUTES)


def time_limit() -> dt.timedelta:
    return dt.timedelta(hours=settings.CONCIERGE_ASSIST_MAX_HOURS)


def cart_lease_ttl() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONCIERGE_CART_LEASE_MINUTES)


def assisting(ctx: ActingContext, session: AssistedSession) -> ActingContext:
    """``ctx`` acting for the session's customer (and, for an organization, in its account)."""
    customer = session.customer
    account = customer if customer.kind == Customer.Kind.ACCOUNT else None
    return ctx.evolve(customer=customer, account=account, store=customer.store, assisted_session=session)


def session_start(
    ctx: ActingContext,
    *,
    customer_id: object,
    reason: str = "",
    ticket: str = "",
    channel: str = AssistedSession.Channel.STOREFRONT,
) -> AssistedSession:
    """Start acting for a customer. An open session of the agent elsewhere ends first (bar 5)."""
    try:
        customer_pk = int(str(customer_id))
    except ValueError:
        customer_pk = 0
    customer = Customer.objects.select_related("user", "store").filter(pk=customer_pk).first()
    customer = check_can_assist(ctx, customer)
    agent = ctx.user
    with transaction.atomic():
        for previous in AssistedSession.objects.select_for_update().filter(agent=agent, ended_at=None):
            _end(ctx, previous, R.REPLACED)
        try:
            with transaction.atomic():
                session = AssistedSession.objects.create(
                    agent=agent, customer=customer, channel=channel, reason=reason.strip(), ticket=ticket.strip()
                )
        except IntegrityError:
            # The same agent started a session from another tab at this very moment.
            raise DomainError(
                AssistError.ALREADY_ASSISTING, "Another session of yours has just started; try again.", status=409
            ) from None
        record(
            assisting(ctx, session),
            action="assist.session_started",
            subject_kind="customer",
            subject_id=customer.pk,
            data={"session": session.pk, "channel": channel, "reason": session.reason, "ticket": session.ticket},
        )
    return session


def session_end(ctx: ActingContext, *, reason: str = R.SIGNED_IN_AS_SELF) -> AssistedSession:
    """The agent stops acting for the customer ("Sign in as Yourself")."""
    session = ctx.assisted_session
    if session is None:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    with transaction.atomic():
        locked = AssistedSession.objects.select_for_update().select_related("customer__store").get(pk=session.pk)
        if locked.ended_at is None:
            _end(ctx, locked, reason)
    return locked


def _end(ctx: ActingContext, session: AssistedSession, reason: str) -> None:
    """End ``session`` (row locked by the caller): let go of the carts its agent locked for the
    customer, and audit both, attributed to the agent acting for the customer."""
    from concierge.carts.services import cart_leases_release_for

    acting = assisting(ctx.evolve(user=session.agent), session)
    cart_leases_release_for(acting, agent=session.agent, customer=session.customer)
    session.ended_at = clock.now()
    session.end_reason = reason
    session.save(update_fields=["ended_at", "end_reason"])
    record(
        acting,
        action="assist.session_ended",
        subject_kind="customer",
        subject_id=session.customer_id,
        data={"session": session.pk, "reason": reason, "minutes": _minutes(session)},
    )


def _minutes(session: AssistedSession) -> int:
    return int(((session.ended_at or clock.now()) - session.started_at).total_seconds() // 60)


def session_resolve(ctx: ActingContext, session_id: object) -> AssistedSession | None:
    """The open session ``session_id`` of ``ctx.user``, renewed; ``None`` once it has ended —
    ending it now if the agent went idle, reached the limit or lost access (bars 3 and 4)."""
    from concierge.carts.services import cart_leases_renew_for

    try:
        pk = int(str(session_id))
    except ValueError:
        return None
    session = (
        AssistedSession.objects.select_related("customer__store", "customer__user", "agent")
        .filter(pk=pk, ended_at=None)
        .first()
    )
    if session is None:
        return None
    if ctx.user is None or session.agent_id != ctx.user.pk:
        return None  # not the agent's: never resolves for anyone else
    now = clock.now()
    reason = None
    if not may_assist(ctx.user):
        reason = R.ACCESS_LOST
    elif now - session.last_seen_at >= idle_timeout():
        reason = R.IDLE
    elif now - session.started_at >= time_limit():
        reason = R.TIME_LIMIT
    elif not _still_assistable(ctx.user, session.customer):
        reason = R.ACCESS_LOST
    if reason is not None:
        end_session_row(ctx, session.pk, reason)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        # The agent is working: push the idle deadline and their cart leases out (at most once a
        # minute, so a page view is not a write every time).
        with transaction.atomic():
            AssistedSession.objects.filter(pk=session.pk, ended_at=None).update(last_seen_at=now)
            cart_leases_renew_for(agent=ctx.user, customer=session.customer, ttl=cart_lease_ttl())
        session.last_seen_at = now
    return session


def _still_assistable(agent: User, customer: Customer) -> bool:
    """What starting a session checked about the pair, checked again on every request: the agent
    still serves the customer's store, and the customer (and their sign-in) is active and has not
    opted out."""
    user = customer.user
    return (
        customer.is_active
        and not customer.assistance_opt_out
        and (user is None or user.is_active)
        and agent.stores.filter(pk=customer.store_id).exists()
    )


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


def agent_signed_out(user: User) -> None:
    """Every open session of ``user`` ends (bar 4); the carts they locked are let go."""
    from concierge.core.context import ActingContext

    ctx = ActingContext(user=user)
    for session_id in AssistedSession.objects.filter(agent=user, ended_at=None).values_list("pk", flat=True):
        end_session_row(ctx, session_id, R.SIGNED_OUT)
