"""What staff may never do for a customer while acting on their behalf (RELIABILITY.md bar 6).

Lives in core so that every domain's services can refuse by themselves; the assist domain's
``not_on_behalf`` view tag and its route test build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.shortcuts import render

from concierge.core.errors import CommonError, DomainError

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


class OnBehalfDenied(StrEnum):
    """What an agent may never do for a customer, whatever their role."""

    CHANGE_PASSWORD = "change a password"  # noqa: S105  (a description, not a secret)
    SIGN_IN_EMAIL = "change a sign-in email"
    SIGN_IN_PHONE = "change the phone number used for sign-in"
    MFA = "change two-step verification"
    API_TOKENS = "manage API tokens"
    DELETE_ACCOUNT = "delete an account"
    EXPORT_DATA = "export all of a customer's data"
    FULL_CARD = "see a full card number"
    ASSISTANCE_CONSENT = "change whether customer service may access an account"
    START_SESSION = "start another assisted session"
    SIGN_IN_SECURITY = "change sign-in and security settings"
    DATA_CONSENT = "give or withdraw consent to a data policy"
    SESSION_LEDGER = "see or end the customer's own record of customer service sessions"


def refusal(ctx: ActingContext, what: OnBehalfDenied) -> DomainError:
    """The ``not_allowed_on_behalf`` (403) refusal of ``what`` for ``ctx``, worded for who acts."""
    if ctx.is_assisting:
        message = (
            f"Customer service cannot {what.value} on a customer's behalf. "
            "Only the customer can, signed in as themself."
        )
    else:
        message = (
            f"You cannot {what.value} while acting for an organization. "
            "Choose Select Organization and stop acting for it to manage your own sign-in."
        )
    return DomainError(CommonError.NOT_ALLOWED_ON_BEHALF, message, status=403)


def refuse_on_behalf(ctx: ActingContext, what: OnBehalfDenied) -> None:
    """Raise ``not_allowed_on_behalf`` (403) when ``ctx`` acts for someone else: an assisted session,
    or a seller acting for a customer organization (seed 003)."""
    if ctx.acts_on_behalf:
        raise refusal(ctx, what)


F = TypeVar("F", bound=Callable[..., Any])


def not_on_behalf(what: OnBehalfDenied) -> Callable[[F], F]:
    """Refuse a view (HTML: a 403 page; API: 403 ``not_allowed_on_behalf``) while acting on someone
    else's behalf (assisting a customer, or a seller acting for an organization). The
    tag it leaves is what the route test reads; services that must never run on behalf also call
    :func:`refuse_on_behalf` themselves."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            ctx = getattr(request, "ctx", None)
            if ctx is not None and ctx.acts_on_behalf:
                if request.path.startswith("/api/"):
                    refuse_on_behalf(ctx, what)  # the API's error handler answers 403 with the code
                return render(
                    request, "on_behalf_refused.html", {"what": what, "message": refusal(ctx, what).message}, status=403
                )
            return view(request, *args, **kwargs)

        wrapper.on_behalf_denied = what  # type: ignore[attr-defined]  # read by the route test
        return wrapper  # type: ignore[return-value]  # the wrapper keeps the view's signature (functools.wraps)

    return decorate


def tagged_not_on_behalf(what: OnBehalfDenied) -> Callable[[F], F]:
    """The tag alone, for API endpoints (django-ninja reads an endpoint's own signature, so it is
    not wrapped): the endpoint calls :func:`refuse_on_behalf` first thing."""

    def decorate(view: F) -> F:
        view.on_behalf_denied = what  # type: ignore[attr-defined]  # read by the route test
        return view

    return decorate
