"""What an agent does in the storefront while assisting: lock the customer's cart, take a lock
over, unlock it, and bind an anonymous cart (seed 000 step 7, seed 002); and see what changed in the
session, undoing a cart line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.changeset import session_changeset, undo_change, undone_words
from concierge.assist.models import SessionTransfer
from concierge.assist.services import session_touch
from concierge.assist.transfer import transfer_candidates, transfer_offer, transfer_withdraw
from concierge.carts.binding import cart_bind
from concierge.carts.locks import cart_lock, cart_unlock
from concierge.carts.selectors import active_cart
from concierge.carts.services import cart_open
from concierge.core.errors import DomainError
from concierge.core.redirects import redirect_back
from concierge.core.requests import ConciergeRequest
from concierge.storefront.cart_cookie import forget_lease, lease_token, remember_lease, sync_lease


def _back(request: ConciergeRequest) -> HttpResponse:
    return redirect_back(request, default="storefront:cart")


def assisting_post(view: Callable[[ConciergeRequest], HttpResponse]) -> Callable[[ConciergeRequest], HttpResponse]:
    """A POST of an agent assisting a customer; anyone else is sent to the home page, told to
    access a customer's account first."""

    @require_POST
    @wraps(view)
    def wrapper(request: ConciergeRequest) -> HttpResponse:
        if not request.ctx.is_assisting:
            messages.error(request, "Access a customer's account from the Customer Service page first.")
            return redirect("storefront:home")
        return view(request)

    return wrapper


@assisting_post
def cart_lock_view(request: ConciergeRequest) -> HttpResponse:
    """ "Lock" in the mini cart; "Take over lock" when another agent holds it."""
    ctx = request.ctx
    try:
        cart, _ = cart_open(ctx, anonymous_token=None)
        grant = cart_lock(ctx, cart=cart, takeover=request.POST.get("takeover") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    remember_lease(request, cart.pk, grant.token)
    if grant.previous_holder_id is not None:
        messages.success(request, "You took over the lock on the customer's cart.")
    else:
        messages.success(
            request, "The customer's cart is locked for you. The customer cannot change it until you unlock it."
        )
    return _back(request)


@assisting_post
def cart_unlock_view(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    cart = active_cart(ctx, anonymous_token=None)
    if cart is None:
        return _back(request)
    try:
        cart_unlock(ctx, cart=cart, lease_token=lease_token(request, cart.pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The customer's cart is unlocked.")
    forget_lease(request, cart.pk)
    return _back(request)


@assisting_post
def cart_bind_view(request: ConciergeRequest) -> HttpResponse:
    """Seed 002: bind the anonymous cart whose code the shopper reads out to the customer."""
    ctx = request.ctx
    current = active_cart(ctx, anonymous_token=None)
    try:
        cart = cart_bind(
            ctx, code=request.POST.get("code", ""), lease_token=lease_token(request, current.pk) if current else None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    sync_lease(request, cart)
    messages.success(request, f"The cart was bound to {ctx.served_customer.display_name}'s account.")
    return redirect("storefront:cart")


@require_POST
def assist_heartbeat(request: ConciergeRequest) -> HttpResponse:
    """The open storefront page of an assisted session, every two minutes: the agent is still at
    work, so the session's idle deadline and their cart locks are pushed out (bar 15: never a GET)."""
    ctx = request.ctx
    if not ctx.is_assisting:
        return HttpResponse(status=409)
    session_touch(ctx)
    return HttpResponse(status=204)


@require_GET
def assist_changes(request: ConciergeRequest) -> HttpResponse:
    """What changed in the agent's open session (the assist bar's What changed), with Undo."""
    ctx = request.ctx
    if not ctx.is_assisting:
        messages.error(request, "Access a customer's account from the Customer Service page first.")
        return redirect("storefront:home")
    session = ctx.assisted_session
    context = {"session": session, "objects": session_changeset(session), "may_undo": True}
    return render(request, "storefront/assist_changes.html", context)


@require_POST
def assist_undo(request: ConciergeRequest, event_id: int) -> HttpResponse:
    """Undo one change of the open session: a cart line under the agent's cart lock, an address or
    profile field under the customer record's lock and version."""
    ctx = request.ctx
    if not ctx.is_assisting:
        messages.error(request, "Access a customer's account from the Customer Service page first.")
        return redirect("storefront:home")
    cart = active_cart(ctx, anonymous_token=None)
    try:
        undone = undo_change(ctx, event_id=event_id, lease_token=lease_token(request, cart.pk) if cart else None)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, undone_words(undone))
    return redirect("storefront:assist_changes")


@require_http_methods(["GET", "POST"])
def assist_transfer(request: ConciergeRequest) -> HttpResponse:
    """Transfer: hand the open session to a colleague of the customer's store, with a note."""
    ctx = request.ctx
    if not ctx.is_assisting:
        messages.error(request, "Access a customer's account from the Customer Service page first.")
        return redirect("storefront:home")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            offer = transfer_offer(ctx, to_user_id=request.POST.get("to", ""), note=request.POST.get("note", ""))
        except DomainError as exc:
            errors = exc.fields or {"to": [exc.message]}
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Offered to {offer.to_agent.display_name}. The session stays yours until they accept."
            )
            return redirect("storefront:assist_transfer")
    session = ctx.assisted_session
    context = {
        "session": session,
        "candidates": transfer_candidates(ctx),
        "pending": session.transfers.filter(status=SessionTransfer.Status.OFFERED).select_related("to_agent").first(),
        "errors": errors,
        "posted": request.POST if errors else {},
    }
    return render(request, "storefront/assist_transfer.html", context, status=400 if errors else 200)


@assisting_post
def assist_transfer_withdraw(request: ConciergeRequest) -> HttpResponse:
    try:
        transfer_withdraw(request.ctx, transfer_id=request.POST.get("transfer", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The offer is withdrawn: the session stays yours.")
    return redirect("storefront:assist_transfer")
