"""Cart takeover with an offline order, in the console (seed 001): Create New Order for a customer,
View User's Cart, add items found by keyword, then Add Items to Cart hands the cart back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.errors import AssistError
from concierge.assist.models import CartTakeover
from concierge.assist.services import (
    session_resolve,
    takeover_cancel,
    takeover_context,
    takeover_create,
    takeover_for,
    takeover_hand_back,
    takeover_view_cart,
)
from concierge.carts.selectors import cart_lines, priced_cart
from concierge.carts.services import cart_add, cart_remove
from concierge.catalog import selectors as catalog
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.customers.search import Criteria, find_customers
from concierge.identity.policies import stores_served
from concierge.service.views import View, staff_required
from concierge.storefront.cart_cookie import forget_lease, lease_token, remember_lease


@require_http_methods(["GET", "POST"])
@staff_required
def takeover_new(request: HttpRequest) -> HttpResponse:
    """Create New Order: search for the customer, pick them from the drop-down, create."""
    ctx = request.ctx
    if request.method == "POST":
        try:
            takeover = takeover_create(ctx, customer_id=request.POST.get("customer", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
        messages.success(request, f"Order {takeover.number} created for {takeover.customer.display_name}.")
        return redirect("service:takeover", number=takeover.number)
    query = request.GET.get("q", "").strip()[:120]
    matches = []
    if query:
        # One box: a name, an email, a phone number or a customer ID.
        words = query.split()
        stores = stores_served(ctx)
        attempts = [
            {"email": query},
            {"customer_id": query},
            {"phone": query},
            {"first_name": words[0], "last_name": " ".join(words[1:])} if len(words) > 1 else {"last_name": query},
            {"first_name": query},
            {"organization": query},
        ]
        seen: set[int] = set()
        for criteria in attempts:
            for customer in find_customers(Criteria.parse(criteria), store_ids=stores).customers:
                if customer.pk not in seen:
                    seen.add(customer.pk)
                    matches.append(customer)
        matches = matches[:20]
    return render(request, "service/takeover_new.html", {"query": query, "matches": matches})


@require_GET
@staff_required
def takeover(request: HttpRequest, number: str) -> HttpResponse:
    """The offline order: its header (View User's Cart), the cart, and item search and details."""
    ctx = request.ctx
    try:
        order = takeover_for(ctx, number)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    if order.is_open and order.session_id:
        # The agent at work on the order keeps its session and their cart lock alive, as a page of
        # the storefront does for an assisted session.
        session_resolve(ctx, order.session_id)
    context: dict[str, object] = {"order": order, "query": request.GET.get("q", "").strip()[:120]}
    if order.status == CartTakeover.Status.IN_CART and order.cart is not None:
        # Priced as the customer sees it (reading only: the takeover's session is not touched).
        buyer = buyer_for(ctx.evolve(customer=order.customer, store=order.customer.store), store=order.cart.store)
        lines = cart_lines(order.cart)
        try:
            priced = priced_cart(buyer, order.cart, lines) if lines else None
        except DomainError:
            priced = None
        context.update(
            lines=list(zip(lines, priced.lines, strict=True)) if priced else [(line, None) for line in lines],
            priced=priced,
            locale=buyer.locale,
            locked_by_me=order.cart.lease_held_by(ctx.user),
            locked_by=order.cart.lease_holder_name() if order.cart.lease_is_live() else "",
        )
        if context["query"]:
            cards, total, _ = catalog.search(buyer, str(context["query"]), limit=12)
            context.update(results=cards, total=total)
        if slug := request.GET.get("item"):
            try:
                item = catalog.product_detail(slug)
            except NotFound:
                item = None
            if item is not None:
                skus = list(item.skus.all())
                prices = unit_prices(buyer, [s.pk for s in skus])
                context.update(item=item, item_skus=[(s, prices.get(s.pk)) for s in skus])
    return render(request, "service/takeover.html", context)


def takeover_action(action: Callable[[HttpRequest, CartTakeover], str]) -> View:
    """A POST on one of the agent's own takeovers: ``action`` does the work and returns the message
    to show; a refusal is shown instead. Either way, back to the order."""

    @require_POST
    @staff_required
    @wraps(action)
    def view(request: HttpRequest, number: str, **kwargs: Any) -> HttpResponse:
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


def _refuse(message: str) -> DomainError:
    return DomainError(AssistError.TAKEOVER_CLOSED, message, status=409)


@takeover_action
def takeover_cart(request: HttpRequest, order: CartTakeover) -> str:
    """View User's Cart (and, when another agent holds the cart, Take Over Lock)."""
    grant = takeover_view_cart(request.ctx, order, take_lock_over=request.POST.get("takeover") == "1")
    remember_lease(request, order.cart.pk, grant.token)
    return "You are editing the user's cart. The customer cannot change it until you add the items."


@takeover_action
def takeover_add(request: HttpRequest, order: CartTakeover) -> str:
    """Add to Cart from the item details view."""
    if order.cart is None or not order.is_open:
        raise _refuse("View the user's cart first.")
    try:
        quantity = int(request.POST.get("quantity", "1"))
        sku_id = int(request.POST.get("sku", ""))
    except ValueError:
        raise DomainError(CommonError.REQUEST_INVALID, "Choose an option and a quantity.", status=422) from None
    cart_add(takeover_context(request.ctx, order), cart=order.cart, sku_id=sku_id, quantity=quantity,
             lease_token=lease_token(request, order.cart.pk))  # fmt: skip
    return "Added to the user's cart."


@takeover_action
def takeover_remove(request: HttpRequest, order: CartTakeover, line_id: int) -> str:
    if order.cart is None or not order.is_open:
        raise _refuse("View the user's cart first.")
    cart_remove(takeover_context(request.ctx, order), cart=order.cart, line_id=line_id,
                lease_token=lease_token(request, order.cart.pk))  # fmt: skip
    return "Removed from the user's cart."


@takeover_action
def takeover_done(request: HttpRequest, order: CartTakeover) -> str:
    """Add Items to Cart: exit the takeover so the shopper checks out on their own."""
    cart_id = order.cart_id
    takeover_hand_back(request.ctx, order, lease_token=lease_token(request, cart_id) if cart_id else None)
    forget_lease(request, cart_id)
    return f"The items are in {order.customer.display_name}'s cart. They can check out now."


@takeover_action
def takeover_cancel_view(request: HttpRequest, order: CartTakeover) -> str:
    takeover_cancel(request.ctx, order)
    return f"Order {order.number} was cancelled; the user's cart is unlocked."
