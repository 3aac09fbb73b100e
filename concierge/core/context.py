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
    return ActingContext(
        user=user,
        customer=customer,
        account=account,
        store=store,
        request_id=getattr(request, "request_id", uuid.uuid4().hex),
        client_ip=client_ip(request),
    )


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (granian/gunicorn --forwarded-allow-ips);
    # X-Forwarded-For is client-controlled and never trusted here.
    return request.META.get("REMOTE_ADDR", "") or ""
