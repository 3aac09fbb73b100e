"""The anonymous visitor's cart token travels in one cookie; only its digest is stored."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "concierge_cart"
MAX_AGE = 60 * 60 * 24 * 30


def cart_token(request: HttpRequest) -> str | None:
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
