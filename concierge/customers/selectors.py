from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from concierge.core.errors import NotFound, PermissionDenied
from concierge.customers import search
from concierge.customers.models import Customer, SellerAssignment
from concierge.identity.policies import can_find_customers, stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.identity.models import User

FIND_REFUSED = "Find customer is for customer service. Warehouse staff find returns by their RMA code."


def find_customers(
    ctx: ActingContext, criteria: search.Criteria, *, limit: int = search.RESULT_LIMIT
) -> search.FindResult:
    """Find customer (seed 000 step 3) for ``ctx``: customer service only, over the stores they
    serve (``identity.policies.stores_served``), never a store the caller names."""
    if not can_find_customers(ctx):
        raise PermissionDenied(FIND_REFUSED)
    return search.find_customers(criteria, store_ids=stores_served(ctx), limit=limit)


def access_customer(ctx: ActingContext, pk: object) -> Customer:
    """A customer (or organization) record for the console: customer service of its store only.
    Missing and another store's are both "not found" (bar 9)."""
    try:
        customer_pk = int(str(pk))
    except ValueError:
        customer_pk = 0
    if not can_find_customers(ctx) or not 1 <= customer_pk < 2**63:
        raise NotFound("No such customer.")
    customer = (
        Customer.objects.select_related("store", "user")
        .prefetch_related("addresses", "segments")
        .filter(pk=customer_pk, store_id__in=stores_served(ctx))
        .first()
    )
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def customer_for_user(user: User) -> Customer | None:
    """The customer record a signed-in user shops as (none for staff)."""
    return Customer.objects.select_related("store").filter(user=user).first()


def organizations_for_seller(user: User) -> QuerySet[SellerAssignment]:
    """The organizations assigned to ``user`` with their contract numbers, by name."""
    return (
        SellerAssignment.objects.filter(seller=user, organization__kind=Customer.Kind.ACCOUNT)
        .select_related("organization", "organization__store")
        .order_by("organization__organization_name", "organization_id")
    )


def account_for_seller(user: User, account_id: object) -> Customer | None:
    """The organization ``account_id`` if it is assigned to ``user`` (who still holds the
    privilege) and active, else ``None`` — an unassigned id gives nothing, never data."""
    try:
        account_pk = int(str(account_id))
    except (TypeError, ValueError):
        return None
    if not 1 <= account_pk < 2**63:
        return None
    if not user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        return None
    assignment = (
        organizations_for_seller(user)
        .filter(organization_id=account_pk, organization__status=Customer.Status.ACTIVE)
        .first()
    )
    return assignment.organization if assignment else None
