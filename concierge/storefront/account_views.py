"""My Account: orders, addresses, payment methods and sign-in security of the customer served."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text, refuse_control_characters
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers.services import (
    ADDRESS_FIELDS,
    address_add,
    address_make_default,
    address_remove,
    customer_change_sign_in_email,
    customer_set_assistance,
)
from concierge.identity.policies import landing_url
from concierge.identity.services import user_change_password
from concierge.orders.selectors import access_own_order, orders_of_customer
from concierge.payments.services import (
    payment_source_add_card,
    payment_source_add_gift_certificate,
    payment_source_remove,
)

View = Callable[..., HttpResponse]


def customer_required(view: View) -> View:
    """Signed in, and serving a customer (staff without one go where they work)."""

    @login_required
    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.ctx.customer is None:
            return HttpResponseRedirect(landing_url(request.ctx.user, request=request))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@customer_required
def orders(request: ConciergeRequest) -> HttpResponse:
    page = Paginator(orders_of_customer(request.ctx), 20).get_page(request.GET.get("page"))
    return render(request, "storefront/orders.html", {"page": page})


@require_GET
@customer_required
def order_detail(request: ConciergeRequest, number: str) -> HttpResponse:
    try:
        order = access_own_order(request.ctx, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "storefront/order_detail.html", {"order": order})


@checks_text
@require_http_methods(["GET", "POST"])
@customer_required
def addresses(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    customer = ctx.customer
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                address_add(ctx, customer=customer, data={f: request.POST.get(f, "") for f in ADDRESS_FIELDS},
                            default_shipping="default_shipping" in request.POST,
                            default_billing="default_billing" in request.POST)  # fmt: skip
                messages.success(request, "Address saved.")
            elif action == "remove":
                address_remove(ctx, customer=customer, address_id=int(request.POST.get("address", "0") or 0))
                messages.success(request, "Address removed.")
            elif action in {"default_billing", "default_shipping"}:
                address_make_default(ctx, customer=customer, address_id=int(request.POST.get("address", "0") or 0),
                                     use=action.removeprefix("default_"))  # fmt: skip
                messages.success(request, "Default address changed.")
            return redirect("storefront:addresses")
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, "No such address.")
    return render(
        request,
        "storefront/addresses.html",
        {"addresses": customer.addresses.order_by("id"), "errors": errors, "posted": request.POST},
        status=400 if errors else 200,
    )


@checks_text
@sensitive_post_parameters("number", "cvc", "code")
@require_http_methods(["GET", "POST"])
@customer_required
def payment_methods(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    customer = ctx.customer
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                payment_source_remove(ctx, customer=customer, source_id=int(request.POST.get("source", "0") or 0))
                messages.success(request, "Payment method removed.")
            elif request.POST.get("action") == "gift_certificate":
                payment_source_add_gift_certificate(ctx, customer=customer, code=request.POST.get("code", "")[:40])
                messages.success(request, "Gift certificate added.")
            else:
                refuse_control_characters(request.POST, ("holder_name", "number", "cvc"))
                payment_source_add_card(
                    ctx, customer=customer, number=request.POST.get("number", ""),
                    exp_month=int(request.POST.get("exp_month") or 0), exp_year=int(request.POST.get("exp_year") or 0),
                    cvc=request.POST.get("cvc", ""), holder_name=request.POST.get("holder_name", ""),
                    make_default="make_default" in request.POST,
                )  # fmt: skip
                messages.success(request, "Card saved.")
            return redirect("storefront:payment_methods")
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        except ValueError:
            errors = {"exp_month": ["Enter the expiry as numbers."]}
            messages.error(request, "Enter the expiry month and year as numbers.")
    return render(
        request,
        "storefront/payment_methods.html",
        {
            "sources": customer.payment_sources.filter(is_active=True).select_related("gift_certificate"),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@customer_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("current_password", "new_password", "password")
@not_on_behalf(OnBehalfDenied.SIGN_IN_SECURITY)
def security(request: ConciergeRequest) -> HttpResponse:
    """Sign-in and security: password, sign-in email, and whether customer service may access the
    account. Only the customer themself: an agent assisting them is refused (bar 6)."""
    ctx = request.ctx
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "password":
                user_change_password(ctx, current=request.POST.get("current_password", ""),
                                     new=request.POST.get("new_password", ""))  # fmt: skip
                update_session_auth_hash(request, ctx.user)
                messages.success(request, "Your password was changed.")
            elif action == "email":
                customer_change_sign_in_email(ctx, password=request.POST.get("password", ""),
                                              email=request.POST.get("email", ""))  # fmt: skip
                messages.success(request, "Your sign-in email was changed.")
            elif action == "assistance":
                allowed = request.POST.get("allowed") == "1"
                customer_set_assistance(ctx, allowed=allowed)
                messages.success(
                    request,
                    "Customer service may access your account to help you."
                    if allowed
                    else "Customer service can no longer access your account.",
                )
            return redirect("storefront:security")
        except DomainError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
    customer = ctx.customer
    customer.refresh_from_db(fields=["assistance_opt_out", "email"])
    return render(
        request,
        "storefront/security.html",
        {"customer": customer, "errors": errors, "posted": request.POST},
        status=400 if errors else 200,
    )
