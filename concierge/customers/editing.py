"""The one way into a change of a customer or account record (RELIABILITY bars 11-13 and 29).

Every console edit of a record — profile, status, addresses, segments, children, associates,
consents changed by staff, erasure — is written as::

    with customer_edit(ctx, customer_id=c.pk, guard=EditGuard(version=v, lease_token=t),
                       then=Then.KEEP) as edit:
        ...change edit.customer...
        edit.record(CustomerAction.UPDATED, changes=changes)

``customer_edit`` locks the row (another store's record is "not found"), requires the version the
editor loaded and the token of the lock they hold (missing version 428, missing or foreign token
409, a record that moved on 412), runs the change, bumps the version once when something was
recorded, writes the audit events — on behalf of the customer, so an agent's edit reads "Ann Agent
for Jane Shopper" — and releases the lock (a Save) or keeps it. Concierge itself says ``SYSTEM``.
Changes the customer makes to their own record in the storefront do not take the console's lock;
they bump the version too, so a console editor who loaded the record before is refused (412).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.core import clock, leases
from concierge.core.edits import SYSTEM, EditGuard, Guard, SystemChange, Then, is_system, version_of
from concierge.core.errors import DomainError, PermissionDenied
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.locks import (
    CUSTOMER_LEASE,
    CUSTOMER_LEASE_TTL,
    locked_by_other_error,
    locked_customer,
    modified_since_loaded_error,
    version_required_error,
)
from concierge.customers.models import Customer

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

__all__ = [
    "SYSTEM",
    "CustomerEdit",
    "EditGuard",
    "Guard",
    "Then",
    "check_guard",
    "customer_edit",
    "moved_on_outside_console",
    "parse_version",
]


@dataclass
class CustomerEdit:
    """The record under change, locked for the caller's transaction, and the events to record."""

    ctx: ActingContext  # the caller's context, acting for the record's customer (both are audited)
    customer: Customer
    events: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def record(self, action: str, *, changes: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> None:
        """An audit event of this change, written when the change is done (with the version bump)."""
        self.events.append((action, changes or {}, data or {}))


def check_guard(customer: Customer, guard: EditGuard, *, user_id: int) -> None:
    """The loaded version (missing 428, moved on 412), then the lock's live token (missing or
    foreign 409, naming a holder who is someone else). A good token renews the lease."""
    if guard.version is None:
        raise version_required_error()
    if guard.version != customer.version:
        raise modified_since_loaded_error(customer)
    token = guard.lease_token or ""
    theirs = not token or secrets.compare_digest(token, customer.lease_token)
    if customer.lease_is_live() and customer.lease_holder_id != user_id and theirs:
        raise locked_by_other_error(customer)
    if not token:
        raise DomainError(
            CustomerError.LOCK_LOST,
            f"{customer.display_name} is not open for editing by you: choose Edit to lock the record, "
            "then make the change.",
            status=409,
            data={"locked_by": customer.lease_holder_name() if customer.lease_is_live() else None},
        )
    leases.check(customer, token, codes=CUSTOMER_LEASE, ttl=CUSTOMER_LEASE_TTL)


@contextmanager
def customer_edit(ctx: ActingContext, *, customer_id: int, guard: Guard, then: Then) -> Iterator[CustomerEdit]:
    """Lock → scope → guard → the caller's change → version bump → audit → release or keep."""
    with transaction.atomic():
        if isinstance(guard, SystemChange):
            if not is_system(ctx):
                raise PermissionDenied("Only Concierge itself changes a customer record without its lock.")
            customer = (
                Customer.objects.select_for_update(of=("self",)).select_related("store", "user").get(pk=customer_id)
            )
        else:
            if ctx.user is None:
                raise PermissionDenied("Editing a customer record needs a signed-in member of customer service.")
            customer = locked_customer(ctx, customer_id)  # store scope and console access: else "not found"
            check_guard(customer, guard, user_id=ctx.signed_in_user.pk)
        edit = CustomerEdit(ctx=ctx.for_customer(customer), customer=customer)
        yield edit
        if edit.events:
            now = clock.now()
            Customer.objects.filter(pk=customer.pk).update(version=F("version") + 1, updated_at=now)
            customer.version += 1
            customer.updated_at = now
            for action, changes, data in edit.events:
                record(edit.ctx, action=action, subject_kind="customer", subject_id=customer.pk,
                       changes=changes, data=data)  # fmt: skip
        if then == Then.RELEASE and isinstance(guard, EditGuard) and customer.lease_is_live():
            leases.clear(customer)
            record(edit.ctx, action=CustomerAction.UNLOCKED, subject_kind="customer", subject_id=customer.pk,
                   data={"reason": "saved"})  # fmt: skip


def moved_on_outside_console(customer_id: int) -> None:
    """A change to the record made outside the console's editor (the customer's own sign-in email,
    an account administrator's associates): the version moves on, so a console editor who loaded
    the record before is refused (412) instead of saving over it. Inside the caller's transaction."""
    Customer.objects.filter(pk=customer_id).update(version=F("version") + 1, updated_at=clock.now())


def parse_version(value: str | None) -> int | None:
    """The record version an edit names (a hidden field or ``If-Match``); ``None`` when not given
    (``customer_edit`` then answers 428)."""
    if value is None or not str(value).strip():
        return None
    try:
        return version_of(value)
    except ValueError as exc:
        raise DomainError(CustomerError.STALE, 'The record version must be a number, e.g. "3".', status=412) from exc
