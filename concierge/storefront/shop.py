"""Storefront shopping pages: catalog, search, product, cart."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from concierge.carts.binding import cart_merge_anonymous
from concierge.carts.selectors import active_cart, cart_lines, priced_cart
from concierge.carts.services import cart_add, cart_open, cart_remove, cart_set_quantity
from concierge.catalog import selectors as catalog
from concierge.catalog.images import product_svg
from concierge.catalog.models import Category, Product
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import posted_text
from concierge.core.redirects import safe_next
from concierge.core.requests import ConciergeRequest
from concierge.storefront.cart_cookie import cart_token, forget_cart, lease_token, remember_cart, sync_lease

PAGE_SIZE = 24
SEARCH_LIMIT = 100


def _page_number(request: ConciergeRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 1000))
    except ValueError:
        return 1


@require_GET
def search(request: ConciergeRequest) -> HttpResponse:
    try:
        query, problem = posted_text(request.GET, "q", limit=SEARCH_LIMIT), ""
    except DomainError as exc:  # too long: said, and nothing searched (never a search of its first 100)
        query, problem = "", exc.message
    page = _page_number(request)
    cards, total, more = catalog.search(buyer_for(request.ctx), query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "storefront/search.html",
        {"query": query, "problem": problem, "cards": cards, "total": total, "more": more, "page": page,
         "has_next": more or page * PAGE_SIZE < total},
        status=400 if problem else 200,
    )  # fmt: skip


@require_GET
def category(request: ConciergeRequest, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category, slug=slug)
    cards = catalog.category_products(buyer_for(request.ctx), cat, limit=48)
    return render(request, "storefront/category.html", {"category": cat, "cards": cards})


@require_GET
def product(request: ConciergeRequest, slug: str) -> HttpResponse:
    try:
        item = catalog.product_detail(slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    buyer = buyer_for(request.ctx)
    skus = list(item.skus.all())
    prices = unit_prices(buyer, [s.pk for s in skus])
    [card] = catalog.product_cards(buyer, [item])
    return render(
        request,
        "storefront/product.html",
        {"product": item, "skus": [(s, prices.get(s.pk)) for s in skus], "card": card, "locale": buyer.locale},
    )


@require_GET
@cache_control(max_age=86400, public=True)
def product_image(request: ConciergeRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    return HttpResponse(product_svg(item), content_type="image/svg+xml")


@require_GET
def cart(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    the_cart = active_cart(ctx, anonymous_token=cart_token(request))
    lines = cart_lines(the_cart) if the_cart else []
    priced, problem = None, ""
    if the_cart is not None and lines:
        try:
            priced = priced_cart(buyer_for(ctx, store=the_cart.store), the_cart, lines)
        except DomainError as exc:
            problem = exc.message
    rows = list(zip(lines, priced.lines, strict=True)) if priced else []
    return render(
        request,
        "storefront/cart.html",
        {"cart": the_cart, "rows": rows, "priced": priced, "problem": problem, "unpriced": lines if problem else []},
    )


# What an unparsable quantity becomes: outside 1..MAX_QUANTITY and not 0 (which removes a line), so
# the cart services refuse it with their own field error, as for any other quantity out of range.
UNPARSABLE_QUANTITY = -1


def _quantity(request: ConciergeRequest) -> int:
    try:
        return int(request.POST.get("quantity", "1"))
    except ValueError:
        return UNPARSABLE_QUANTITY


@require_POST
def cart_add_view(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    token = cart_token(request)
    back = safe_next(request, request.POST.get("next"), default="storefront:cart")
    try:
        sku_id = int(request.POST.get("sku", ""))
    except ValueError:
        messages.error(request, "Choose an option first.")
        return redirect(back)
    pending = token if ctx.customer is not None and not ctx.is_assisting else None
    try:
        if pending:
            # Items added before signing in that could not join the cart then (it was locked).
            cart_merge_anonymous(ctx, anonymous_token=pending)
            token = None
        the_cart, new_token = cart_open(ctx, anonymous_token=token)
        held = lease_token(request, the_cart.pk)
        the_cart = cart_add(ctx, cart=the_cart, sku_id=sku_id, quantity=_quantity(request),
                            anonymous_token=new_token or token, lease_token=held)  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    sync_lease(request, the_cart)
    messages.success(request, "Added to the customer's cart." if ctx.is_assisting else "Added to your cart.")
    response = remember_cart(redirect("storefront:cart"), new_token)
    return forget_cart(response) if pending else response


@require_POST
def cart_line_update(request: ConciergeRequest, line_id: int) -> HttpResponse:
    ctx = request.ctx
    token = cart_token(request)
    the_cart = active_cart(ctx, anonymous_token=token)
    if the_cart is None:
        messages.error(request, "Your cart is empty.")
        return redirect("storefront:cart")
    held = lease_token(request, the_cart.pk)
    try:
        if "remove" in request.POST:
            cart_remove(ctx, cart=the_cart, line_id=line_id, anonymous_token=token, lease_token=held)
            messages.success(request, "Removed from your cart.")
        else:
            cart_set_quantity(ctx, cart=the_cart, line_id=line_id, quantity=_quantity(request),
                              anonymous_token=token, lease_token=held)  # fmt: skip
            messages.success(request, "Quantity updated.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("storefront:cart")
