"""Warm transfers arriving on the Customer Service page: Accept takes the session over (with its cart
lock) and opens the customer's account; Decline leaves it with the colleague who offered it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from concierge.assist.context import ASSISTED_SESSION_KEY
from concierge.assist.transfer import transfer_accept, transfer_decline
from concierge.core import lease_tokens
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.service.views import staff_required


@require_POST
@staff_required
def transfer_accept_view(request: ConciergeRequest, pk: int) -> HttpResponse:
    try:
        session, tokens = transfer_accept(request.ctx, transfer_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("service:home")
    request.session.cycle_key()  # a new key for the new identity (bar 2)
    request.session[ASSISTED_SESSION_KEY] = session.pk
    lease_tokens.forget_all(request, "cart")
    for cart_id, token in tokens.items():
        lease_tokens.remember(request, "cart", cart_id, token)
    held = " with the cart lock" if tokens else ""
    messages.success(request, f"You now have {session.customer.display_name}'s session{held}.")
    return redirect("storefront:my_account")


@require_POST
@staff_required
def transfer_decline_view(request: ConciergeRequest, pk: int) -> HttpResponse:
    try:
        offer = transfer_decline(request.ctx, transfer_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Declined: the session stays with {offer.from_agent.display_name}.")
    return redirect("service:home")
