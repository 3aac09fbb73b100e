"""Guest shoppers in the storefront: Check out as guest, the guest's order (in the session that
placed it, and by the emailed link), and a registered shopper's Attach my guest orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist import guest_checkout as guests
from concierge.carts.selectors import active_cart, cart_lines
from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.customers.services import ADDRESS_FIELDS
from concierge.storefront.cart_cookie import cart_token, remember_cart

GUEST_FIELDS = ("first_name", "last_name", "email", "phone")


def _guest(request: ConciergeRequest) -> bool:
    customer = request.ctx.customer
    return request.ctx.user is None and customer is not None and customer.kind == customer.Kind.SINGLE_SESSION_USER


@checks_text
@require_http_methods(["GET", "POST"])
def guest_start(request: ConciergeRequest) -> HttpResponse:
    """Check out as guest: name, email address and an address, then the checkout page as that guest."""
    ctx = request.ctx
    if ctx.user is not None or _guest(request):
        return redirect("storefront:checkout")
    cart = active_cart(ctx, anonymous_token=cart_token(request))
    if cart is None or not cart_lines(cart):
        messages.info(request, "Your cart is empty.")
        return redirect("storefront:cart")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        address: dict[str, object] = {f: request.POST.get(f"address_{f}", "") for f in ADDRESS_FIELDS}
        # The address is in the guest's name: typed once, above it.
        address.update(first_name=request.POST.get("first_name", ""), last_name=request.POST.get("last_name", ""))
        try:
            guest = guests.guest_checkout_start(
                ctx,
                anonymous_token=cart_token(request),
                guest={f: request.POST.get(f, "") for f in GUEST_FIELDS},
                address=address,
            )
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        else:
            guests.remember_guest(request.session, guest)
            return redirect("storefront:checkout")
    context = {"errors": errors, "posted": request.POST, "next": reverse("storefront:checkout")}
    return render(request, "storefront/guest_checkout.html", context, status=400 if errors else 200)


@require_POST
def guest_end_view(request: ConciergeRequest) -> HttpResponse:
    """End guest checkout: this browser is an anonymous visitor again (its cart stays with it)."""
    token = guests.guest_end(request.ctx, session=request.session)
    messages.info(request, "You are no longer checking out as a guest.")
    return remember_cart(redirect("storefront:cart"), token)


@require_GET
def guest_order(request: ConciergeRequest, number: str) -> HttpResponse:
    """The order confirmation: the guest's order, in the session that placed it."""
    order = guests.session_guest_order(request.session, request.ctx.customer if _guest(request) else None, number)
    if order is None:
        return render(request, "storefront/guest_order.html", {"refused": "No such order in this visit. "
                      "Open it from the link in the email we sent you."}, status=404)  # fmt: skip
    return render(request, "storefront/guest_order.html", {"order": order, "in_session": True})


@require_GET
def guest_order_link(request: ConciergeRequest, token: str) -> HttpResponse:
    """The emailed link to a guest's order: read-only, until it expires."""
    try:
        order = guests.order_from_link(token)
    except DomainError as exc:
        return render(request, "storefront/guest_order.html", {"refused": exc.message}, status=exc.status)
    return render(request, "storefront/guest_order.html", {"order": order})


def _attach_link(request: ConciergeRequest) -> guests.Link:
    return lambda token: request.build_absolute_uri(reverse("storefront:guest_orders_attach", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def guest_orders(request: ConciergeRequest) -> HttpResponse:
    """Attach my guest orders: how many there are, and the button that emails the link."""
    ctx = request.ctx
    if ctx.customer is None or ctx.acts_on_behalf:
        return redirect("storefront:my_account")
    if request.method == "POST":
        try:
            guests.guest_orders_claim(ctx, link=_attach_link(request))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"We have emailed a link to {ctx.customer.email}. Follow it to attach the "
                             "orders.")  # fmt: skip
        return redirect("storefront:guest_orders")
    return render(request, "storefront/guest_orders.html", {"count": guests.guest_order_count(ctx.customer)})


@login_required
@require_http_methods(["GET", "POST"])
def guest_orders_attach(request: ConciergeRequest, token: str) -> HttpResponse:
    """The emailed link: GET shows what it attaches (or why it cannot), POST attaches."""
    ctx = request.ctx
    try:
        if request.method == "POST":
            with_addresses = request.POST.get("addresses") == "on"
            numbers = guests.guest_orders_attach(ctx, token=token, with_addresses=with_addresses)
            noun = "order" if len(numbers) == 1 else "orders"
            messages.success(request, f"{len(numbers)} guest {noun} attached to your account: {', '.join(numbers)}.")
            return redirect("storefront:orders")
        guests.attach_link_check(ctx, token)
    except DomainError as exc:
        return render(request, "storefront/guest_orders_attach.html", {"refused": exc.message}, status=exc.status)
    return render(request, "storefront/guest_orders_attach.html", {"token": token})
