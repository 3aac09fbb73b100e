"""Picking up a cart customer service prepared for an anonymous shopper (seed 001 with seed 002's
cart code): the shopper enters the cart code on their cart page, or opens the checkout link they
were sent; signed in, they confirm, and the items join their cart with the order prepared for them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from concierge.assist.errors import AssistError
from concierge.assist.takeover import takeover_awaiting_pickup, takeover_pick_up
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.identity.policies import landing_url

FIELD_LIMIT = 400  # a checkout link's signed value is about 80 characters; a code is 8


@login_required
@require_http_methods(["GET", "POST"])
def pickup(request: ConciergeRequest) -> HttpResponse:
    """GET shows what customer service prepared (and changes nothing); POST puts it in the cart."""
    ctx = request.ctx
    if ctx.customer is None:
        return HttpResponseRedirect(landing_url(ctx.signed_in_user, request=request))
    data = request.POST if request.method == "POST" else request.GET
    code, link = data.get("code", "").strip(), data.get("link", "").strip()
    try:
        if len(code) > FIELD_LIMIT or len(link) > FIELD_LIMIT or "\x00" in code + link:
            raise DomainError(AssistError.PICKUP_INVALID, "Enter the cart code customer service gave you.", status=422)
        if request.method == "POST":
            takeover = takeover_pick_up(ctx, code=code, link=link)
        else:
            takeover = takeover_awaiting_pickup(code=code, link=link)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("storefront:cart")
    if request.method == "POST":
        messages.success(
            request,
            f"The items {takeover.agent.display_name} of customer service prepared are in your cart "
            f"(order {takeover.number}). Check out to place the order.",
        )
        return redirect("storefront:cart")
    lines = list(takeover.order.lines.order_by("id")) if takeover.order else []
    return render(request, "storefront/pickup.html", {"takeover": takeover, "lines": lines, "code": code, "link": link})
