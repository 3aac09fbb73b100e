"""Where a signed-in person lands, and what kind of user they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from concierge.core.redirects import safe_next
from concierge.identity.access import access_of
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.core.context import ActingContext
    from concierge.identity.models import User


def is_staff_member(user: User | None) -> bool:
    """Staff are everyone who holds a privilege: they never shop as themselves."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or any(user.has_perm(p) for p in Priv)


def may_sign_in(user: User | None) -> bool:
    """An active user whose customer record (if they have one) is not disabled (bar 28): anyone
    else is refused at sign-in, and their open sessions and API tokens stop working."""
    if user is None or not user.is_active:
        return False
    customer = getattr(user, "customer", None)  # the reverse side of Customer.user, if any
    return customer is None or customer.is_active


def stores_served(ctx: ActingContext) -> frozenset[int]:
    """The ids of the stores whose customers, orders (and, with returns, returns) the signed-in staff
    member works with: the stores assigned to them. Nobody else serves a store. The one place this
    is computed; what they may do there is each action's privilege."""
    user = ctx.user
    if user is None or not user.is_active or not is_staff_member(user):
        return frozenset()
    return access_of(user).store_ids


def serves_store(ctx: ActingContext, store_id: int | None) -> bool:
    return store_id is not None and store_id in stores_served(ctx)


def can_find_customers(ctx: ActingContext) -> bool:
    """Find customer and customer profiles are for customer service (the console privilege: CSRs,
    supervisors, administrators). Warehouse staff find returns by RMA, not customers; sellers work
    with their organizations in the storefront."""
    return ctx.has_perm(Priv.USE_SERVICE_CONSOLE)


def can_use_console(user: User | None) -> bool:
    """The Customer Service console is for CSRs, supervisors and administrators (who hold the
    console privilege) and for warehouse staff (returns). Sellers work in the storefront."""
    if user is None or not user.is_active:
        return False
    return user.has_perm(Priv.USE_SERVICE_CONSOLE) or user.has_perm(Priv.RECEIVE_RETURNS)


def landing_url(user: User, *, request: HttpRequest, next_url: str = "") -> str:
    """Seed 000: staff land on the Customer Service page, a seller on the organization selector,
    warehouse staff on the warehouse page; a shopper goes back to where they were."""
    if can_use_console(user) and not user.has_perm(Priv.USE_SERVICE_CONSOLE):
        return reverse("service:warehouse")  # warehouse staff work in the Warehouse
    if can_use_console(user):
        return reverse("service:home")
    if user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        return reverse("storefront:organizations")
    return safe_next(request, next_url, default="storefront:home")
