from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from concierge.customers.models import Customer, SellerAssignment

if TYPE_CHECKING:
    from concierge.identity.models import User


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
    from concierge.identity.roles import Priv

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
