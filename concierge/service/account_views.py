"""Account records in the console (seed 004): the Add Account wizard (and Add Child Account, the same
wizard with the parent set), the Child Accounts and Associates tabs, and Delete Account.

The wizard keeps its state in the form: each step posts every field, the ones of other steps as
hidden fields, and Finish checks them all again before the account is created, so Back and Next
never lose a value and nothing half-made is stored. A child account is a change of its parent: the
wizard needs the parent open for editing (its lock), and posts the parent's version it loaded.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers import accounts, locks
from concierge.customers.editing import parse_version
from concierge.customers.errors import CustomerError
from concierge.customers.models import AccountAssociate, Customer
from concierge.customers.services import ADDRESS_FIELDS
from concierge.identity.policies import stores_served
from concierge.service.customer_views import (
    held_token,
    record_action,
    record_customer,
    record_guard,
    record_url,
    refused,
    render_record,
)
from concierge.service.views import staff_required
from concierge.stores.models import Store
from concierge.stores.selectors import stores_named

STEPS = ("details", "shared_id", "attributes")
ADDRESS_NAMES = tuple(f"address_{f}" for f in ADDRESS_FIELDS if f != "label")
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "details": ("business_name", "store", "email", "phone", *ADDRESS_NAMES),
    "shared_id": ("shared_id_mode", "shared_id"),
    "attributes": ("business_number", "preferred_locale"),
}
ALL_FIELDS = tuple(name for names in STEP_FIELDS.values() for name in names)


def _step_of(field: str) -> str:
    return next((step for step, names in STEP_FIELDS.items() if field in names), "details")


def _parent(request: ConciergeRequest, value: str | None) -> Customer | None:
    """The parent account a child is added to (an account of a store served), or none."""
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError as exc:
        raise Http404("No such account.") from exc
    parent = record_customer(request, pk)
    if parent.kind != Customer.Kind.ACCOUNT:
        raise Http404("No such account.")
    return parent


def _editing(request: ConciergeRequest, customer: Customer) -> bool:
    token = held_token(request, customer)
    return bool(token and customer.lease_token == token and customer.lease_held_by(request.ctx.user))


def _locale_choices(store: Store | None) -> list[tuple[str, str]]:
    codes = list(dict.fromkeys([*([store.locale] if store else []), *accounts.LOCALES]))
    return [(code, f"{Locale.parse(code).get_display_name('en')} ({code})") for code in codes]


def _render_wizard(
    request: ConciergeRequest,
    *,
    step: str,
    values: dict[str, str],
    parent: Customer | None,
    errors: dict[str, list[str]] | None = None,
    form_error: str = "",
    status: int = 200,
) -> HttpResponse:
    ctx = request.ctx
    stores = stores_named(stores_served(ctx))
    store = parent.store if parent else next((s for s in stores if str(s.pk) == values.get("store")), None)
    carried = [(name, values.get(name, "")) for name in ALL_FIELDS if name not in STEP_FIELDS[step]]
    context: dict[str, Any] = {
        "step": step,
        "step_number": STEPS.index(step) + 1,
        "values": values,
        "errors": errors or {},
        "form_error": form_error,
        "carried": carried,
        "parent": parent,
        "parent_editing": parent is not None and _editing(request, parent),
        "version": values.get("version", ""),
        "may_manage": accounts.may_manage_accounts(ctx),
        "stores": stores,
        "chosen_store": store or (stores[0] if stores else None),
        "locales": _locale_choices(store or (stores[0] if stores else None)),
        "roles": AccountAssociate.Role.choices,
        "shared_id_rule": accounts.SHARED_ID_RULE,
        "shared_id_max": accounts.SHARED_ID_MAX,
        "heartbeat_seconds": int(locks.CUSTOMER_HEARTBEAT.total_seconds()),
    }
    return render(request, "service/customers/account_wizard.html", context, status=status)


@checks_text
@require_http_methods(["GET", "POST"])
@staff_required
def account_new(request: ConciergeRequest) -> HttpResponse:
    """Add Account / Add Child Account: details → Next → shared ID → Next → attributes → Finish."""
    data = request.POST if request.method == "POST" else request.GET
    parent = _parent(request, data.get("parent"))
    values = {name: str(data.get(name, "") or "") for name in (*ALL_FIELDS, "version")}
    values["parent"] = str(parent.pk) if parent else ""
    if parent is not None and request.method == "GET" and not values["version"]:
        values["version"] = str(parent.version)
    if not accounts.may_manage_accounts(request.ctx):
        return _render_wizard(request, step="details", values=values, parent=parent, status=403,
                              form_error="Adding accounts needs the customer update privilege.")  # fmt: skip
    if request.method == "GET":
        return _render_wizard(request, step="details", values=values, parent=parent)
    step = str(data.get("step") or "details")
    if step not in STEPS:
        step = "details"
    go = data.get("go", "next")
    if go == "back":
        return _render_wizard(request, step=STEPS[max(STEPS.index(step) - 1, 0)], values=values, parent=parent)
    # Next or Finish: every step up to this one is checked again (hidden values can be edited too).
    try:
        details = accounts.clean_details(request.ctx, data, parent=parent)
        if step == "details":
            return _render_wizard(request, step="shared_id", values=values, parent=parent)
        shared_id = accounts.clean_shared_id(data)
        if step == "shared_id":
            return _render_wizard(request, step="attributes", values=values, parent=parent)
        attributes = accounts.clean_attributes(data)
        guard = EditGuard(version=parse_version(values["version"]), lease_token=held_token(request, parent)) \
            if parent is not None else None  # fmt: skip
        account = accounts.account_create(request.ctx, details=details, shared_id=shared_id, attributes=attributes,
                                          parent_id=parent.pk if parent else None, guard=guard)  # fmt: skip
    except DomainError as exc:
        if exc.fields:
            first = min((_step_of(f) for f in exc.fields), key=STEPS.index)
            return _render_wizard(request, step=first, values=values, parent=parent, errors=exc.fields,
                                  form_error=exc.message, status=exc.status)  # fmt: skip
        return _render_wizard(request, step=step, values=values, parent=parent, form_error=exc.message,
                              status=exc.status)  # fmt: skip
    if parent is not None:
        messages.success(request, f"Child account {account.display_name} ({account.shared_id}) added to "
                                  f"{parent.display_name}.")  # fmt: skip
    else:
        messages.success(request, f"Account {account.display_name} created with the shared ID {account.shared_id}.")
    return redirect(record_url(account, "profile"))


# ---------------------------------------------------------------------------------------------
# The Associates tab's POSTs (its context: ``account_tabs.py``).


@checks_text
@record_action("associates")
def associate_add(request: ConciergeRequest, customer: Customer) -> str:
    """Add Associate → Save."""
    associate = accounts.associate_add(request.ctx, account_id=customer.pk, guard=record_guard(request, customer),
                                       email=request.POST.get("email", ""),
                                       role=request.POST.get("role", ""))  # fmt: skip
    return (f"{associate.user.display_name} is now an associate of {customer.display_name} "
            f"({associate.get_role_display()}).")  # fmt: skip


@record_action("associates")
def associate_role(request: ConciergeRequest, customer: Customer, associate_id: int) -> str:
    """Change an associate's role."""
    associate = accounts.associate_set_role(request.ctx, account_id=customer.pk,
                                            guard=record_guard(request, customer), associate_id=associate_id,
                                            role=request.POST.get("role", ""))  # fmt: skip
    return f"{associate.user.display_name} is now {associate.get_role_display()} for {customer.display_name}."


@record_action("associates")
def associate_remove(request: ConciergeRequest, customer: Customer, associate_id: int) -> str:
    """Remove Associate → OK: the association goes, the user stays."""
    user = accounts.associate_remove(request.ctx, account_id=customer.pk, guard=record_guard(request, customer),
                                     associate_id=associate_id)  # fmt: skip
    return (f"{user.display_name} is no longer an associate of {customer.display_name}. The user was not "
            "deleted.")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Delete Account.


@not_on_behalf(OnBehalfDenied.DELETE_ACCOUNT)
@require_http_methods(["GET", "POST"])
@staff_required
def account_delete(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Delete Account: GET asks (the confirmation dialog, or why it cannot be deleted; read-only);
    POST (OK) deletes the account and all its children under its lock and version."""
    customer = record_customer(request, pk)
    if customer.kind != Customer.Kind.ACCOUNT:
        raise Http404("No such account.")
    tab = (request.POST if request.method == "POST" else request.GET).get("tab") or "profile"
    if request.method == "GET":
        check = accounts.account_deletion_check(customer)
        return render_record(request, customer, tab=tab, delete_dialog={"check": check,
                             "editing": _editing(request, customer)})  # fmt: skip
    if not accounts.may_manage_accounts(request.ctx):
        return render_record(request, customer, tab=tab, status=403, delete_dialog={
            "refusal": "Deleting accounts needs the customer update privilege."})  # fmt: skip
    try:
        deleted = accounts.account_delete(request.ctx, account_id=customer.pk, guard=record_guard(request, customer))
    except DomainError as exc:
        if exc.code in {CustomerError.ACCOUNT_HAS_PURCHASES, CustomerError.ACCOUNT_IN_USE}:
            fresh = record_customer(request, customer.pk)
            return render_record(request, fresh, tab=tab, status=exc.status,
                                 delete_dialog={"refusal": exc.message})  # fmt: skip
        return refused(request, customer, exc, tab)
    children = len(deleted) - 1
    also = " and its child account" if children == 1 else f" and its {children} child accounts" if children else ""
    messages.success(request, f"{customer.display_name}{also} deleted. The associated users were kept.")
    return redirect(reverse("service:home"))
