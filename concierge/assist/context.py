"""Resolving a request's acting context (DESIGN.md principle 1): who is signed in, the customer
they serve, the organization a seller acts for, and the assisted session an agent works in.

Resolution only reads. What it finds out about an assisted session that is over (idle, time limit,
the agent lost access) it reports in :class:`Resolution`; the middleware (``assist/middleware.py``)
then ends it by an explicit service call, and forgets it in the browser.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from concierge.assist.errors import AssistError
from concierge.assist.services import SessionState, assisting, session_state
from concierge.core.context import ActingContext, client_ip
from concierge.core.errors import DomainError
from concierge.customers.guests import guest_for_session
from concierge.customers.selectors import account_for_user, account_to_act_for, customer_for_user
from concierge.stores.selectors import default_store

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.assist.models import AssistedSession
    from concierge.customers.models import Customer
    from concierge.identity.models import User

# The header by which an API caller names its assisted session on each request (a bearer token
# has no Django session), and the Django session key that names a browser's (seed 000).
ASSISTED_SESSION_HEADER = "X-Assisted-Session"
ASSISTED_SESSION_KEY = "assisted_session_id"
# The account a signed-in person buys for: the browser's choice (a seller's organization, an
# associate's account) is kept in the Django session under this key; an API caller names it on
# each request with this header (its account id), as it names an assisted session.
ACCOUNT_KEY = "account_id"
ACCOUNT_HEADER = "X-Account"


@dataclass(frozen=True, slots=True)
class Resolution:
    ctx: ActingContext
    # An open session this request named that is over: the caller ends it (``session_expire``).
    over: AssistedSession | None = None
    over_reason: str = ""
    # The browser's session key named a session that is no longer this agent's to work in.
    forget_in_browser: bool = False
    # An API caller named a session that has ended: the request is refused with this.
    refused: DomainError | None = None
    # The account the browser's seller or associate acted for can no longer be acted for (disabled,
    # unassigned, the association removed): the browser forgets it.
    account_dropped: bool = False


def own_context(request: HttpRequest) -> ActingContext:
    """The signed-in person acting for themself (or for the account they chose: a seller's
    organization, an associate's account)."""
    return _own(request)[0]


def _own(request: HttpRequest) -> tuple[ActingContext, bool, DomainError | None]:
    user = request.user if request.user.is_authenticated else None
    customer = customer_for_user(user) if user is not None else None
    if customer is not None and not customer.is_active:
        user, customer = None, None  # a disabled customer acts for no one (bar 28)
    if user is None and hasattr(request, "session") and not request.path.startswith("/api/"):
        customer = guest_for_session(request.session)  # an anonymous shopper checking out as a guest
    account, dropped, refused = _account_in_use(request, user)
    if account is not None:
        # A seller buys "as if you were that customer organization" (seed 003), and an associate
        # transacts on behalf of the account (seed 004): the account is the customer served, so its
        # cart, addresses, prices and payment sources are used, and its orders are placed by the
        # person signed in on its behalf.
        customer = account
    store = customer.store if customer is not None and customer.store_id else default_store()
    ctx = ActingContext(
        user=user,
        customer=customer,
        account=account,
        store=store,
        request_id=getattr(request, "request_id", "") or uuid.uuid4().hex,
        client_ip=client_ip(request),
    )
    return ctx, dropped, refused


def _account_in_use(request: HttpRequest, user: User | None) -> tuple[Customer | None, bool, DomainError | None]:
    """The account ``user`` acts for on this request, whether the browser's choice no longer holds
    (to be forgotten), and the refusal of an API request naming one that is not theirs. Read again
    on every request, so an association removed or an account disabled counts on the next one."""
    if user is None:
        return None, False, None
    header = request.headers.get(ACCOUNT_HEADER) if request.path.startswith("/api/") else None
    if header:
        try:
            return account_to_act_for(user, header).account, False, None
        except DomainError as exc:  # never a silent return to buying for oneself
            return None, False, exc
    if account_id := request.session.get(ACCOUNT_KEY):
        account = account_for_user(user, account_id)
        return account, account is None, None
    return None, False, None


def resolve(request: HttpRequest) -> Resolution:
    """The acting context of ``request`` — the one place that reads ``request.user`` — and what it
    found about the assisted session the request names. Writes nothing."""
    ctx, dropped, refused = _own(request)
    found = _sessions(request, ctx)
    if refused is not None and found.refused is None:
        found = replace(found, refused=refused)
    return replace(found, account_dropped=True) if dropped else found


def _sessions(request: HttpRequest, ctx: ActingContext) -> Resolution:
    header = request.headers.get(ASSISTED_SESSION_HEADER) if request.path.startswith("/api/") else None
    if header:
        state = session_state(ctx.user, header, rows=request.__dict__.setdefault("_assisted_session_rows", {}))
        if ctx.user is None:
            # Not signed in (yet: a bearer token is read later, and resolves again). A session whose
            # agent has lost access ends now, whatever this request is answered (bar 4).
            return _over(ctx, state)
        if state.session is None or state.over_reason:
            # One that has ended is an error, never a silent return to acting as the agent.
            return Resolution(
                ctx,
                over=state.session,
                over_reason=state.over_reason,
                refused=DomainError(
                    AssistError.SESSION_ENDED,
                    "This assisted session has ended (signed out, timed out or replaced). Start a new one.",
                    status=409,
                ),
            )
        return Resolution(assisting(ctx, state.session))
    if (session_id := request.session.get(ASSISTED_SESSION_KEY)) is None:
        return Resolution(ctx)
    state = session_state(ctx.user, session_id, browser=True)
    if state.session is not None and not state.over_reason:
        return Resolution(assisting(ctx, state.session))
    return Resolution(ctx, over=state.session, over_reason=state.over_reason, forget_in_browser=True)


def _over(ctx: ActingContext, state: SessionState) -> Resolution:
    if state.session is not None and state.over_reason:
        return Resolution(ctx, over=state.session, over_reason=state.over_reason)
    return Resolution(ctx)
