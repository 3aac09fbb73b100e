"""Deep links into a customer, an order or a cart (seed 002, in the spirit of SAP's ``customerId``,
``orderId`` and ``cartId``): ``/service/assist/?customer=…&order=…&cart=…``, which a phone system or
a ticket tool opens.

The link finds the customer — by customer ID or email address, or as the customer of the order or
cart it names — in the stores the CSR serves, and asks them to confirm Access customer's account
(never started silently: a GET changes nothing). The confirm posts to the one start of an assisted
session (``views.access_customer_view``), which then opens the order or the cart in the storefront.
Anything not found, or outside the CSR's stores, is a page saying so in plain words, with a way back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from concierge.assist.policies import may_assist
from concierge.carts.models import Cart
from concierge.core.errors import NotFound
from concierge.core.forms import text_problem
from concierge.core.requests import ConciergeRequest
from concierge.customers.models import Customer
from concierge.identity.policies import stores_served
from concierge.orders.models import Order
from concierge.orders.selectors import access_order
from concierge.service.views import staff_required

LIMIT = 254  # the longest value any of the three takes (an email address)


@dataclass(frozen=True)
class Target:
    customer: Customer
    order: Order | None = None
    cart: Cart | None = None

    @property
    def then(self) -> str:
        """Where the storefront opens once the session has started."""
        if self.order is not None:
            return reverse("storefront:order_detail", args=[self.order.number])
        if self.cart is not None:
            return reverse("storefront:cart")
        return reverse("storefront:my_account")


class LinkProblem(Exception):
    """What the link names cannot be opened; the message says why, in the CSR's words."""


def _find_customer(served: frozenset[int], value: str) -> Customer:
    matches = list(
        Customer.objects.filter(store_id__in=served, shared_id=value).select_related("store")[:1]
        or Customer.objects.filter(store_id__in=served, email__iexact=value).select_related("store")[:2]
    )
    if not matches:
        raise LinkProblem(f"No customer of your stores has the customer ID or email address “{value}”.")
    if len(matches) > 1:
        raise LinkProblem(f"More than one customer of your stores has the email address “{value}”: "
                          "open the link with their customer ID instead.")  # fmt: skip
    return matches[0]


def resolve(request: ConciergeRequest, *, customer: str, order: str, cart: str) -> Target:
    """The customer (and order, cart) a deep link names, in the stores the CSR serves."""
    ctx = request.ctx
    served = stores_served(ctx)
    found = _find_customer(served, customer) if customer else None
    the_order = None
    if order:
        try:
            the_order = access_order(ctx, order)
        except NotFound:
            raise LinkProblem(f"No order {order} was found in your stores.") from None
        owner = the_order.customer
        if found is not None and found.pk not in {the_order.customer_id, the_order.account_id}:
            raise LinkProblem(f"Order {the_order.number} is not an order of {found.display_name}.")
        found = found or owner
    the_cart = None
    if cart:
        the_cart = Cart.objects.filter(code=cart.upper(), store_id__in=served).select_related("customer").first()
        if the_cart is None:
            raise LinkProblem(f"No cart {cart} was found in your stores.")
        if the_cart.customer is None:
            raise LinkProblem(f"Cart {the_cart.code} belongs to a shopper who has not signed in: "
                              "find it with Create New Order → View User's Cart instead.")  # fmt: skip
        if not the_cart.is_active:
            raise LinkProblem(
                f"Cart {the_cart.code} is no longer open: it was {the_cart.get_status_display().lower()}."
            )
        if found is not None and the_cart.customer_id != found.pk:
            raise LinkProblem(f"Cart {the_cart.code} is not the cart of {found.display_name}.")
        found = found or the_cart.customer
    if found is None:
        raise LinkProblem("The link names no customer, order or cart.")
    return Target(customer=found, order=the_order, cart=the_cart)


@require_GET
@staff_required
def assist_link(request: ConciergeRequest) -> HttpResponse:
    """The deep link's page: "Access customer's account?" with what it will open, or why it cannot."""
    values = {name: request.GET.get(name, "").strip() for name in ("customer", "order", "cart")}
    ticket = request.GET.get("ticket", "").strip()
    try:
        for name, value in {**values, "ticket": ticket}.items():
            if problem := text_problem(value, limit=40 if name == "ticket" else LIMIT):
                raise LinkProblem(f"{name.capitalize()} in the link: {problem}")
        target = resolve(request, **values)
    except LinkProblem as exc:
        return render(request, "service/lists/assist_link.html", {"problem": str(exc)}, status=404)
    return render(
        request,
        "service/lists/assist_link.html",
        {"target": target, "ticket": ticket, "can_access": may_assist(request.ctx.signed_in_user),
         "opt_out": target.customer.assistance_opt_out},
    )  # fmt: skip
