"""The storefront face: the home page, sign-in and registration, My Account (the seller's
organizations are ``organization_views``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.context import own_context
from concierge.carts.binding import cart_merge_anonymous
from concierge.catalog.pricing import buyer_for
from concierge.catalog.selectors import newest_by_category, product_cards
from concierge.core.errors import DomainError
from concierge.core.forms import add_domain_error
from concierge.core.requests import ConciergeRequest
from concierge.customers.services import customer_register
from concierge.identity.models import User
from concierge.identity.policies import is_staff_member, landing_url
from concierge.identity.services import sign_in_check, user_sign_out_everywhere
from concierge.storefront.cart_cookie import cart_token, forget_cart
from concierge.storefront.forms import RegisterForm, SignInForm

NEXT_FIELD = "next"


@require_GET
def home(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    featured: list = []
    if ctx.store is not None:
        featured = product_cards(buyer_for(ctx), newest_by_category(per_category=2, limit=8))
    return render(request, "storefront/home.html", {"featured": featured})


def _signed_in(request: ConciergeRequest, user: User, *, next_url: str) -> HttpResponse:
    """After sign-in or registration: the anonymous cart joins the customer's, then land."""
    login(request, user, backend="concierge.identity.backends.EmailBackend")  # rotates the session key
    if is_staff_member(user):
        # A staff sign-in lasts a working day from now, whatever they do meanwhile: starting or ending
        # an assisted session (which rotates the key) never extends it (RELIABILITY.md bar 3).
        request.session.set_expiry(timezone.now() + dt.timedelta(hours=settings.CONCIERGE_STAFF_SESSION_HOURS))
    response = HttpResponseRedirect(landing_url(user, request=request, next_url=next_url))
    token = cart_token(request)
    if token:
        ctx = own_context(request)
        if ctx.customer is not None:
            try:
                cart_merge_anonymous(ctx, anonymous_token=token)
            except DomainError as exc:
                messages.warning(request, exc.message)
                return response  # the cookie stays: the items join the cart on a later add
        forget_cart(response)
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: ConciergeRequest) -> HttpResponse:
    """One sign-in page for everyone (seed 000), with the Sign In and Register tabs."""
    next_url = request.POST.get(NEXT_FIELD) or request.GET.get(NEXT_FIELD, "")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_in_check(
                request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client_ip=request.ctx.client_ip,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _signed_in(request, user, next_url=next_url)
    return render(
        request,
        "storefront/sign_in.html",
        {"form": form, "register_form": RegisterForm(), "tab": "sign-in", "next": next_url},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def register(request: ConciergeRequest) -> HttpResponse:
    next_url = request.POST.get(NEXT_FIELD, "")
    form = RegisterForm(request.POST)
    if form.is_valid():
        try:
            customer = customer_register(
                request.ctx,
                store=request.ctx.store,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if customer.user is None:  # customer_register makes the customer's sign-in with the record
                raise TypeError("A registered customer has a user to sign in.")
            messages.success(request, f"Welcome, {customer.first_name}. Your account has been created.")
            return _signed_in(request, customer.user, next_url=next_url)
    return render(
        request,
        "storefront/sign_in.html",
        {"form": SignInForm(), "register_form": form, "tab": "register", "next": next_url},
        status=400,
    )


@require_POST
def sign_out(request: ConciergeRequest) -> HttpResponse:
    logout(request)  # flushes the session and rotates its key
    messages.info(request, "You have signed out.")
    return redirect("storefront:home")


@login_required
@require_POST
def sign_out_everywhere(request: ConciergeRequest) -> HttpResponse:
    user_sign_out_everywhere(request.ctx)
    logout(request)
    messages.info(request, "You have signed out on every device.")
    return redirect("storefront:sign_in")


@login_required
@require_GET
def my_account(request: ConciergeRequest) -> HttpResponse:
    customer = request.ctx.customer
    if customer is None:
        # Staff have no customer record of their own; send them where they work.
        return HttpResponseRedirect(landing_url(request.ctx.signed_in_user, request=request))
    addresses = customer.addresses.order_by("-is_default_shipping", "-is_default_billing", "id")
    return render(request, "storefront/my_account.html", {"customer": customer, "addresses": addresses})
