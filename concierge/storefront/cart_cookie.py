"""The anonymous visitor's cart token travels in one cookie; only its digest is stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse

from concierge.core import lease_tokens
from concierge.core.requests import ConciergeRequest

if TYPE_CHECKING:
    from concierge.carts.models import Cart

COOKIE = "concierge_cart"
MAX_AGE = 60 * 60 * 24 * 30


def cart_token(request: ConciergeRequest) -> str | None:
    return request.COOKIES.get(COOKIE) or None


def remember_cart(response: HttpResponse, token: str | None) -> HttpResponse:
    if token:
        response.set_cookie(
            COOKIE, token, max_age=MAX_AGE, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
    return response


def forget_cart(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(COOKIE, samesite="Lax")
    return response


# --- Lease tokens of the carts an agent has locked: the one store both faces use ---------------


def lease_token(request: ConciergeRequest, cart_id: int) -> str | None:
    return lease_tokens.held_token(request, "cart", cart_id)


def remember_lease(request: ConciergeRequest, cart_id: int, token: str) -> None:
    lease_tokens.remember(request, "cart", cart_id, token)


def forget_lease(request: ConciergeRequest, cart_id: int) -> None:
    lease_tokens.forget(request, "cart", cart_id)


def sync_lease(request: ConciergeRequest, cart: Cart) -> None:
    """After an agent's change: keep the token of a lock the change gave them (a first item locks an
    empty cart for its agent)."""
    user = request.ctx.user
    if request.ctx.is_assisting and user is not None and cart.lease_held_by(user):
        remember_lease(request, cart.pk, cart.lease_token)
