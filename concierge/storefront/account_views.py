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

from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.forms import checks_text, posted_text
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers.services import (
    ADDRESS_FIELDS,
    address_add,
    address_make_default,
    address_remove,
    address_update,
    customer_change_sign_in_email,
    customer_profile_change,
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
from concierge.storefront.attribution import placed_by_sales_rep

View = Callable[..., HttpResponse]
GIFT_CODE_LIMIT = 40  # a gift certificate code is 19 characters with its dashes; room for spaces


def customer_required(view: View) -> View:
    """Signed in, and serving a customer (staff without one go where they work)."""

    @login_required
    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.ctx.customer is None:
            return HttpResponseRedirect(landing_url(request.ctx.signed_in_user, request=request))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@customer_required
def orders(request: ConciergeRequest) -> HttpResponse:
    page = Paginator(orders_of_customer(request.ctx).select_related("placed_by"), 20).get_page(request.GET.get("page"))
    return render(request, "storefront/orders.html", {"page": page, "by_rep": placed_by_sales_rep(page.object_list)})


@require_GET
@customer_required
def order_detail(request: ConciergeRequest, number: str) -> HttpResponse:
    try:
        order = access_own_order(request.ctx, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    by_rep = order.pk in placed_by_sales_rep([order])
    return render(request, "storefront/order_detail.html", {"order": order, "by_rep": by_rep})


def account_form(
    change: Callable[[ConciergeRequest], str], *, not_a_number: DomainError
) -> Callable[[Callable[[ConciergeRequest, dict[str, list[str]]], HttpResponse]], View]:
    """A My Account page with a form, for the customer served. On POST ``change(request)`` makes
    the change and returns the message to show, then back to the page; a refusal (``not_a_number``
    when a number field holds something else) is shown with its field errors by the decorated
    ``page(request, errors)``, which also shows the page on GET. The page gives its own field
    errors for control characters (``checks_text``)."""

    def decorate(page: Callable[[ConciergeRequest, dict[str, list[str]]], HttpResponse]) -> View:
        @checks_text
        @require_http_methods(["GET", "POST"])
        @customer_required
        @wraps(page)
        def view(request: ConciergeRequest) -> HttpResponse:
            if request.method != "POST":
                return page(request, {})
            try:
                try:
                    message = change(request)
                except ValueError:
                    raise not_a_number from None
            except DomainError as exc:
                messages.error(request, exc.message)
                return page(request, exc.fields)
            if message:
                messages.success(request, message)
            return redirect(request.path)

        return view

    return decorate


def _address_change(request: ConciergeRequest) -> str:
    ctx, action = request.ctx, request.POST.get("action")
    if action == "add":
        address_add(ctx, customer=ctx.served_customer, data={f: request.POST.get(f, "") for f in ADDRESS_FIELDS},
                    default_shipping="default_shipping" in request.POST,
                    default_billing="default_billing" in request.POST)  # fmt: skip
        return "Address saved."
    if action == "update":
        address_update(ctx, customer=ctx.served_customer, address_id=int(request.POST.get("address", "0") or 0),
                       data={f: request.POST.get(f, "") for f in ADDRESS_FIELDS})  # fmt: skip
        return "Address saved."
    if action == "remove":
        address_remove(ctx, customer=ctx.served_customer, address_id=int(request.POST.get("address", "0") or 0))
        return "Address removed."
    if action in {"default_billing", "default_shipping"}:
        address_make_default(ctx, customer=ctx.served_customer, address_id=int(request.POST.get("address", "0") or 0),
                             use=action.removeprefix("default_"))  # fmt: skip
        return "Default address changed."
    return ""


@account_form(_address_change, not_a_number=DomainError(CommonError.NOT_FOUND, "No such address.", status=404))
def addresses(request: ConciergeRequest, errors: dict[str, list[str]]) -> HttpResponse:
    editing = request.POST.get("action") == "update"  # an address's Edit form, shown again with its errors
    context = {
        "addresses": request.ctx.served_customer.addresses.order_by("id"),
        "errors": {} if editing else errors,
        "edit_errors": errors if editing else {},
        "edit_id": request.POST.get("address", "") if editing and errors else "",
        "posted": request.POST,
    }
    return render(request, "storefront/addresses.html", context, status=400 if errors else 200)


def _profile_change(request: ConciergeRequest) -> str:
    customer_profile_change(request.ctx, data=request.POST)
    return "Profile saved."


@account_form(_profile_change, not_a_number=DomainError(CommonError.REQUEST_INVALID, "Please correct the profile."))
def profile(request: ConciergeRequest, errors: dict[str, list[str]]) -> HttpResponse:
    """Edit profile: the name and phone of the customer served (not an organization's)."""
    customer = request.ctx.served_customer
    if customer.kind == customer.Kind.ACCOUNT:
        return redirect("storefront:my_account")
    posted = request.POST or {f: getattr(customer, f) for f in ("first_name", "last_name", "phone")}
    return render(request, "storefront/profile.html", {"customer": customer, "errors": errors, "posted": posted},
                  status=400 if errors else 200)  # fmt: skip


def _payment_change(request: ConciergeRequest) -> str:
    ctx, action = request.ctx, request.POST.get("action")
    if action == "remove":
        payment_source_remove(ctx, customer=ctx.served_customer, source_id=int(request.POST.get("source", "0") or 0))
        return "Payment method removed."
    if action == "gift_certificate":
        code = posted_text(request.POST, "code", limit=GIFT_CODE_LIMIT)
        payment_source_add_gift_certificate(ctx, customer=ctx.served_customer, code=code)
        return "Gift certificate added."
    payment_source_add_card(
        ctx, customer=ctx.served_customer, number=request.POST.get("number", ""),
        exp_month=int(request.POST.get("exp_month") or 0), exp_year=int(request.POST.get("exp_year") or 0),
        cvc=request.POST.get("cvc", ""), holder_name=request.POST.get("holder_name", ""),
        make_default="make_default" in request.POST,
    )  # fmt: skip
    return "Card saved."


EXPIRY_NOT_NUMBERS = DomainError(CommonError.REQUEST_INVALID, "Enter the expiry month and year as numbers.",
                                 fields={"exp_month": ["Enter the expiry as numbers."]})  # fmt: skip


@sensitive_post_parameters("number", "cvc", "code")
@account_form(_payment_change, not_a_number=EXPIRY_NOT_NUMBERS)
def payment_methods(request: ConciergeRequest, errors: dict[str, list[str]]) -> HttpResponse:
    sources = request.ctx.served_customer.payment_sources.filter(is_active=True).select_related("gift_certificate")
    return render(request, "storefront/payment_methods.html", {"sources": sources, "errors": errors},
                  status=400 if errors else 200)  # fmt: skip


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
                update_session_auth_hash(request, ctx.signed_in_user)
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
    customer = ctx.served_customer
    customer.refresh_from_db(fields=["assistance_opt_out", "email"])
    return render(
        request,
        "storefront/security.html",
        {"customer": customer, "errors": errors, "posted": request.POST},
        status=400 if errors else 200,
    )
