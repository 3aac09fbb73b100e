"""Cart takeover with an offline order, in the console (seed 001): Create New Order for a customer,
View User's Cart, add items found by keyword, then Add Items to Cart hands the cart back."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.models import CartTakeover
from concierge.assist.services import (
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
from concierge.core.errors import DomainError, NotFound
from concierge.customers.search import Criteria, find_customers
from concierge.service.views import staff_required
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
            return redirect(f"{request.path}?q={request.POST.get('q', '')}")
        messages.success(request, f"Order {takeover.number} created for {takeover.customer.display_name}.")
        return redirect("service:takeover", number=takeover.number)
    query = request.GET.get("q", "").strip()[:120]
    matches = []
    if query:
        # One box: a name, an email, a phone number or a customer ID.
        words = query.split()
        stores = list(ctx.user.stores.values_list("pk", flat=True))
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


def _order(request: HttpRequest, number: str) -> CartTakeover | HttpResponse:
    try:
        return takeover_for(request.ctx, number)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("service:takeover_new")


@require_POST
@staff_required
def takeover_cart(request: HttpRequest, number: str) -> HttpResponse:
    """View User's Cart (and, when another agent holds the cart, Take Over Lock)."""
    order = _order(request, number)
    if isinstance(order, HttpResponse):
        return order
    try:
        grant = takeover_view_cart(request.ctx, order, take_lock_over=request.POST.get("takeover") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        remember_lease(request, order.cart.pk, grant.token)
    return redirect("service:takeover", number=number)


@require_POST
@staff_required
def takeover_add(request: HttpRequest, number: str) -> HttpResponse:
    """Add to Cart from the item details view."""
    order = _order(request, number)
    if isinstance(order, HttpResponse):
        return order
    back = redirect("service:takeover", number=number)
    if order.cart is None or not order.is_open:
        messages.error(request, "View the user's cart first.")
        return back
    try:
        quantity = int(request.POST.get("quantity", "1"))
        sku_id = int(request.POST.get("sku", ""))
    except ValueError:
        messages.error(request, "Choose an option and a quantity.")
        return back
    try:
        acting = takeover_context(request.ctx, order)
        cart_add(acting, cart=order.cart, sku_id=sku_id, quantity=quantity,
                 lease_token=lease_token(request, order.cart.pk))  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Added to the user's cart.")
    return back


@require_POST
@staff_required
def takeover_remove(request: HttpRequest, number: str, line_id: int) -> HttpResponse:
    order = _order(request, number)
    if isinstance(order, HttpResponse):
        return order
    try:
        acting = takeover_context(request.ctx, order)
        cart_remove(acting, cart=order.cart, line_id=line_id, lease_token=lease_token(request, order.cart.pk))
    except (DomainError, AttributeError) as exc:
        messages.error(request, getattr(exc, "message", "View the user's cart first."))
    else:
        messages.success(request, "Removed from the user's cart.")
    return redirect("service:takeover", number=number)


@require_POST
@staff_required
def takeover_done(request: HttpRequest, number: str) -> HttpResponse:
    """Add Items to Cart: exit the takeover so the shopper checks out on their own."""
    order = _order(request, number)
    if isinstance(order, HttpResponse):
        return order
    cart_id = order.cart_id
    try:
        takeover_hand_back(request.ctx, order, lease_token=lease_token(request, cart_id) if cart_id else None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("service:takeover", number=number)
    forget_lease(request, cart_id)
    messages.success(request, f"The items are in {order.customer.display_name}'s cart. They can check out now.")
    return redirect("service:takeover", number=number)


@require_POST
@staff_required
def takeover_cancel_view(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    if isinstance(order, HttpResponse):
        return order
    try:
        takeover_cancel(request.ctx, order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order {order.number} was cancelled; the user's cart is unlocked.")
    return redirect("service:takeover", number=number)
