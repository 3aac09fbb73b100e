"""The Customer Service console face."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from concierge.assist.models import AssistedSession
from concierge.assist.policies import may_assist
from concierge.assist.services import session_end, session_start
from concierge.audit.selectors import events_by_actor
from concierge.core import lease_tokens
from concierge.core.context import ASSISTED_SESSION_KEY
from concierge.core.errors import DomainError
from concierge.customers.models import Customer
from concierge.customers.search import RESULT_LIMIT, Criteria, find_customers
from concierge.identity.policies import can_use_console
from concierge.orders.models import Order

View = Callable[..., HttpResponse]


class FindCustomerForm(forms.Form):
    """Seed 000 step 3. Every field matches by prefix, ignoring case and accents."""

    first_name = forms.CharField(max_length=80, required=False)
    last_name = forms.CharField(max_length=80, required=False)
    email = forms.CharField(max_length=254, required=False)
    phone = forms.CharField(max_length=32, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    customer_id = forms.CharField(label="Customer ID", max_length=32, required=False)
    organization = forms.CharField(max_length=160, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not Criteria.parse({k: v or "" for k, v in data.items()}):
            raise forms.ValidationError("Enter at least one search criterion.")
        return data


def staff_required(view: View) -> View:
    """Console users only: others are sent to sign in (anonymous) or refused (shoppers, sellers).

    An agent assisting a customer in the storefront is asked to end that session first (seed 000
    step 8): the console is where they work as themself.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ctx = request.ctx
        if ctx.user is None:
            return redirect_to_login(request.get_full_path())
        if not can_use_console(ctx.user):
            return render(request, "service/forbidden.html", status=403)
        session = ctx.assisted_session
        if session is not None and session.channel == AssistedSession.Channel.STOREFRONT:
            return redirect(f"{reverse('service:assist_end')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The Customer Service page, where staff land after signing in (seed 000 step 2), with the
    Find customer widget (step 3)."""
    user = request.ctx.user
    form = FindCustomerForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = find_customers(Criteria.parse(form.cleaned_data), store_ids=user.stores.values_list("pk", flat=True))
    return render(
        request,
        "service/home.html",
        {
            "form": form,
            "result": result,
            "limit": RESULT_LIMIT,
            "can_access": may_assist(user),
            "stores": user.stores.order_by("name"),
            "roles": user.groups.order_by("name").values_list("name", flat=True),
            "recent_events": events_by_actor(actor_id=user.pk, limit=15),
        },
    )


@require_POST
@staff_required
def access_customer(request: HttpRequest) -> HttpResponse:
    """Actions → "Access customer's account": start an assisted session and open the customer's
    My Account page (seed 000 steps 4 to 7)."""
    ctx = request.ctx
    try:
        session = session_start(
            ctx,
            customer_id=request.POST.get("customer", ""),
            reason=request.POST.get("reason", "")[:200],
            ticket=request.POST.get("ticket", "")[:40],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("service:home")
        return redirect(back)
    request.session.cycle_key()  # a new key for the new identity (bar 2)
    request.session[ASSISTED_SESSION_KEY] = session.pk
    lease_tokens.forget_all(request, "cart")
    messages.success(request, "You have successfully accessed the customer account")
    return redirect("storefront:my_account")


def assist_end(request: HttpRequest) -> HttpResponse:
    """ "Sign in as Yourself" (POST), and the confirmation asked when an assisting agent chooses the
    Customer Service tab (GET)."""
    ctx = request.ctx
    if ctx.user is None:
        return redirect_to_login(request.get_full_path())
    back = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/service/"
    ):
        back = reverse("service:home")
    if request.method == "GET":
        if not ctx.is_assisting:
            return redirect(back)
        return render(request, "service/assist_end.html", {"next": back})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if ctx.is_assisting:
        name = ctx.customer.display_name
        session_end(ctx)
        request.session.pop(ASSISTED_SESSION_KEY, None)
        lease_tokens.forget_all(request, "cart")
        request.session.cycle_key()
        messages.success(request, f"You are signed in as yourself. You are no longer acting for {name}.")
    return redirect(back)


@require_GET
@staff_required
def customer_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's (or a B2B account's) profile: details, addresses, recent orders, and Access
    customer's account. Customers of stores the staff member does not serve are not found."""
    user = request.ctx.user
    customer = (
        Customer.objects.select_related("store", "user")
        .prefetch_related("addresses", "segments")
        .filter(pk=pk, store__in=user.stores.all())
        .first()
    )
    if customer is None:
        raise Http404("No such customer.")
    orders = (
        Order.objects.filter(Q(customer=customer) | Q(account=customer))
        .select_related("store")
        .order_by("-placed_at", "-id")[:20]
    )
    return render(
        request,
        "service/customer.html",
        {"customer": customer, "orders": orders, "can_access": may_assist(user)},
    )
