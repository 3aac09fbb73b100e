"""The checkout page: how each item is received, billing, payment, Place Order."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from concierge.assist.guest_checkout import guest_order_mail, remember_guest_order
from concierge.carts.selectors import active_cart, cart_lines
from concierge.catalog.pricing import buyer_for
from concierge.checkout.drafts import draft_of_cart
from concierge.checkout.plan import CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import cart_currency, checkout_quote, checkout_submit
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.customers.policies import check_may_purchase_in
from concierge.customers.services import ADDRESS_FIELDS, address_add
from concierge.identity.policies import landing_url
from concierge.orders.models import Order
from concierge.payments.models import PaymentSource
from concierge.payments.services import payment_source_add_card
from concierge.storefront.cart_cookie import lease_token
from concierge.stores.models import PickupLocation
from concierge.stores.selectors import shipping_offers

ALTERNATE_KEY = "checkout_alternate"
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


def _contact(post: Any, prefix: str) -> Contact:
    return Contact(**{f: post.get(f"{prefix}_{f}", "").strip() for f in CONTACT_FIELDS})


def _saved_alternate(request: ConciergeRequest, cart_id: int) -> Contact | None:
    saved = request.session.get(ALTERNATE_KEY, {}).get(str(cart_id))
    return Contact(**saved) if saved else None


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value or "")
    except (InvalidOperation, ValueError):
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _plan(request: ConciergeRequest, cart_id: int, lines: list, source_id: int | None) -> CheckoutPlan:
    post = request.POST
    groups: dict[tuple, list[int]] = {}
    pickup_ids: list[int] = []
    for line in lines:
        if line.sku.is_digital:
            continue
        if post.get(f"delivery_{line.pk}") == "pickup":
            pickup_ids.append(line.pk)
        else:
            key = (_int(post.get(f"address_{line.pk}") or post.get("ship_address")), post.get(f"method_{line.pk}", ""))
            groups.setdefault(key, []).append(line.pk)
    shipments = [
        ShipmentPlan(kind="SHIP", line_ids=tuple(ids), address_id=address_id, shipping_method_code=method)
        for (address_id, method), ids in groups.items()
    ]
    if pickup_ids:
        alternate = _contact(post, "alternate")
        saved = _saved_alternate(request, cart_id)
        shipments.append(
            ShipmentPlan(
                kind="PICKUP",
                line_ids=tuple(pickup_ids),
                pickup_location_id=_int(post.get("pickup_location")),
                primary=_contact(post, "primary"),
                alternate=alternate,
                alternate_saved=not alternate.started or alternate == saved,
            )
        )
    return CheckoutPlan(
        billing_address_id=_int(post.get("billing_address")) or 0,
        payment_source_id=source_id,
        shipments=tuple(shipments),
        email=post.get("email", "").strip(),
        purchase_order=post.get("purchase_order", "").strip(),
        attempt=post.get("attempt", ""),
        expected_total=_decimal(post.get("expected_total")),
    )


def _choice(request: ConciergeRequest, line: Any) -> dict[str, object]:
    """How a line was to be received, as last submitted (so a page shown again keeps it)."""
    post = request.POST
    return {
        "delivery": post.get(f"delivery_{line.pk}", "ship"),
        "address_id": _int(post.get(f"address_{line.pk}")),
        "method": post.get(f"method_{line.pk}", ""),
    }


def _quote_plan(request: ConciergeRequest, cart_id: int, lines: list, addresses: list, offers: list) -> CheckoutPlan:
    """The plan the summary prices: what was last submitted, else every item shipped the default way."""
    if request.method == "POST":
        return _plan(request, cart_id, lines, None)
    default_billing = next((a.pk for a in addresses if a.is_default_billing), addresses[0].pk if addresses else 0)
    physical = tuple(line.pk for line in lines if not line.sku.is_digital)
    shipments: tuple[ShipmentPlan, ...] = ()
    if physical and addresses and offers:
        shipments = (ShipmentPlan(kind="SHIP", line_ids=physical, address_id=addresses[0].pk,
                                  shipping_method_code=offers[0].method.code),)  # fmt: skip
    return CheckoutPlan(billing_address_id=default_billing, payment_source_id=None, shipments=shipments)


@dataclass(frozen=True)
class _SourceChoice:
    """A way to pay on file as the page offers it: usable in the order's currency, or shown
    disabled with the reason (an account's credit or a gift certificate in another currency)."""

    source: PaymentSource
    unusable: str = ""

    @property
    def on_account(self) -> bool:
        return self.source.kind == PaymentSource.Kind.ON_ACCOUNT


def _unusable_in(source: PaymentSource, currency: str) -> str:
    if source.kind == PaymentSource.Kind.ON_ACCOUNT and source.currency and source.currency != currency:
        return f"credit in {source.currency}"
    if (certificate := source.gift_certificate) is not None and certificate.currency != currency:
        return f"balance in {certificate.currency}"
    return ""


def _payment_choices(request: ConciergeRequest, customer: Any, currency: str) -> dict[str, object]:
    """The sources on file, each usable in ``currency`` or disabled with why; the one chosen is the
    one last submitted, else the default if it is usable, else the first usable (else a new card)."""
    sources = customer.payment_sources.filter(is_active=True).select_related("gift_certificate")
    choices = [_SourceChoice(source, _unusable_in(source, currency)) for source in sources]
    usable = [choice for choice in choices if not choice.unusable]
    posted = request.POST.get("payment_source", "")
    if posted and (posted == "new" or any(str(c.source.pk) == posted for c in usable)):
        chosen = posted
    else:
        first = next((c for c in usable if c.source.is_default), usable[0] if usable else None)
        chosen = str(first.source.pk) if first is not None else "new"
    return {"sources": choices, "chosen_source": chosen, "pays_on_account": any(c.on_account for c in usable)}


def _is_guest(request: ConciergeRequest) -> bool:
    """An anonymous shopper checking out as the guest their session names (guest_views.py)."""
    customer = request.ctx.customer
    return request.ctx.user is None and customer is not None and customer.kind == customer.Kind.SINGLE_SESSION_USER


def _guest_placed(request: ConciergeRequest, order: Order) -> HttpResponse:
    """A guest's order: this session may show it, and it is emailed (once) with a link to view it."""
    if remember_guest_order(request.session, order):
        guest_order_mail(order=order, link=lambda token: request.build_absolute_uri(
            reverse("storefront:guest_order_link", args=[token])))  # fmt: skip
    messages.success(request, f"Thank you! Your order {order.number} has been placed.")
    return redirect(reverse("storefront:guest_order", args=[order.number]))


@sensitive_post_parameters("card_number", "card_cvc")
@require_http_methods(["GET", "POST"])
def checkout(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    customer = ctx.customer
    if ctx.user is None and not _is_guest(request):
        return redirect_to_login(request.get_full_path())  # or Check out as guest, from the cart
    if customer is None:
        return HttpResponseRedirect(landing_url(ctx.signed_in_user, request=request))
    cart = active_cart(ctx, anonymous_token=None)
    lines = cart_lines(cart) if cart else []
    if cart is None or not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("storefront:cart")
    errors: dict[str, list[str]] = {}
    action = request.POST.get("action", "")
    if action == "save_alternate":
        alternate = _contact(request.POST, "alternate")
        if problems := alternate.missing():
            errors = {f"alternate_{k}": v for k, v in problems.items()}
            messages.error(request, "Complete the alternate contact to save it.")
        else:
            drafts = request.session.get(ALTERNATE_KEY, {})
            drafts[str(cart.pk)] = asdict(alternate)
            request.session[ALTERNATE_KEY] = drafts
            messages.success(request, "Alternate contact saved.")
    elif action == "add_address":
        try:
            data: dict[str, object] = {field: request.POST.get(f"new_{field}", "") for field in ADDRESS_FIELDS}
            address_add(ctx, customer=customer, data=data)
            messages.success(request, "Address saved.")
        except DomainError as exc:
            errors = {f"new_{k}": v for k, v in exc.fields.items()}
            messages.error(request, exc.message)
    elif action == "place":
        try:
            source_id = _int(request.POST.get("payment_source"))
            if request.POST.get("payment_source") == "new":
                # Refused purchases (a suspended account, a role that does not buy) keep no new card.
                check_may_purchase_in(ctx)
                source = payment_source_add_card(
                    ctx, customer=customer, number=request.POST.get("card_number", ""),
                    exp_month=_int(request.POST.get("card_exp_month")) or 0,
                    exp_year=_int(request.POST.get("card_exp_year")) or 0,
                    cvc=request.POST.get("card_cvc", ""), holder_name=request.POST.get("card_holder", ""),
                    default_if_first=False,
                )  # fmt: skip
                source_id = source.pk
            order = checkout_submit(ctx, cart=cart, plan=_plan(request, cart.pk, lines, source_id),
                                    lease_token=lease_token(request, cart.pk))  # fmt: skip
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        else:
            request.session.get(ALTERNATE_KEY, {}).pop(str(cart.pk), None)
            request.session.modified = True
            if _is_guest(request):
                return _guest_placed(request, order)
            messages.success(request, f"Thank you! Your order {order.number} has been placed.")
            return redirect(reverse("storefront:order_detail", args=[order.number]))
    # Each method at its price in the cart's currency; one without a rate in it is not offered.
    offers = shipping_offers(cart.store, cart_currency(cart))
    addresses = list(customer.addresses.order_by("-is_default_shipping", "id"))
    try:
        quote = checkout_quote(ctx, cart=cart, plan=_quote_plan(request, cart.pk, lines, addresses, offers))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("storefront:cart")
    context = {
        "cart": cart,
        "rows": [(line, priced, _choice(request, line)) for line, priced in zip(lines, quote.lines, strict=True)],
        "quote": quote,
        "addresses": addresses,
        "offers": offers,
        "locations": list(PickupLocation.objects.filter(store=cart.store, is_active=True)),
        **_payment_choices(request, customer, cart_currency(cart)),
        "saved_alternate": _saved_alternate(request, cart.pk),
        "alternate": _saved_alternate(request, cart.pk) or Contact(),
        "errors": errors,
        "posted": request.POST,
        "locale": buyer_for(ctx, store=cart.store).locale,
        # Each page shown is one checkout attempt: submitting it twice places one order.
        "attempt": secrets.token_hex(16),
        "has_physical": any(not line.sku.is_digital for line in lines),
        "draft": draft_of_cart(cart),  # the order customer service prepared for this cart, if any
        "guest": _is_guest(request),
    }
    if request.headers.get("HX-Request") and action == "quote":
        return render(request, "storefront/checkout.html#summary", context)
    return render(request, "storefront/checkout.html", context, status=400 if errors else 200)
