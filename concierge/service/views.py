"""The Customer Service console face: the home page with Find customer, a customer's profile, and
starting and ending an assisted session (seed 000 steps 2 to 8)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from concierge.assist.context import ASSISTED_SESSION_KEY
from concierge.assist.models import AssistedSession, SessionVerification
from concierge.assist.policies import may_assist
from concierge.assist.services import session_end, session_start
from concierge.assist.transfer import transfers_offered_to
from concierge.assist.verification import verification_begin, verification_needed_for
from concierge.core import lease_tokens
from concierge.core.errors import DomainError
from concierge.core.forms import add_domain_error, checks_text
from concierge.core.redirects import redirect_back, safe_next
from concierge.core.requests import ConciergeRequest
from concierge.customers.search import FIND_FIELDS, RESULT_LIMIT, Criteria
from concierge.customers.selectors import FIND_REFUSED, find_customers
from concierge.identity.access import access_of
from concierge.identity.policies import can_find_customers, can_use_console, stores_served
from concierge.identity.roles import Priv
from concierge.service.activity import recent_activity
from concierge.stores.selectors import stores_named

View = Callable[..., HttpResponse]
PURPOSE_ACCESS = SessionVerification.Purpose.ACCESS


class FindCustomerForm(forms.Form):
    """Seed 000 step 3. Every field matches by prefix, ignoring case and accents. Its fields are the
    one table of Find customer criteria (``customers.search.FIND_FIELDS``), which the API's query
    is built from too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, max_length) in FIND_FIELDS.items():
            self.fields[name] = forms.CharField(label=label, max_length=max_length, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            criteria = Criteria.parse({k: v or "" for k, v in data.items()}, strict=True)
        except DomainError as exc:
            add_domain_error(self, exc)
            return data
        if not criteria:
            raise forms.ValidationError("Enter at least one search criterion.")
        data["criteria"] = criteria
        return data


class AccessCustomerForm(forms.Form):
    """Actions → Access customer's account: the customer, and why: a reason from the list and a case
    reference, each required where the customer's store says so (``session_reason_checked``)."""

    customer = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(max_length=80, required=False)
    ticket = forms.CharField(label="Case reference", max_length=40, required=False)


def staff_required(view: View) -> View:
    """Customer service only (the console privilege): warehouse staff, who work in the Warehouse, are
    refused the rest of the console as sellers and shoppers are (``console_page`` lets them in)."""
    return _console(view, customer_service=True)


def console_page(view: View) -> View:
    """A console page every console user may open, warehouse staff included (the home page)."""
    return _console(view, customer_service=False)


def _console(view: View, *, customer_service: bool) -> View:
    """Console users only: others are sent to sign in (anonymous) or refused (shoppers, sellers).

    An agent assisting a customer in the storefront is asked to end that session first (seed 000
    step 8): the console is where they work as themself. The page that asks POSTs the ending; this
    GET changes nothing (bar 1).
    """

    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ctx = request.ctx
        if ctx.user is None:
            return redirect_to_login(request.get_full_path())
        if not can_use_console(ctx.user) or (customer_service and not ctx.has_perm(Priv.USE_SERVICE_CONSOLE)):
            return render(request, "service/forbidden.html", status=403)
        session = ctx.assisted_session
        if session is not None and session.channel == AssistedSession.Channel.STOREFRONT:
            return render(request, "service/assist_end.html", {"next": request.get_full_path()}, status=409)
        return view(request, *args, **kwargs)

    return wrapper


def _asks_for(request: ConciergeRequest, target: str) -> bool:
    """An htmx request that swaps the element ``target`` in (not one restoring a page from the
    history, which needs all of it)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Target") == target
        and headers.get("HX-History-Restore-Request") != "true"
    )


@require_GET
@console_page
def home(request: ConciergeRequest) -> HttpResponse:
    """The Customer Service page, where staff land after signing in (seed 000 step 2), with the
    Find customer widget (step 3) for customer service (not for warehouse staff)."""
    ctx = request.ctx
    user = ctx.signed_in_user  # staff_required
    may_find = can_find_customers(ctx)
    form = FindCustomerForm(request.GET or None)
    result = None
    status = 200
    if form.is_bound and not may_find:
        messages.error(request, FIND_REFUSED)
        status = 403
    elif form.is_bound and form.is_valid():
        result = find_customers(ctx, form.cleaned_data["criteria"])
    elif form.is_bound:
        status = 400
    if may_find and _asks_for(request, "find-customer"):
        # The page's own search: the section alone, which it swaps in (and pushes to the history).
        context = {"form": form, "may_find": may_find, "result": result, "limit": RESULT_LIMIT,
                   "can_access": may_assist(user)}  # fmt: skip
        return render(request, "service/home.html#find_customer", context, status=status)
    return render(
        request,
        "service/home.html",
        {
            "form": form,
            "may_find": may_find,
            "result": result,
            "limit": RESULT_LIMIT,
            "can_access": may_assist(user),
            "stores": stores_named(stores_served(ctx)),
            "roles": access_of(user).roles,
            "recent_activity": recent_activity(actor_id=user.pk),
            "transfers": transfers_offered_to(user.pk),
        },
        status=status,
    )


@checks_text
@require_POST
@staff_required
def access_customer_view(request: ConciergeRequest) -> HttpResponse:
    """Actions → "Access customer's account": start an assisted session and open the customer's
    My Account page (seed 000 steps 4 to 7), or the storefront page a deep link asked for (``then``:
    one of the customer's orders, or their cart)."""
    ctx = request.ctx
    form = AccessCustomerForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label or field.capitalize() if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect_back(request, default="service:home")
    # A deep link (service/deep_link_views.py) goes on to the order or the cart it named.
    then = request.POST.get("then", "")
    if not then.startswith(("/account/", "/cart/")):
        then = ""
    start = {k: form.cleaned_data[k] for k in ("customer", "reason", "ticket")}
    try:
        if verification_needed_for(start["customer"]):
            # The store asks the customer to confirm with a code first (assist/verification.py).
            verification = verification_begin(ctx, customer_id=start["customer"], reason=start["reason"],
                                              ticket=start["ticket"], purpose=PURPOSE_ACCESS, then=then)  # fmt: skip
            return redirect("service:verify", pk=verification.pk)
        session = session_start(ctx, customer_id=start["customer"], reason=start["reason"], ticket=start["ticket"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect_back(request, default="service:home")
    return enter_session(request, session, then)


def enter_session(request: ConciergeRequest, session: AssistedSession, then: str) -> HttpResponse:
    """The browser now acts for the session's customer: a new session key for the new identity
    (bar 2), no cart lock tokens of before, and on to their My Account (or the page ``then``)."""
    request.session.cycle_key()
    request.session[ASSISTED_SESSION_KEY] = session.pk
    lease_tokens.forget_all(request, "cart")
    messages.success(request, "You have successfully accessed the customer account")
    return redirect(safe_next(request, then, default="storefront:my_account"))


@require_POST
def assist_end(request: ConciergeRequest) -> HttpResponse:
    """ "Sign in as Yourself", and End Session in the dialog the Customer Service tab opens while
    assisting: POST only (bar 1); the session key rotates (bar 2)."""
    ctx = request.ctx
    if ctx.user is None:
        return redirect_to_login(safe_next(request, request.POST.get("next"), default="service:home"))
    back = safe_next(request, request.POST.get("next"), default="service:home", under="/service/")
    if ctx.is_assisting:
        name = ctx.customer.display_name if ctx.customer is not None else ""
        session_end(ctx)
        request.session.pop(ASSISTED_SESSION_KEY, None)
        lease_tokens.forget_all(request, "cart")
        request.session.cycle_key()
        messages.success(request, f"You are signed in as yourself. You are no longer acting for {name}.")
    return redirect(back)
