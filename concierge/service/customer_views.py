"""The customer record in the console (seed 004 "Editing a User record", "Editing an Account
record"): its tabs, read-only until the CSR chooses Edit — the record then locks for them, as an
order does — and every change a POST that carries the version the page showed and the token of the
lock this browser holds, through ``customers/editing.py::customer_edit``.

A tab's POST is a :func:`record_action`: the decorated function does the work and returns the
message shown; a refusal shows the record with the seed's dialog (Reload / Cancel) or field errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concierge.assist.policies import may_assist
from concierge.core import lease_tokens
from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError, NotFound
from concierge.core.requests import ConciergeRequest
from concierge.customers import locks
from concierge.customers.editing import parse_version
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.customers.selectors import access_customer
from concierge.service.customer_tabs import tab_named, tabs_for
from concierge.service.views import View, staff_required

DIALOG_TITLES: dict[str, str] = {
    CustomerError.STALE: "Record changed",
    CustomerError.VERSION_REQUIRED: "Record changed",
    CustomerError.LOCKED: "Record locked",
    CustomerError.LOCK_LOST: "Lock lost",
}


def record_customer(request: ConciergeRequest, pk: int) -> Customer:
    """The record for this console user: another store's (or a missing one) is 404."""
    try:
        return access_customer(request.ctx, pk)
    except NotFound as exc:
        raise Http404("No such customer.") from exc


def held_token(request: ConciergeRequest, customer: Customer) -> str | None:
    return lease_tokens.held_token(request, "customer", customer.pk)


def remember_token(request: ConciergeRequest, customer: Customer, token: str | None) -> None:
    if token:
        lease_tokens.remember(request, "customer", customer.pk, token)
    else:
        lease_tokens.forget(request, "customer", customer.pk)


def record_url(customer: Customer, tab: str) -> str:
    return f"{reverse('service:customer', args=[customer.pk])}?tab={tab}"


def record_guard(request: ConciergeRequest, customer: Customer) -> EditGuard:
    """What a tab's edit carries: the version the page showed and the lock token this browser holds."""
    return EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, customer))


def render_record(
    request: ConciergeRequest, customer: Customer, *, tab: str | None, status: int = 200, **extra: Any
) -> HttpResponse:
    ctx = request.ctx
    chosen = tab_named(customer, tab)
    token = held_token(request, customer)
    locked = customer.lease_is_live()
    locked_by_me = customer.lease_held_by(ctx.user)
    editing = bool(token and customer.lease_token == token and locked_by_me)
    context: dict[str, Any] = {
        "customer": customer,
        "is_account": customer.kind == Customer.Kind.ACCOUNT,
        "tab": chosen.key,
        "tabs": [(t.key, t.label) for t in tabs_for(customer)],
        "tab_template": chosen.template,
        "editing": editing,
        "locked": locked,
        "locked_by_me": locked_by_me,
        "locked_by_other": locked and not locked_by_me,
        "holder_name": customer.lease_holder_name() if locked else "",
        "heartbeat_seconds": int(locks.CUSTOMER_HEARTBEAT.total_seconds()),
        "version": customer.version,
        "can_access": may_assist(ctx.signed_in_user),
        "values": {},
        "field_errors": {},
        **chosen.context(request, customer, editing),
        **extra,
    }
    return render(request, "service/customers/record.html", context, status=status)


@require_GET
@staff_required
def customer_record(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The record, read-only unless this browser holds its lock (a GET never changes a row)."""
    return render_record(request, record_customer(request, pk), tab=request.GET.get("tab"))


def refused(request: ConciergeRequest, customer: Customer, exc: DomainError, tab: str) -> HttpResponse:
    """A refusal over the freshly read record (nothing was saved): someone else's lock, a lock this
    browser no longer holds, a page older than the record (Reload / Cancel); or field errors."""
    if exc.code == CustomerError.LOCK_LOST:
        remember_token(request, customer, None)
    fresh = record_customer(request, customer.pk)
    title = DIALOG_TITLES.get(exc.code, "")
    if exc.fields and not title:
        return render_record(request, fresh, tab=tab, status=exc.status, field_errors=exc.fields,
                             values=request.POST, form_error=exc.message)  # fmt: skip
    reloadable = {CustomerError.STALE, CustomerError.VERSION_REQUIRED, CustomerError.LOCK_LOST}
    dialog = {"title": title or "Not saved", "message": exc.message, "reload_url": record_url(fresh, tab),
              "reload": exc.code in reloadable}  # fmt: skip
    extra: dict[str, Any] = {"dialog": dialog}
    if exc.code == CustomerError.STALE:
        extra["version"] = request.POST.get("version", "")  # kept until this person chooses Reload
    return render_record(request, fresh, tab=tab, status=exc.status, **extra)


def record_action(tab: str, *, ends_edit: bool = False) -> Callable[[Callable[..., str]], View]:
    """A record tab's POST by customer service: the decorated ``action(request, customer, **kwargs)``
    does the work and returns the message shown. ``ends_edit``: the change released the lock (a
    Save), so this browser forgets its token. Back to ``tab`` (or the tab the form names)."""

    def decorate(action: Callable[..., str]) -> View:
        @require_POST
        @staff_required
        @wraps(action)
        def view(request: ConciergeRequest, pk: int, **kwargs: str) -> HttpResponse:
            customer = record_customer(request, pk)
            back = request.POST.get("tab") or tab
            try:
                message = action(request, customer, **kwargs)
            except DomainError as exc:
                return refused(request, customer, exc, back)
            if ends_edit:
                remember_token(request, customer, None)
            messages.success(request, message)
            return redirect(record_url(customer, back))

        return view

    return decorate


@record_action("profile")
def customer_open(request: ConciergeRequest, customer: Customer) -> str:
    """Edit: the record locks for this CSR (seed 004's editors are locked as orders are)."""
    grant = locks.customer_lock(request.ctx, customer_id=customer.pk,
                                expected_version=parse_version(request.POST.get("version")))  # fmt: skip
    remember_token(request, customer, grant.token)
    return f"{customer.display_name} is open for you to edit."


@require_POST
@staff_required
def customer_heartbeat(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The open editor renews its lock every minute."""
    customer = record_customer(request, pk)
    try:
        grant = locks.customer_lock_renew(request.ctx, customer_id=customer.pk,
                                          lease_token=held_token(request, customer))  # fmt: skip
    except DomainError as exc:
        remember_token(request, customer, None)
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"expires_at": grant.expires_at.isoformat()})


@require_POST
@staff_required
def customer_close(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Close the editor (or leave the page: ``left``): the record unlocks."""
    customer = record_customer(request, pk)
    token = held_token(request, customer)
    left = request.POST.get("left") == "1"
    remember_token(request, customer, None)
    if token:
        with contextlib.suppress(DomainError):  # already unlocked or expired: closing is done anyway
            locks.customer_unlock(request.ctx, customer_id=customer.pk, lease_token=token,
                                  reason="left" if left else "closed")  # fmt: skip
    if left:
        return HttpResponse(status=204)
    messages.success(request, f"{customer.display_name} closed; the record is unlocked.")
    return redirect(record_url(customer, request.POST.get("tab") or "profile"))
