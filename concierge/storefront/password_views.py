"""Choosing a new password by an emailed link (seed 004 "Resetting a User's Password", done
better: a one-time, expiring link, never a password): "Forgot your password?" asks for the link,
and the link's page sets the new password twice. The work is ``customers/password_reset.py``'s."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from concierge.core.errors import DomainError
from concierge.core.forms import checks_text, posted_text
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers.errors import CustomerError
from concierge.customers.password_reset import (
    expiry_words,
    password_reset_complete,
    password_reset_request,
    password_reset_user,
)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    """The link's token is in the page's address: never send it on to another site. Same-origin,
    not no-referrer: the page's own form must still name its origin for the CSRF check."""
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
@not_on_behalf(OnBehalfDenied.CHANGE_PASSWORD)
@checks_text
def password_reset(request: ConciergeRequest) -> HttpResponse:
    """Forgot your password?: the email address, then the same answer whether or not it is known."""
    context: dict[str, object] = {"email": "", "errors": {}, "sent": "", "expires": expiry_words()}
    status = 200
    if request.method == "POST":
        try:
            email = posted_text(request.POST, "email", limit=254, required="Enter your email address.")
        except DomainError as exc:
            context.update(email=request.POST.get("email", ""), errors=exc.fields)
            status = 400
        else:
            context["sent"] = password_reset_request(request.ctx, email=email,
                                                     base_url=request.build_absolute_uri("/"))  # fmt: skip
    return render(request, "storefront/password_reset.html", context, status=status)


@require_http_methods(["GET", "POST"])
@not_on_behalf(OnBehalfDenied.CHANGE_PASSWORD)
def password_reset_confirm(request: ConciergeRequest, uidb64: str, token: str) -> HttpResponse:
    """The emailed link: choose a new password (twice), then sign in with it. A used or expired link
    says so, with the way to ask for another."""
    valid = password_reset_user(uidb64, token) is not None
    context: dict[str, object] = {"valid": valid, "errors": {}}
    if request.method == "POST" and valid:
        try:
            password_reset_complete(request.ctx, uidb64=uidb64, token=token,
                                    password=request.POST.get("new_password1", ""),
                                    confirm=request.POST.get("new_password2", ""))  # fmt: skip
        except DomainError as exc:
            context.update(errors=exc.fields, valid=exc.code != CustomerError.RESET_LINK_INVALID, message=exc.message)
            return _no_referrer(render(request, "storefront/password_reset_confirm.html", context, status=exc.status))
        messages.success(request, "Your password has been changed. Sign in with your new password.")
        return redirect("storefront:sign_in")
    status = 200 if valid or request.method == "GET" else 400
    return _no_referrer(render(request, "storefront/password_reset_confirm.html", context, status=status))
