"""Verify customer: the step between a session's start and the session, where the customer's store
asks them to confirm each session with a one-time code (assist/verification.py). The agent types
the code the customer reads out; with the right one the session starts and the console goes on
where the start was headed (the customer's account or the page a deep link named, the new order,
the order being continued). The page never shows the code: only where it went, until when it
works and how many tries are left."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from concierge.assist.models import SessionVerification
from concierge.assist.verification import (
    CODE_DIGITS,
    CODE_MINUTES,
    MAX_SENDS,
    is_expired,
    tries_left,
    verification_cancel,
    verification_confirm,
    verification_of,
    verification_resend,
)
from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.service.views import enter_session, staff_required

V = SessionVerification


def _verification(request: ConciergeRequest, pk: int) -> SessionVerification:
    """The agent's own verification of a console start (an API start is confirmed over the API)."""
    try:
        verification = verification_of(request.ctx, pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    if verification.purpose == V.Purpose.API:
        raise Http404("This start was made through the API: confirm it there.")
    return verification


def _render(request: ConciergeRequest, verification: SessionVerification, *, error: str = "",
            status: int = 200) -> HttpResponse:  # fmt: skip
    customer = verification.customer
    state = verification.status
    if is_expired(verification):
        state = V.Status.EXPIRED
    context = {
        "verification": verification, "customer": customer, "store": customer.store, "state": state,
        "tries_left": tries_left(verification), "digits": CODE_DIGITS, "minutes": CODE_MINUTES,
        "to_email": verification.sent_with in (V.SentWith.EMAIL, V.SentWith.EMAIL_AND_DEVICE),
        "to_device": verification.sent_with in (V.SentWith.DEVICE, V.SentWith.EMAIL_AND_DEVICE),
        "may_resend": verification.sends < MAX_SENDS, "error": error,
    }  # fmt: skip
    return render(request, "service/verify.html", context, status=status)


@checks_text
@require_http_methods(["GET", "POST"])
@staff_required
def verify(request: ConciergeRequest, pk: int) -> HttpResponse:
    """GET: the Verify customer step. POST: the code the customer read out."""
    verification = _verification(request, pk)
    if request.method == "GET":
        return _render(request, verification)
    try:
        session = verification_confirm(request.ctx, verification_id=pk, code=request.POST.get("code", ""))
    except DomainError as exc:
        fresh = _verification(request, pk)
        return _render(request, fresh, error=exc.fields.get("code", [exc.message])[0], status=exc.status)
    verification = _verification(request, pk)
    if verification.purpose == V.Purpose.ACCESS:
        return enter_session(request, session, verification.then)
    takeover = verification.takeover
    if takeover is None:  # pragma: no cover - a takeover start always names its order
        return redirect("service:home")
    if verification.purpose == V.Purpose.TAKEOVER:
        messages.success(request, f"Order {takeover.number} created for {takeover.customer.display_name}.")
        return redirect("service:takeover", number=takeover.number)
    from concierge.service.takeover_views import view_cart

    try:
        messages.success(request, view_cart(request, takeover))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("service:takeover", number=takeover.number)


@require_POST
@staff_required
def verify_resend(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Send a new code: the old one stops working; the tries and the minutes start again."""
    _verification(request, pk)
    try:
        verification_resend(request.ctx, verification_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "A new code was sent. The code sent before no longer works.")
    return redirect("service:verify", pk=pk)


@require_POST
@staff_required
def verify_cancel(request: ConciergeRequest, pk: int) -> HttpResponse:
    verification = _verification(request, pk)
    try:
        verification_cancel(request.ctx, verification_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("service:verify", pk=pk)
    messages.info(request, f"No session was started for {verification.customer.display_name}.")
    if verification.purpose == V.Purpose.RESUME and verification.takeover is not None:
        return redirect("service:takeover", number=verification.takeover.number)
    if verification.purpose == V.Purpose.TAKEOVER:
        return redirect("service:takeover_new")
    return redirect("service:customer", pk=verification.customer_id)
