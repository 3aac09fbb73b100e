"""Cart takeover with an offline order, in the console (seed 001): Create New Order for a customer
(or an anonymous shopper), View User's Cart, add items found by keyword, then Add Items to Cart
hands the cart back. The order is a draft order with its own number until the shopper checks out."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.errors import AssistError
from concierge.assist.models import CartTakeover, SessionVerification
from concierge.assist.services import session_resolve
from concierge.assist.takeover import (
    LINK_MAX_AGE,
    takeover_add_item,
    takeover_cancel,
    takeover_checkout_link,
    takeover_create,
    takeover_create_guest,
    takeover_for,
    takeover_hand_back,
    takeover_remove_item,
    takeover_view_cart,
    viewed_cart,
)
from concierge.assist.verification import verification_begin, verification_needed_for
from concierge.carts.models import Cart
from concierge.carts.selectors import cart_lines, priced_cart
from concierge.catalog import selectors as catalog
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core import lease_tokens
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.forms import CONTROL_CHARACTERS, posted_text
from concierge.core.requests import ConciergeRequest
from concierge.customers.models import Customer
from concierge.customers.search import Criteria, looks_like_phone
from concierge.customers.selectors import find_customers
from concierge.identity.policies import stores_served
from concierge.service.views import View, staff_required
from concierge.stores.selectors import stores_named

QUERY_LIMIT = 120
# A phone number as people type it: digits with spaces, dots, dashes, brackets or a leading +.
_CUSTOMER_ID = re.compile(r"^c\d{3,}$", re.IGNORECASE)


def _find(ctx: ActingContext, criteria: Criteria) -> list[Customer]:
    """The one Find customer search, over the stores the agent serves."""
    return find_customers(ctx, criteria).customers


def _criteria(query: str) -> list[dict[str, str]]:
    """What one search box means: an email, a customer ID, a phone number (only when it looks like
    one: a cart code such as "ED4NSHEJ" is not) or a name (last name, first name, first and last)."""
    if "@" in query:
        return [{"email": query}]
    if _CUSTOMER_ID.match(query):
        return [{"customer_id": query}]
    if looks_like_phone(query) and sum(ch.isdigit() for ch in query) >= 7:
        return [{"phone": query}]
    words = query.split()
    if len(words) > 1:
        return [{"first_name": words[0], "last_name": " ".join(words[1:])}, {"last_name": query}]
    return [
        {"last_name": query},
        {"first_name": query},
        {"email": query},
        {"customer_id": query},
        {"organization": query},
    ]


def _customers_matching(ctx: ActingContext, query: str) -> list[Customer]:
    matches: dict[int, Customer] = {}
    for raw in _criteria(query):
        for customer in _find(ctx, Criteria.parse(raw)):
            matches.setdefault(customer.pk, customer)
    return list(matches.values())[:20]


def _query(request: ConciergeRequest, name: str, what: str) -> tuple[str, str]:
    """A search box's text and the problem with it, if any (empty when submitted, a control
    character, too long: the text is shown back as typed, never cut, and nothing is searched)."""
    required = f"Enter {what} to search for." if name in request.GET else ""
    try:
        return posted_text(request.GET, name, limit=QUERY_LIMIT, required=required), ""
    except DomainError as exc:
        typed = request.GET.get(name, "").strip()
        return ("" if CONTROL_CHARACTERS.search(typed) else typed), exc.message


@require_http_methods(["GET", "POST"])
@staff_required
def takeover_new(request: ConciergeRequest) -> HttpResponse:
    """Create New Order: search for the customer and pick them from the drop-down, or enter an
    anonymous shopper's name and email (a guest order); then create."""
    ctx = request.ctx
    stores = stores_named(stores_served(ctx))
    guest_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "guest":
                takeover = takeover_create_guest(
                    ctx, first_name=request.POST.get("first_name", ""), last_name=request.POST.get("last_name", ""),
                    email=request.POST.get("email", ""), store_id=request.POST.get("store") or (
                        stores[0].pk if len(stores) == 1 else ""),
                    reason=request.POST.get("reason", ""), ticket=request.POST.get("ticket", ""),
                )  # fmt: skip
            elif verification_needed_for(request.POST.get("customer", "")):
                # The store asks the customer to confirm with a code first (assist/verification.py).
                verification = verification_begin(
                    ctx, customer_id=request.POST.get("customer", ""), reason=request.POST.get("reason", ""),
                    ticket=request.POST.get("ticket", ""), purpose=SessionVerification.Purpose.TAKEOVER,
                )  # fmt: skip
                return redirect("service:verify", pk=verification.pk)
            else:
                takeover = takeover_create(ctx, customer_id=request.POST.get("customer", ""),
                                           reason=request.POST.get("reason", ""),
                                           ticket=request.POST.get("ticket", ""))  # fmt: skip
        except DomainError as exc:
            if request.POST.get("kind") != "guest":
                messages.error(request, exc.message)
                return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
            guest_errors = exc.fields or {"first_name": [exc.message]}
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Order {takeover.number} created for {takeover.customer.display_name}.")
            return redirect("service:takeover", number=takeover.number)
    query, problem = _query(request, "q", "a name, email, phone number or customer ID")
    matches = _customers_matching(ctx, query) if query and not problem else []
    context = {
        "query": query, "problem": problem, "matches": matches, "stores": stores,
        "guest_errors": guest_errors, "posted": request.POST if guest_errors else {},
    }  # fmt: skip
    return render(request, "service/takeover_new.html", context, status=400 if guest_errors else 200)


@require_GET
@staff_required
def takeover(request: ConciergeRequest, number: str) -> HttpResponse:
    """The offline order: its header (View User's Cart), the order's items, the cart being edited,
    and item search and details."""
    ctx = request.ctx
    try:
        order = takeover_for(ctx, number)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    # A GET changes no row (bar 15): the open page keeps the order's session and the agent's cart
    # lock alive by its heartbeat POST (takeover_heartbeat), as a storefront page does.
    draft = order.order
    context: dict[str, object] = {
        "order": order,
        "placed": draft,
        "placed_lines": list(draft.lines.order_by("id")) if draft is not None else [],
        "query": "",
    }
    if order.status == CartTakeover.Status.IN_CART and order.cart is not None:
        _cart_context(ctx, request, order, order.cart, context)
    return render(request, "service/takeover.html", context)


def _cart_context(
    ctx: ActingContext, request: ConciergeRequest, order: CartTakeover, cart: Cart, context: dict[str, object]
) -> None:
    # Priced as the customer sees it (reading only: the takeover's session is not touched).
    buyer = buyer_for(ctx.evolve(customer=order.customer, store=order.customer.store), store=cart.store)
    lines = cart_lines(cart)
    try:
        priced = priced_cart(buyer, cart, lines) if lines else None
    except DomainError:
        priced = None
    query, problem = _query(request, "q", "a keyword or SKU")
    context.update(
        lines=list(zip(lines, priced.lines, strict=True)) if priced else [(line, None) for line in lines],
        priced=priced,
        locale=buyer.locale,
        locked_by_me=cart.lease_held_by(ctx.user),
        locked_by=cart.lease_holder_name() if cart.lease_is_live() else "",
        query=query,
        search_problem=problem,
    )
    if query and not problem:
        cards, total, _ = catalog.search(buyer, query, limit=12)
        context.update(results=cards, total=total)
    if slug := request.GET.get("item", ""):
        try:
            item = catalog.product_detail(slug)
        except NotFound:
            item = None
        if item is not None:
            skus = list(item.skus.all())
            prices = unit_prices(buyer, [s.pk for s in skus])
            context.update(item=item, item_skus=[(s, prices.get(s.pk)) for s in skus])


def takeover_action(action: Callable[..., str]) -> View:
    """A POST on one of the agent's own takeovers: ``action`` does the work and returns the message
    to show; a refusal is shown instead. Either way, back to the order."""

    @require_POST
    @staff_required
    @wraps(action)
    def view(request: ConciergeRequest, number: str, **kwargs: Any) -> HttpResponse:
        try:
            order = takeover_for(request.ctx, number)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("service:takeover_new")
        try:
            messages.success(request, action(request, order, **kwargs))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("service:takeover", number=number)

    return view


@require_POST
@staff_required
def takeover_heartbeat(request: ConciergeRequest, number: str) -> HttpResponse:
    """The open takeover page is in use: its assisted session and the agent's cart lock are renewed
    (204); an order of someone else's, or handed back, is 404; a session that is over ends (409)."""
    try:
        order = takeover_for(request.ctx, number)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    if not order.is_open or not order.session_id:
        raise Http404("This order is no longer being worked on.")
    if session_resolve(request.ctx, order.session_id) is None:
        return HttpResponse(status=409)
    return HttpResponse(status=204)


def view_cart(request: ConciergeRequest, order: CartTakeover, *, take_lock_over: bool = False) -> str:
    """View User's Cart: lock the user's cart for the agent, and keep the lock's token."""
    grant = takeover_view_cart(request.ctx, order, take_lock_over=take_lock_over)
    lease_tokens.remember(request, "cart", viewed_cart(order).pk, grant.token)
    return "You are editing the user's cart. The customer cannot change it until you add the items."


@require_POST
@staff_required
def takeover_cart(request: ConciergeRequest, number: str) -> HttpResponse:
    """View User's Cart (and, when another agent holds the cart, Take Over Lock). Where the order's
    session has ended and the store asks the customer to confirm each session, a code goes to the
    customer first, and the Verify customer step continues the order."""
    ctx = request.ctx
    try:
        order = takeover_for(ctx, number)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("service:takeover_new")
    try:
        messages.success(request, view_cart(request, order, take_lock_over=request.POST.get("takeover") == "1"))
    except DomainError as exc:
        if exc.code != AssistError.VERIFICATION_REQUIRED:
            messages.error(request, exc.message)
            return redirect("service:takeover", number=number)
        before = order.session
        try:
            verification = verification_begin(
                ctx, customer_id=order.customer_id, purpose=SessionVerification.Purpose.RESUME, takeover=order,
                reason=before.reason if before else "", ticket=before.ticket if before else "",
            )  # fmt: skip
        except DomainError as refused:
            messages.error(request, refused.message)
            return redirect("service:takeover", number=number)
        return redirect("service:verify", pk=verification.pk)
    return redirect("service:takeover", number=number)


@takeover_action
def takeover_add(request: ConciergeRequest, order: CartTakeover) -> str:
    """Add to Cart from the item details view."""
    try:
        quantity = int(request.POST.get("quantity", "1"))
        sku_id = int(request.POST.get("sku", ""))
    except ValueError:
        raise DomainError(CommonError.REQUEST_INVALID, "Choose an option and a quantity.", status=422) from None
    token = lease_tokens.held_token(request, "cart", order.cart_id) if order.cart_id else None
    takeover_add_item(request.ctx, order, sku_id=sku_id, quantity=quantity, lease_token=token)
    return "Added to the user's cart."


@takeover_action
def takeover_remove(request: ConciergeRequest, order: CartTakeover, line_id: int) -> str:
    token = lease_tokens.held_token(request, "cart", order.cart_id) if order.cart_id else None
    takeover_remove_item(request.ctx, order, line_id=line_id, lease_token=token)
    return "Removed from the user's cart."


@takeover_action
def takeover_done(request: ConciergeRequest, order: CartTakeover) -> str:
    """Add Items to Cart: exit the takeover so the shopper checks out on their own."""
    cart_id = order.cart_id
    takeover_hand_back(
        request.ctx, order, lease_token=lease_tokens.held_token(request, "cart", cart_id) if cart_id else None
    )
    if cart_id:
        lease_tokens.forget(request, "cart", cart_id)
    if order.for_guest:
        return (
            f"The items are in the cart prepared for {order.customer.display_name}. Give them the cart code "
            f"{viewed_cart(order).code} or send them a checkout link."
        )
    return f"The items are in {order.customer.display_name}'s cart. They can check out now."


@takeover_action
def takeover_link(request: ConciergeRequest, order: CartTakeover) -> str:
    """A checkout link for an anonymous shopper: opening it, signed in, puts the cart in their cart."""
    value = takeover_checkout_link(request.ctx, order)
    url = request.build_absolute_uri(f"{reverse('storefront:pickup')}?{urlencode({'link': value})}")
    hours = int(LINK_MAX_AGE.total_seconds() // 3600)
    return f"Send the shopper this checkout link (single use, valid {hours} hours): {url}"


@takeover_action
def takeover_cancel_view(request: ConciergeRequest, order: CartTakeover) -> str:
    takeover_cancel(request.ctx, order)
    return f"Order {order.number} was cancelled; the user's cart is unlocked and keeps its items."
