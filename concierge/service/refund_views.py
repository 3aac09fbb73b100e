"""Create Refund (seed 004 "Creating a Refund") and the four-eyes decision on a refund.

The Create Refund wizard opens over the order's Details tab: the amount, a note with the details and
the Refund Options (the original payment source, another of the customer's cards, or Manual Refund);
**Next** completes the refund under the order's lock and version (a save: the order unlocks), and
the wizard's last page says what happened — issued, recorded, declined, or awaiting approval —
until **Finish** closes it. Approve and Reject are on the Payments tab, for a second person with the
Approve Refund privilege, under the order's lock and version too.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.models import Order
from concierge.orders.refunds import (
    NOTE_MAX,
    largest_refund,
    order_refund_approve,
    order_refund_create,
    order_refund_reject,
    original_source_label,
    other_sources,
    parse_amount,
    refundable,
)
from concierge.orders.selectors import access_order
from concierge.payments.models import Refund
from concierge.service.order_edit_views import order_action
from concierge.service.order_views import held_token, order_url, refused, remember_token, render_order
from concierge.service.views import staff_required

NO_PRIVILEGE = "Creating a refund needs the Can Create Refund privilege."


def _order(request: ConciergeRequest, number: str) -> Order:
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise Http404("No such order.") from exc


def _guard(request: ConciergeRequest, order: Order) -> EditGuard:
    """The version the page showed and the lock token this browser holds (both required)."""
    return EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order))


def _source_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _wizard(order: Order, *, step: str, values: dict[str, Any], errors: dict[str, list[str]],
            refund: Refund | None = None, notice: str = "") -> dict[str, Any]:  # fmt: skip
    return {
        "step": step,
        "notice": notice,
        "values": values,
        "errors": errors,
        "refund": refund,
        "refundable": refundable(order).amount,
        "largest": largest_refund(order).amount,
        "threshold": order.store.refund_approval_threshold,
        "original_label": original_source_label(order),
        "other_sources": other_sources(order),
        "note_max": NOTE_MAX,
        "action": reverse("service:order_refund", args=[order.number]),
        "finish_url": order_url(order, "payments"),
    }


def _page(request: ConciergeRequest, order: Order, wizard: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render_order(request, order.number, tab="details", status=status, refund_wizard=wizard)


def _not_allowed(request: ConciergeRequest, order: Order) -> HttpResponse:
    dialog = {"title": "Create Refund", "message": NO_PRIVILEGE, "reload_url": order_url(order, "details"),
              "reload": False}  # fmt: skip
    return render_order(request, order.number, tab="details", status=403, dialog=dialog)


@checks_text
@require_http_methods(["GET", "POST"])
@staff_required
def order_refund(request: ConciergeRequest, number: str) -> HttpResponse:
    """GET: the wizard's first page (or, with ``done``, its last); POST (**Next**): the refund."""
    order = _order(request, number)
    if not request.ctx.has_perm(Priv.CREATE_REFUND):
        return _not_allowed(request, order)
    if request.method == "GET":
        done = _source_id(request.GET.get("done"))
        refund = order.refunds.filter(pk=done).first() if done else None
        if refund is not None:
            return _page(request, order, _wizard(order, step="done", values={}, errors={}, refund=refund))
        values = {"destination": Refund.Destination.ORIGINAL, "amount": "", "note": "", "source": ""}
        if not (held_token(request, order) and order.lease_is_live() and order.lease_holder_id == request.user.pk):
            notice = f"Order {order.number} is not open for editing by you: Cancel, choose Edit, then Create Refund."
            return _page(request, order, _wizard(order, step="amount", values=values, errors={}, notice=notice))
        return _page(request, order, _wizard(order, step="amount", values=values, errors={}))
    values = {f: request.POST.get(f, "") for f in ("amount", "note", "destination", "source")}
    try:
        amount = parse_amount(values["amount"], order.currency)
        refund = order_refund_create(
            request.ctx, order_id=order.pk, guard=_guard(request, order), amount=amount,
            destination=values["destination"], source_id=_source_id(values["source"]), note=values["note"],
        )  # fmt: skip
    except DomainError as exc:
        if exc.fields:
            wizard = _wizard(order, step="amount", values=values, errors=exc.fields)
            return _page(request, order, wizard, status=exc.status)
        return refused(request, order, exc, "details")
    remember_token(request, order, None)  # a save: the order is unlocked
    return redirect(reverse("service:order_refund", args=[order.number]) + f"?done={refund.pk}")


def _refund_id(value: str) -> int:
    if not value.isdigit():
        raise Http404("No such refund.")
    return int(value)


@order_action("payments", ends_edit=True)
def refund_approve(request: ConciergeRequest, order: Order, refund: str) -> str:
    """Approve a refund awaiting approval (a second person with Approve Refund): it is issued."""
    approved = order_refund_approve(request.ctx, order_id=order.pk, refund_id=_refund_id(refund),
                                    guard=_guard(request, order))  # fmt: skip
    return f"Refund approved: {approved.get_status_display().lower()}. Order {order.number} is unlocked."


@checks_text
@order_action("payments", ends_edit=True)
def refund_reject(request: ConciergeRequest, order: Order, refund: str) -> str:
    """Reject a refund awaiting approval, with a reason: its amount can be refunded again."""
    order_refund_reject(request.ctx, order_id=order.pk, refund_id=_refund_id(refund), guard=_guard(request, order),
                        reason=request.POST.get("reason", ""))  # fmt: skip
    return f"Refund rejected. Order {order.number} is unlocked."
