"""Where a signed-in person lands, and what kind of user they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.identity.models import User


def is_staff_member(user: User | None) -> bool:
    """Staff are everyone who holds a privilege: they never shop as themselves."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or any(user.has_perm(p) for p in Priv)


def can_use_console(user: User | None) -> bool:
    """The Customer Service console is for CSRs, supervisors and administrators (who hold the
    console privilege) and for warehouse staff (returns). Sellers work in the storefront."""
    if user is None or not user.is_active:
        return False
    return user.has_perm(Priv.USE_SERVICE_CONSOLE) or user.has_perm(Priv.RECEIVE_RETURNS)


def landing_url(user: User, *, request: HttpRequest, next_url: str = "") -> str:
    """Seed 000: staff land on the Customer Service page, a seller on the organization selector,
    warehouse staff on the warehouse page; a shopper goes back to where they were."""
    if can_use_console(user):
        return reverse("service:home")
    if user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        return reverse("storefront:organizations")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("storefront:home")
