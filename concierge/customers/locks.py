"""Customer record locks: the console's record editor (seed 004 "Editing a User record", "Editing
an Account record") takes the record's lease as the order editor does (``orders/locks.py``), and
every change goes through ``customers/editing.py::customer_edit``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.db import transaction

from concierge.audit.services import record
from concierge.core import leases
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.identity.policies import can_find_customers, stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

CUSTOMER_LEASE_TTL = dt.timedelta(minutes=3)
CUSTOMER_HEARTBEAT = dt.timedelta(minutes=1)
CUSTOMER_LEASE = leases.LeaseCodes(held=CustomerError.LOCKED, lost=CustomerError.LOCK_LOST, noun="customer record")


def locked_customer(ctx: ActingContext, customer_id: int) -> Customer:
    """The record, locked for the rest of the caller's transaction: customer service of its store,
    or a seller who manages organizations for an organization assigned to them (seed 003); missing,
    another store's and an unassigned organization are all "not found" (bar 9)."""
    if not 1 <= customer_id < 2**63:
        raise NotFound("No such customer.")
    rows = Customer.objects.select_for_update(of=("self",)).select_related("store", "user").filter(pk=customer_id)
    if can_find_customers(ctx):
        rows = rows.filter(store_id__in=stores_served(ctx))
    elif ctx.user is not None and ctx.has_perm(Priv.MANAGE_ORGANIZATIONS):
        rows = rows.filter(kind=Customer.Kind.ACCOUNT, seller_assignments__seller=ctx.user)
    else:
        raise NotFound("No such customer.")
    customer = rows.first()
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def locked_by_other_error(customer: Customer, data: dict | None = None) -> DomainError:
    return DomainError(
        CustomerError.LOCKED,
        f"{customer.lease_holder_name()} is editing {customer.display_name}. You can only view the record.",
        status=409,
        data=data or {"locked_by": customer.lease_holder_name()},
    )


def modified_since_loaded_error(customer: Customer) -> DomainError:
    return DomainError(
        CustomerError.STALE,
        f"{customer.display_name} cannot be saved: the record has been changed since the page was loaded. "
        "Reload it to see the changes.",
        status=412,
        data={"version": customer.version},
    )


def version_required_error() -> DomainError:
    return DomainError(
        CustomerError.VERSION_REQUIRED, "Name the version of the record you loaded (If-Match).", status=428
    )


def customer_lock(ctx: ActingContext, *, customer_id: int, expected_version: int | None = None) -> leases.Grant:
    """Open the record for editing: lock it for ``ctx.user`` (their own live lock is renewed and
    keeps its token; someone else's is refused, naming them)."""
    if ctx.user is None:
        raise PermissionDenied()
    with transaction.atomic():
        customer = locked_customer(ctx, customer_id)
        if expected_version is not None and expected_version != customer.version:
            raise modified_since_loaded_error(customer)
        renewing = customer.lease_held_by(ctx.user)
        try:
            grant = leases.acquire(customer, holder=ctx.user, ttl=CUSTOMER_LEASE_TTL, codes=CUSTOMER_LEASE)
        except DomainError as exc:
            raise locked_by_other_error(customer, exc.data) from exc
        if not renewing:
            record(ctx.for_customer(customer), action=CustomerAction.LOCKED, subject_kind="customer",
                   subject_id=customer.pk, data={"expires_at": grant.expires_at.isoformat()})  # fmt: skip
    return grant


def customer_lock_renew(ctx: ActingContext, *, customer_id: int, lease_token: str | None) -> leases.Grant:
    """The open editor's heartbeat (no event)."""
    if ctx.user is None:
        raise PermissionDenied()
    with transaction.atomic():
        customer = locked_customer(ctx, customer_id)
        leases.check(customer, lease_token, codes=CUSTOMER_LEASE, ttl=CUSTOMER_LEASE_TTL)
    expires_at = cast("dt.datetime", customer.lease_expires_at)
    return leases.Grant(token=customer.lease_token, expires_at=expires_at, previous_holder_id=None)


def customer_unlock(ctx: ActingContext, *, customer_id: int, lease_token: str | None, reason: str = "closed") -> None:
    """The holder closes the editor: only the lock's token releases it."""
    with transaction.atomic():
        customer = locked_customer(ctx, customer_id)
        leases.release(customer, lease_token, codes=CUSTOMER_LEASE)
        record(ctx.for_customer(customer), action=CustomerAction.UNLOCKED, subject_kind="customer",
               subject_id=customer.pk, data={"reason": reason})  # fmt: skip
