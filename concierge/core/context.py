"""The acting context: who acts, for whom, in which account and assisted session.

Every request carries one :class:`ActingContext` (``request.ctx``), resolved once, eagerly, by the
assist domain's middleware (``concierge/assist/middleware.py``), and every service takes it as its
first argument. Nothing else reads "the current user": a storefront view asks ``ctx.customer`` whom
it serves, and the audit log reads ``ctx`` to attribute each change to the person who made it and
the customer it was made for.

This is the ground floor: the dataclass and nothing that reads a domain's tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

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
    def signed_in_user(self) -> User:
        """The user, where the caller has already required a signed-in one (an agent assisting, a
        console editor): refuses, never ``None``, so the type checker knows there is one."""
        if self.user is None:
            raise PermissionDenied("This needs a signed-in user.")
        return self.user

    @property
    def served_customer(self) -> Customer:
        """The customer served, where the caller has already required one (``customer_required``, an
        assisted session): refuses, never ``None``, so the type checker knows there is one."""
        if self.customer is None:
            raise PermissionDenied("This needs a customer to act for.")
        return self.customer

    @property
    def actor_label(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.system_label or "anonymous"

    @property
    def is_assisting(self) -> bool:
        """True when a staff member acts for a customer who is not themself."""
        return self.assisted_session is not None

    @property
    def acts_on_behalf(self) -> bool:
        """True when the person signed in acts for someone else: an agent assisting a customer, or a
        seller acting for a customer organization (the on-behalf deny list applies to both)."""
        return self.assisted_session is not None or self.account is not None

    def has_perm(self, perm: str) -> bool:
        return self.user is not None and self.user.is_active and self.user.has_perm(perm)

    def evolve(self, **changes: Any) -> ActingContext:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def with_account(self, account: Customer | None) -> ActingContext:
        return replace(self, account=account)

    def for_customer(self, customer: Customer, *, account: Customer | None = None) -> ActingContext:
        """Staff work on a customer's record (an order edit in the console) is done for that customer:
        the audit log names both. A context that already serves a customer is kept as it is."""
        if self.customer is not None:
            return self
        return replace(self, customer=customer, account=account)

    def as_user(self, user: User, *, customer: Customer | None = None, store: Store | None = None) -> ActingContext:
        """The same request, now acting as ``user`` (who has just registered or signed in)."""
        return replace(self, user=user, customer=customer, account=None, store=store or self.store)


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (granian/gunicorn --forwarded-allow-ips);
    # X-Forwarded-For is client-controlled and never trusted here.
    return request.META.get("REMOTE_ADDR", "") or ""
