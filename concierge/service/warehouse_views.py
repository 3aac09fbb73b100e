"""The Warehouse (seed 004 "Searching for a Return or Exchange Order"): its Returns tab searches
returns by RMA, order number, customer name or email, status and date (more terms narrow), opens
one, and receives its items — partial receipts allowed. A receipt names the version of the return
the page showed (the warehouse opens no order, so it holds no order lock: the return's own version
is its guard); the full receipt completes the return, issuing its refund or releasing its exchange
order. Only warehouse staff (receive_returns) work here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concierge.core.errors import DomainError, NotFound
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.payments.models import Refund
from concierge.returns import services
from concierge.returns.models import Return
from concierge.returns.selectors import RESULT_LIMIT, ReturnCriteria, search_returns

View = Callable[..., HttpResponse]
TERMS = ("rma", "order_number", "name", "email", "status", "created_from", "created_to")


def warehouse_required(view: View) -> View:
    """Warehouse staff only (receive_returns): anonymous visitors sign in, everyone else is refused."""

    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ctx = request.ctx
        if ctx.user is None:
            return redirect_to_login(request.get_full_path())
        if not services.may_receive(ctx):
            return render(request, "service/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@warehouse_required
def warehouse(request: ConciergeRequest) -> HttpResponse:
    """The Returns tab: Search Terms, Search, and the returns found. Search with no term says what
    to enter (a search of every return is not offered: the RMA on the parcel is the usual term)."""
    searched = any(request.GET.get(term) for term in TERMS)
    empty_search = not searched and any(term in request.GET for term in TERMS)
    results: list[Return] = []
    errors: dict[str, list[str]] = {}
    status = 200
    if searched:
        try:
            results = search_returns(request.ctx, ReturnCriteria.parse(request.GET))
        except DomainError as exc:
            errors, status = exc.fields, exc.status
    return render(request, "service/warehouse/returns.html", {
        "terms": {term: request.GET.get(term, "") for term in TERMS}, "statuses": Return.Status.choices,
        "results": results, "searched": searched, "empty_search": empty_search, "errors": errors,
        "limit": RESULT_LIMIT,
    }, status=status)  # fmt: skip


# A full receipt that leaves the return Received: why it is not completed yet (Return.refund_wait).
WAITING: dict[str, str] = {
    "APPROVAL": "The return completes when its refund is issued (awaiting approval).",
    "ISSUING": "The return completes when its refund is issued (being issued).",
    "REFUSED": "The return completes when its refund is issued (its refund was not issued: customer service "
    "issues another).",
}


def _return(request: ConciergeRequest, rma: str) -> Return:
    try:
        return services.access_return(request.ctx, rma)
    except NotFound as exc:
        raise Http404("No such return.") from exc


def _page(request: ConciergeRequest, ret: Return, *, status: int = 200, **extra: Any) -> HttpResponse:
    lines = list(ret.lines.select_related("order_line", "reason", "exchange_sku"))
    context = {
        "ret": ret, "lines": lines, "refunds": list(Refund.objects.filter(order_id=ret.order_id, rma=ret.rma)),
        "why_not": ret.why_not_receivable(), "version": ret.version, "errors": {}, "values": {},
        "may_open_order": request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE), **extra,
    }  # fmt: skip
    return render(request, "service/warehouse/return.html", context, status=status)


@require_GET
@warehouse_required
def warehouse_return(request: ConciergeRequest, rma: str) -> HttpResponse:
    """One return: its items, what has been received, and the quantities to receive now."""
    return _page(request, _return(request, rma))


@require_POST
@warehouse_required
def warehouse_receive(request: ConciergeRequest, rma: str) -> HttpResponse:
    """Receive: the quantities that arrived, under the version of the return the page showed."""
    ret = _return(request, rma)
    quantities: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for line in ret.lines.all():
        raw = request.POST.get(f"received-{line.pk}", "").strip()
        if not raw:
            continue
        try:
            quantities[line.pk] = int(raw)
        except ValueError:
            errors[f"received-{line.pk}"] = ["Enter a whole number."]
    try:
        version = int(request.POST["version"]) if request.POST.get("version", "").strip().isdigit() else None
        if errors:
            raise DomainError("return.receipt_invalid", "Check the quantities received.", status=422, fields=errors)
        received = services.return_receive(request.ctx, rma=ret.rma, version=version, quantities=quantities)
    except DomainError as exc:
        fresh = _return(request, rma)
        stale = exc.code in {"return.stale", "return.version_required"}
        return _page(request, fresh, status=exc.status, errors=exc.fields, values=request.POST,
                     form_error=exc.message, stale=stale,
                     version=request.POST.get("version", "") if stale else fresh.version)  # fmt: skip
    if received.status == Return.Status.COMPLETED:
        done = "its refund is issued" if not received.is_exchange else "its exchange order is released"
        messages.success(request, f"{received.rma} received in full and completed: {done}.")
    elif received.status == Return.Status.RECEIVED:
        messages.success(request, f"All items of {received.rma} received. {WAITING[received.refund_wait()]}")
    else:
        messages.success(request, f"Received items of {received.rma}; the rest is still awaited.")
    return redirect(reverse("service:warehouse_return", args=[received.rma]))
