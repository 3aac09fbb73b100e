"""The acting context: who acts, for whom, in which account and assisted session.

Every request resolves one :class:`ActingContext` (``request.ctx``, built by
``ActingContextMiddleware`` through :func:`build_context`), and every service takes it as its first
argument. Nothing else reads "the current user": a storefront view asks ``ctx.customer`` whom it
serves, and the audit log reads ``ctx`` to attribute each change to the person who made it and the
customer it was made for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from concierge.core import lease_tokens

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.customers.models import Customer
    from concierge.identity.models import User
    from concierge.stores.models import Store


@dataclass(frozen=True, slots=True)
class ActingContext:
    """Immutable for the life of a request; services never change it, views rebuild it."""

    user: User | None
    customer: Customer | None = None
    account: Customer | None = None
    store: Store | None = None
    # The assisted session (a CSR acting for ``customer``); set by the assist domain.
    assisted_session: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_ip: str = ""
    # A label for work no person started (demo data, the worker's own maintenance).
    system_label: str = ""

    @classmethod
    def system(cls, label: str, *, store: Store | None = None) -> ActingContext:
        """The context of work done by Concierge itself, named for the audit log."""
        return cls(user=None, store=store, system_label=label)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def actor_label(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.system_label or "anonymous"

    @property
    def is_assisting(self) -> bool:
        """True when a staff member acts for a customer who is not themself."""
        return self.assisted_session is not None

    def has_perm(self, perm: str) -> bool:
        return self.user is not None and self.user.is_active and self.user.has_perm(perm)

    def evolve(self, **changes: Any) -> ActingContext:
        """A copy with ``changes`` (works through the request's lazy wrapper, unlike ``replace``)."""
        return replace(self, **changes)

    def with_account(self, account: Customer | None) -> ActingContext:
        return replace(self, account=account)

    def as_user(self, user: User, *, customer: Customer | None = None, store: Store | None = None) -> ActingContext:
        """The same request, now acting as ``user`` (who has just registered or signed in)."""
        return replace(self, user=user, customer=customer, account=None, store=store or self.store)


def build_context(request: HttpRequest) -> ActingContext:
    """Resolve the acting context of ``request`` — the one place that reads ``request.user``."""
    from concierge.customers.selectors import account_for_seller, customer_for_user
    from concierge.stores.selectors import default_store

    user = request.user if request.user.is_authenticated else None
    customer = customer_for_user(user) if user is not None else None
    account = None
    if user is not None and (account_id := request.session.get("account_id")):
        account = account_for_seller(user, account_id)
        if account is not None:
            # A seller buys "as if you were that customer organization" (seed 003): the organization
            # is the customer served, so its cart, addresses, prices and payment sources are used,
            # and its orders are placed by the seller on its behalf.
            customer = account
    store = customer.store if customer is not None and customer.store_id else default_store()
    ctx = ActingContext(
        user=user,
        customer=customer,
        account=account,
        store=store,
        request_id=getattr(request, "request_id", uuid.uuid4().hex),
        client_ip=client_ip(request),
    )
    header = request.headers.get(ASSISTED_SESSION_HEADER) if request.path.startswith("/api/") else None
    if header and user is not None:
        # An API caller names its session in each request (a bearer token has no Django session).
        # One that has ended is an error, never a silent return to acting as the agent.
        from concierge.assist.errors import AssistError
        from concierge.assist.services import assisting, session_resolve
        from concierge.core.errors import DomainError

        session = session_resolve(ctx, header)
        if session is None:
            raise DomainError(
                AssistError.SESSION_ENDED,
                "This assisted session has ended (signed out, timed out or replaced). Start a new one.",
                status=409,
            )
        return assisting(ctx, session)
    if (session_id := request.session.get(ASSISTED_SESSION_KEY)) is not None:
        ctx = _assisted(request, ctx, session_id)
    return ctx


ASSISTED_SESSION_HEADER = "X-Assisted-Session"


# The Django session key that names the assisted session of a browser (seed 000).
ASSISTED_SESSION_KEY = "assisted_session_id"


def _assisted(request: HttpRequest, ctx: ActingContext, session_id: object) -> ActingContext:
    """Act for the customer of the browser's assisted session while it is open; once it has ended
    (or its agent is signed out or disabled), forget it and rotate the session key (bar 2)."""
    from concierge.assist.models import AssistedSession
    from concierge.assist.services import assisting, end_session_row, session_resolve

    session = session_resolve(ctx, session_id) if ctx.user is not None else None
    if session is not None:
        return assisting(ctx, session)
    if ctx.user is None and isinstance(session_id, int):
        end_session_row(ctx, session_id, AssistedSession.EndReason.ACCESS_LOST)  # disabled, or signed out elsewhere
    request.session.pop(ASSISTED_SESSION_KEY, None)
    lease_tokens.forget_all(request, "cart")
    if ctx.user is not None:
        from django.contrib import messages

        request.session.cycle_key()
        messages.info(request, "Your session on behalf of the customer has ended. You are signed in as yourself.")
    return ctx


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (granian/gunicorn --forwarded-allow-ips);
    # X-Forwarded-For is client-controlled and never trusted here.
    return request.META.get("REMOTE_ADDR", "") or ""
