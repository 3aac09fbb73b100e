"""The seller platform in the storefront (seed 003): SELECT ORGANIZATION → Customer Organizations
(search by name, contract number and ERP ID, sorted and paged), Profile (act for the organization:
the catalog with its name in the red badge), the Modern Organization View, Create Organization,
Activate / Suspend / Re-activate, the Basic Details and Organization Profile editors, and the
preferred currency.

Every organization route finds the organization among the seller's assigned ones
(``account_for_seller``): any other id — another seller's, a missing one — is the styled "not
found" page, never data (RELIABILITY bar 9). The editors lock the record as the console's record
editor does (``customers/locks.py``): Edit takes the lock, the form carries the version the page
showed and the lock's token, Save releases it; a page older than the record is refused with Reload
/ Cancel, and someone else's lock leaves the record read-only, naming them. A GET changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.context import ACCOUNT_KEY
from concierge.assist.organization_sessions import organization_session_start
from concierge.carts.currency import organization_currency_change
from concierge.catalog.pricing import currencies_offered
from concierge.core import lease_tokens
from concierge.core.edits import EditGuard, Then
from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.customers import locks
from concierge.customers.editing import parse_version
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer, SellerAssignment
from concierge.customers.organization_directory import SORTS, OrganizationPage, organizations_search
from concierge.customers.organizations import (
    TRANSITIONS,
    may_manage_organizations,
    organization_create,
    organization_details_save,
    organization_profile_save,
    organization_transition,
    transitions_for,
)
from concierge.customers.records import locale_choices
from concierge.customers.selectors import account_for_seller
from concierge.customers.services import organization_clear
from concierge.identity.policies import landing_url
from concierge.identity.roles import Priv
from concierge.orders.organization_summary import organization_summary
from concierge.payments.models import PaymentSource
from concierge.storefront.organization_display import country_choices, currency_choices, currency_label

View = Callable[..., HttpResponse]
PER_PAGE = 20
CURRENCY_CONFIRM = "organization.currency_confirm"
# The two editors of the record (seed 003 "How to edit Basic Details of the Organization?", "How To
# Edit an Organization Profile?"): their title and the fields each saves.
EDITORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "details": ("Basic Details", ("name", "erp_id", "business_number", "country", "contract_numbers")),
    "profile": ("Organization Profile", ("contact_name", "contact_email", "contact_phone", "preferred_locale")),
}
CREATE_FIELDS = (
    "name", "erp_id", "business_number", "contract_numbers", "country", "preferred_currency", "contact_name",
    "contact_email", "contact_phone", "preferred_locale", "line1", "line2", "city", "region", "postal_code",
)  # fmt: skip
DIALOG_TITLES: dict[str, str] = {
    CustomerError.STALE: "Record changed",
    CustomerError.VERSION_REQUIRED: "Record changed",
    CustomerError.LOCKED: "Record locked",
    CustomerError.LOCK_LOST: "Lock lost",
}
RELOADABLE = {CustomerError.STALE, CustomerError.VERSION_REQUIRED, CustomerError.LOCK_LOST}


def seller_required(view: View) -> View:
    """Signed in with the privilege to act for organizations; anyone else goes where they work."""

    @login_required
    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ctx = request.ctx
        if not ctx.has_perm(Priv.ACT_FOR_ORGANIZATION):
            messages.error(request, "Only sellers act for customer organizations.")
            return HttpResponseRedirect(landing_url(ctx.signed_in_user, request=request))
        return view(request, *args, **kwargs)

    return wrapper


def assigned_organization(request: ConciergeRequest, pk: object) -> Customer:
    """One of the seller's assigned organizations, or the styled 404 (another's, a missing one)."""
    account = account_for_seller(request.ctx.signed_in_user, pk)
    if account is None:
        raise Http404("No such organization is assigned to you.")
    return account


def organization_url(account: Customer) -> str:
    return reverse("storefront:organization", args=[account.pk])


# --- Customer Organizations ----------------------------------------------------------------------


@seller_required
@require_http_methods(["GET", "POST"])
def organizations(request: ConciergeRequest) -> HttpResponse:
    """Customer Organizations: the seller's assigned organizations, searched by name, contract
    number or ERP ID, sorted and paged. A POST chooses one (``account_id``) or stops (``clear``)."""
    if request.method == "POST":
        if "clear" in request.POST:
            return _stop_buying(request)
        return _select(request, request.POST.get("account_id"))
    ctx = request.ctx
    q = request.GET.get("q", "")
    sort = request.GET.get("sort", "name")
    order = request.GET.get("order", "asc")
    search_error: dict[str, list[str]] = {}
    try:
        listing = organizations_search(ctx.signed_in_user, q=q, sort=sort, order=order,
                                       page=request.GET.get("page", 1), per_page=PER_PAGE)  # fmt: skip
    except DomainError as exc:  # a term over the limit, a sort or page that is not one: said, nothing listed
        search_error = exc.fields or {"q": [exc.message]}
        listing = OrganizationPage(rows=[], total=0, page=1, pages=1, q=q, sort="name", order="asc")
    headers = {
        key: {"active": listing.sort == key,
              "next_order": "desc" if listing.sort == key and listing.order == "asc" else "asc"}
        for key in SORTS
    }  # fmt: skip
    context = {
        "listing": listing,
        "headers": headers,
        "search_error": [message for messages_ in search_error.values() for message in messages_],
        "may_manage": may_manage_organizations(ctx),
    }
    return render(request, "storefront/organizations.html", context, status=400 if search_error else 200)


def _select(request: ConciergeRequest, account_id: object, *, missing_is_404: bool = False) -> HttpResponse:
    """Profile: act for the organization with the reason and case posted (audited), then the
    catalog with its badge. An id not assigned to the seller: the styled 404 on the organization's
    own route, else the list says so; a reason or case refused: the start page with its errors."""
    try:
        account = organization_session_start(request.ctx, account_id=account_id,
                                             reason=request.POST.get("reason", ""),
                                             ticket=request.POST.get("ticket", ""))  # fmt: skip
    except DomainError as exc:
        if exc.status == 404:
            if missing_is_404:
                raise Http404(exc.message) from exc
            messages.error(request, exc.message)
            return redirect("storefront:organizations")
        if missing_is_404:  # the start page: shown again with the reason's errors
            return _start_page(request, int(str(account_id)), errors=exc.fields or {"reason": [exc.message]})
        messages.error(request, exc.message)
        return redirect("storefront:organization_select", pk=account_id)
    request.session[ACCOUNT_KEY] = account.pk
    messages.success(request, f"You are now buying for {account.display_name}.")
    return redirect("storefront:home")


def _stop_buying(request: ConciergeRequest) -> HttpResponse:
    organization_clear(request.ctx)
    request.session.pop(ACCOUNT_KEY, None)
    messages.info(request, "You are no longer acting for an organization.")
    return redirect("storefront:organizations")


def _start_page(request: ConciergeRequest, pk: int, *, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    account = account_for_seller(request.ctx.signed_in_user, pk)
    if account is None:
        raise Http404("No such organization is assigned to you.")
    context = {"org": account, "store": account.store, "errors": errors or {}, "posted": request.POST}
    return render(request, "storefront/organization_start.html", context, status=400 if errors else 200)


@checks_text
@seller_required
@require_http_methods(["GET", "POST"])
def organization_select_view(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The Profile button of a row or of the Modern Organization View: why the seller acts for the
    organization (a reason from the list and a case reference, as a CSR's start asks), then Start."""
    if request.method == "GET":
        return _start_page(request, pk)
    return _select(request, pk, missing_is_404=True)


@seller_required
@require_POST
def organization_stop(request: ConciergeRequest) -> HttpResponse:
    """Stop buying for <organization> (the badge's menu)."""
    return _stop_buying(request)


# --- Create a Customer Organization --------------------------------------------------------------


def _offered(request: ConciergeRequest) -> list[str]:
    store = request.ctx.store
    return currencies_offered(store) if store is not None else []


@checks_text
@seller_required
@require_http_methods(["GET", "POST"])
def organization_new(request: ConciergeRequest) -> HttpResponse:
    """Create Organization: it starts Pending, assigned to the seller who created it."""
    ctx = request.ctx
    if not may_manage_organizations(ctx):
        raise Http404("Creating organizations needs the privilege to manage them.")
    store = ctx.store
    offered = _offered(request)
    values: dict[str, str] = {"preferred_currency": store.currency if store else "",
                              "preferred_locale": store.locale if store else ""}  # fmt: skip
    errors: dict[str, list[str]] = {}
    form_error = ""
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in CREATE_FIELDS}
        try:
            created = organization_create(ctx, values, currencies=offered)
        except DomainError as exc:
            errors, form_error = exc.fields, exc.message
        else:
            messages.success(request, f"{created.display_name} was created. It is Pending until you activate it.")
            return redirect(organization_url(created))
    context = {
        "values": values,
        "errors": errors,
        "form_error": form_error,
        "countries": country_choices(),
        "currencies": currency_choices(offered),
        "locales": locale_choices(store) if store is not None else [],
    }
    return render(request, "storefront/organization_new.html", context, status=400 if errors or form_error else 200)


# --- The Modern Organization View -----------------------------------------------------------------


def held_token(request: ConciergeRequest, account: Customer) -> str | None:
    return lease_tokens.held_token(request, "customer", account.pk)


def remember_token(request: ConciergeRequest, account: Customer, token: str | None) -> None:
    if token:
        lease_tokens.remember(request, "customer", account.pk, token)
    else:
        lease_tokens.forget(request, "customer", account.pk)


def posted_guard(request: ConciergeRequest, account: Customer) -> EditGuard:
    """What an edit carries: the version the page showed and the lock's token (its hidden field,
    else the one this browser holds)."""
    token = request.POST.get("lease_token") or held_token(request, account)
    return EditGuard(version=parse_version(request.POST.get("version")), lease_token=token)


def _lock_state(request: ConciergeRequest, account: Customer) -> dict[str, Any]:
    token = held_token(request, account)
    locked = account.lease_is_live()
    mine = account.lease_held_by(request.ctx.user)
    return {
        "editing": bool(token and mine and account.lease_token == token),
        "lease_token": token if mine else "",
        "locked": locked,
        "locked_by_other": locked and not mine,
        "holder_name": account.lease_holder_name() if locked else "",
        "version": account.version,
        "heartbeat_seconds": int(locks.CUSTOMER_HEARTBEAT.total_seconds()),
    }


def render_view(request: ConciergeRequest, account: Customer, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The Modern Organization View of ``account`` as read now, with ``extra`` (a confirm step, a
    refusal's dialog)."""
    ctx = request.ctx
    assigned = set(SellerAssignment.objects.filter(seller=ctx.signed_in_user).values_list("organization_id", flat=True))
    summary = organization_summary(account)
    confirm = request.GET.get("confirm", "")
    context: dict[str, Any] = {
        "org": account,
        "summary": summary,
        "contracts": list(account.contracts.values_list("number", flat=True)),
        "associates": account.associates.select_related("user").order_by("user__last_name", "user__first_name"),
        "addresses": account.addresses.order_by("-is_default_billing", "-is_default_shipping", "id"),
        "children": [(child, child.pk in assigned) for child in account.children.order_by("organization_name")],
        "acting_for_it": ctx.account is not None and ctx.account.pk == account.pk,
        "may_manage": may_manage_organizations(ctx),
        "transitions": transitions_for(account),
        "confirming": TRANSITIONS.get(confirm) if confirm in {t.action for t in transitions_for(account)} else None,
        "currencies": currency_choices(_offered(request) or [account.store.currency]),
        "currency_label": currency_label(account.currency),
        "values": {},
        "errors": {},
        **_lock_state(request, account),
        **extra,
    }
    return render(request, "storefront/organization_view.html", context, status=status)


@require_GET
@seller_required
def organization_view(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Modern Organization View: basic details, profile, status and its actions, contacts,
    addresses, child organizations, credit, open carts, recent orders, spend this year."""
    return render_view(request, assigned_organization(request, pk))


def _dialog(exc: DomainError, reload_url: str) -> dict[str, Any]:
    return {"title": DIALOG_TITLES.get(exc.code, "Not saved"), "message": exc.message, "reload_url": reload_url,
            "reload": exc.code in RELOADABLE}  # fmt: skip


def _refused_over_view(request: ConciergeRequest, account: Customer, exc: DomainError, **extra: Any) -> HttpResponse:
    """A refusal over the freshly read record: its dialog (Reload / Cancel), or its field errors."""
    if exc.code == CustomerError.LOCK_LOST:
        remember_token(request, account, None)
    fresh = assigned_organization(request, account.pk)
    if exc.fields and exc.code not in DIALOG_TITLES:
        return render_view(request, fresh, status=exc.status, errors=exc.fields, values=request.POST,
                           form_error=exc.message, **extra)  # fmt: skip
    kept = {"version": request.POST.get("version", "")} if exc.code == CustomerError.STALE else {}
    return render_view(request, fresh, status=exc.status, dialog=_dialog(exc, organization_url(fresh)),
                       **kept, **extra)  # fmt: skip


def _release(request: ConciergeRequest, account: Customer, token: str | None, reason: str = "closed") -> None:
    """Unlock if this browser still holds the lock (a save may already have released it)."""
    remember_token(request, account, None)
    if token:
        with contextlib.suppress(DomainError):
            locks.customer_unlock(request.ctx, customer_id=account.pk, lease_token=token, reason=reason)


# --- Activate / Suspend / Re-activate ---------------------------------------------------------------


@checks_text
@seller_required
@require_POST
def organization_status(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The confirmed status change (the view's confirm step posts ``action`` and ``reason``): the
    record locks for the seller at the version the page showed, changes, and unlocks."""
    account = assigned_organization(request, pk)
    ctx = request.ctx
    action = request.POST.get("action", "")
    if not may_manage_organizations(ctx):
        raise Http404("Changing an organization's status needs the privilege to manage organizations.")
    version = parse_version(request.POST.get("version"))
    token = None
    try:
        if version is None:
            raise locks.version_required_error()
        grant = locks.customer_lock(ctx, customer_id=account.pk, expected_version=version)
        token = grant.token
        changed = organization_transition(ctx, account_id=account.pk, action=action,
                                          reason=request.POST.get("reason", ""),
                                          guard=EditGuard(version=version, lease_token=token),
                                          then=Then.RELEASE)  # fmt: skip
    except DomainError as exc:
        _release(request, account, token, reason="not saved")
        transition = TRANSITIONS.get(action)
        extra = {"confirming": transition} if exc.fields and transition is not None else {}
        return _refused_over_view(request, account, exc, **extra)
    remember_token(request, account, None)
    messages.success(request, f"{changed.display_name} is {TRANSITIONS[action].verb}.")
    return redirect(organization_url(changed))


# --- Change preferred currency ---------------------------------------------------------------------


def credit_warning(account: Customer, currency: str) -> str:
    """What buying in ``currency`` means for the organization's on-account credit, when it has
    credit in other currencies and none in this one ("" otherwise): credit is never converted."""
    sources = PaymentSource.objects.filter(customer=account, kind=PaymentSource.Kind.ON_ACCOUNT, is_active=True)
    held = sorted({source.currency or account.store.currency for source in sources})
    if not held or currency in held:
        return ""
    words = " and ".join(currency_label(code) for code in held)
    return (f"Its on-account credit is in {words}: orders in {currency_label(currency)} are paid another way "
            f"until an administrator opens credit in {currency}.")  # fmt: skip


@seller_required
@require_POST
def organization_currency(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Save the preferred currency. With items in the open cart the first Save asks to confirm (the
    record stays locked for the seller meanwhile); the confirmed Save re-prices the cart."""
    account = assigned_organization(request, pk)
    ctx = request.ctx
    if not may_manage_organizations(ctx):
        raise Http404("Changing an organization's currency needs the privilege to manage organizations.")
    currency = request.POST.get("currency", "")
    confirmed = request.POST.get("confirm") == "1"
    version = parse_version(request.POST.get("version"))
    token: str | None = None
    try:
        if confirmed:
            guard = posted_guard(request, account)
            token = guard.lease_token
        else:
            if version is None:
                raise locks.version_required_error()
            token = locks.customer_lock(ctx, customer_id=account.pk, expected_version=version).token
            guard = EditGuard(version=version, lease_token=token)
        change = organization_currency_change(ctx, account_id=account.pk, currency=currency, guard=guard,
                                              confirm=confirmed)  # fmt: skip
    except DomainError as exc:
        if exc.code == CURRENCY_CONFIRM and token:
            remember_token(request, account, token)
            fresh = assigned_organization(request, account.pk)
            ask = {"currency": currency, "lines": exc.data.get("lines"), "from": exc.data.get("from"),
                   "to": exc.data.get("to"), "message": exc.message, "lease_token": token,
                   "credit_warning": credit_warning(fresh, currency)}  # fmt: skip
            return render_view(request, fresh, status=409, currency_confirm=ask)
        _release(request, account, token, reason="not saved")
        return _refused_over_view(request, account, exc)
    _release(request, account, token, reason="saved")
    said = f"{change.account.display_name} now buys in {currency_label(change.currency)}."
    if change.cart_repriced:
        said += f" Its cart was re-priced in {change.currency}."
    if warning := credit_warning(change.account, change.currency):
        said += f" {warning}"
    messages.success(request, said)
    return redirect(organization_url(change.account))


# --- The Basic Details and Organization Profile editors -------------------------------------------


@seller_required
@require_POST
def organization_open(request: ConciergeRequest, pk: int, section: str) -> HttpResponse:
    """Edit: the record locks for this seller at the version the page showed, then the editor."""
    account = assigned_organization(request, pk)
    if section not in EDITORS or not may_manage_organizations(request.ctx):
        raise Http404("No such editor.")
    try:
        grant = locks.customer_lock(request.ctx, customer_id=account.pk,
                                    expected_version=parse_version(request.POST.get("version")))  # fmt: skip
    except DomainError as exc:
        return _refused_over_view(request, account, exc)
    remember_token(request, account, grant.token)
    return redirect("storefront:organization_edit", pk=account.pk, section=section)


def render_editor(request: ConciergeRequest, account: Customer, section: str, *, status: int = 200,
                  posted: dict[str, str] | None = None, **extra: Any) -> HttpResponse:  # fmt: skip
    """The editor over the record as read now; ``posted``: what the seller typed, shown again."""
    title, fields = EDITORS[section]
    values: dict[str, Any] = {
        "name": account.organization_name, "erp_id": account.erp_id or "", "business_number": account.business_number,
        "country": account.country, "contract_numbers": "\n".join(account.contracts.values_list("number", flat=True)),
        "contact_name": account.contact_name, "contact_email": account.contact_email,
        "contact_phone": account.contact_phone, "preferred_locale": account.preferred_locale,
    }  # fmt: skip
    values.update(posted or {})
    context: dict[str, Any] = {
        "org": account,
        "section": section,
        "title": title,
        "fields": fields,
        "values": values,
        "errors": {},
        "countries": country_choices(),
        "locales": locale_choices(account.store, account.preferred_locale),
        **_lock_state(request, account),
        **extra,
    }
    return render(request, "storefront/organization_edit.html", context, status=status)


@checks_text
@seller_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: ConciergeRequest, pk: int, section: str) -> HttpResponse:
    """The editor: its form while this browser holds the lock, else the values read-only (with who
    is editing). Save posts the version and the lock's token and unlocks the record."""
    account = assigned_organization(request, pk)
    if section not in EDITORS or not may_manage_organizations(request.ctx):
        raise Http404("No such editor.")
    if request.method == "GET":
        return render_editor(request, account, section)
    title, fields = EDITORS[section]
    save = organization_details_save if section == "details" else organization_profile_save
    data = {name: request.POST.get(name, "") for name in fields}
    try:
        saved = save(request.ctx, account_id=account.pk, guard=posted_guard(request, account), data=data,
                     then=Then.RELEASE)  # fmt: skip
    except DomainError as exc:
        if exc.code == CustomerError.LOCK_LOST:
            remember_token(request, account, None)
        fresh = assigned_organization(request, account.pk)
        posted = data
        if exc.fields and exc.code not in DIALOG_TITLES:
            return render_editor(request, fresh, section, status=exc.status, errors=exc.fields,
                                 form_error=exc.message, posted=posted)  # fmt: skip
        reload_url = reverse("storefront:organization_edit", args=[fresh.pk, section])
        kept = {"version": request.POST.get("version", "")} if exc.code == CustomerError.STALE else {}
        return render_editor(request, fresh, section, status=exc.status, dialog=_dialog(exc, reload_url),
                             posted=posted, **kept)  # fmt: skip
    remember_token(request, account, None)
    messages.success(request, f"{title} of {saved.display_name} saved; the record is unlocked.")
    return redirect(organization_url(saved))


@seller_required
@require_POST
def organization_close(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Cancel (or leave the editor's page: ``left``): the record unlocks."""
    account = assigned_organization(request, pk)
    left = request.POST.get("left") == "1"
    _release(request, account, held_token(request, account), reason="left" if left else "closed")
    if left:
        return HttpResponse(status=204)
    if request.POST.get("what") == "currency":
        messages.info(request, f"The preferred currency of {account.display_name} is unchanged.")
    else:
        messages.info(request, f"{account.display_name} closed; the record is unlocked.")
    return redirect(organization_url(account))


@seller_required
@require_POST
def organization_heartbeat(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The open editor renews its lock every minute."""
    account = assigned_organization(request, pk)
    try:
        grant = locks.customer_lock_renew(request.ctx, customer_id=account.pk, lease_token=held_token(request, account))
    except DomainError as exc:
        remember_token(request, account, None)
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"expires_at": grant.expires_at.isoformat()})
