"""The Details tab's amendments (seed 004 "Splitting a Shipment", "Updating an Order"): Move Item
with its dialog (the address, or a new one in the next step, and the shipping method; OK), Item
Details on a quantity and Save, a shipping method change, and the Payment Authorization dialog
(Authorize; Done on success, Back or discard after a decline).

Each is a POST under the order's lock, which it keeps: the dialogs are steps of the order page,
rendered by the server over the Details tab, so the editor never leaves the page that holds the
lock. Prices and totals come from the server; the forms send only lines, quantities, an address
and a method."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.orders import amendments, services
from concierge.orders.errors import OrderError
from concierge.orders.models import Amendment, Order
from concierge.service.order_edit_views import _guard, _order, _shipment_id, order_action
from concierge.service.order_views import _fields, order_url, refused, remember_token, render_order
from concierge.service.views import staff_required

TAB = "details"


def _line_quantities(request: ConciergeRequest, prefix: str, selected: list[str] | None = None) -> dict[int, str]:
    """``{line id: quantity}`` from ``<prefix><line id>`` fields (only the ``selected`` lines when given)."""
    found: dict[int, str] = {}
    for name in request.POST:
        line_id = name.removeprefix(prefix)
        if name.startswith(prefix) and line_id.isdigit() and (selected is None or line_id in selected):
            found[int(line_id)] = request.POST.get(name, "")
    return found


def _change(request: ConciergeRequest) -> int:
    """The change the Payment Authorization dialog names (its hidden ``change`` field)."""
    change = request.POST.get("change", "")
    return int(change) if change.isdigit() else 0


def _new_address_fields(order: Order, posted: Any, errors: dict[str, list[str]]) -> list[dict]:
    """The new-address step's inputs: blank but for the customer's name, refilled after a refusal."""
    current = {f: "" for f in services.ADDRESS_FIELDS}
    current.update(first_name=order.billing_first_name, last_name=order.billing_last_name)
    return _fields(current, posted, errors, with_phone=False)


def _address(request: ConciergeRequest) -> dict[str, str]:
    return {f: request.POST.get(f, "") for f in services.ADDRESS_FIELDS if f != "phone"}


@checks_text
@order_action(TAB, ends_edit=False)
def amend_quantities(request: ConciergeRequest, order: Order) -> str:
    """Save on Item Details: the new quantities of the order's lines. Made at once when the payment
    covers the new total; otherwise the Payment Authorization dialog opens over the tab."""
    amendment = amendments.propose_quantities(request.ctx, order_id=order.pk, guard=_guard(request, order),
                                              quantities=_line_quantities(request, "quantity-"))  # fmt: skip
    if amendment.status == Amendment.Status.PENDING:
        return "The new total needs a payment authorization."
    return f"Saved: {amendment.summary}."


@require_POST
@staff_required
@checks_text
def amend_move(request: ConciergeRequest, number: str, shipment: str) -> HttpResponse:
    """Move Item: ``step=choose`` opens the dialog for the selected items; OK with a saved address
    makes the move; OK with "a new address" asks for it in the next step (``step=address``)."""
    order = _order(request, number)
    shipment_id = _shipment_id(order, shipment)
    selected = request.POST.getlist("move")
    lines = _line_quantities(request, "move-quantity-", selected)
    for line_id in selected:
        if line_id.isdigit() and int(line_id) not in lines:
            lines[int(line_id)] = "1"
    step = request.POST.get("step", "choose")
    dialog: dict[str, Any] = {"shipment": shipment, "lines": lines, "method": request.POST.get("shipping_method", ""),
                              "choice": request.POST.get("address_choice", "")}  # fmt: skip
    if not lines:
        message = "Select the items to move: tick them in the Move column, then Move Item."
        return render_order(request, order.number, tab=TAB, status=422, form_error=message)
    if step == "choose" or (step == "ok" and dialog["choice"] == "new"):
        dialog["step"] = "address" if step == "ok" else "choose"
        if step == "ok" and not dialog["method"]:
            dialog["step"], dialog["error"] = "choose", "Choose the shipping method."
        dialog["fields"] = _new_address_fields(order, None, {})
        return render_order(request, order.number, tab=TAB, move_dialog=dialog)
    choice = dialog["choice"]
    try:
        amendment = amendments.propose_move(
            request.ctx, shipment_id=shipment_id, guard=_guard(request, order), lines=lines,
            shipping_method_code=dialog["method"], address_id=int(choice) if choice.isdigit() else None,
            address=_address(request) if step == "address" else None,
        )  # fmt: skip
    except DomainError as exc:
        if exc.fields and exc.code in {OrderError.ADDRESS_INVALID, OrderError.AMENDMENT_INVALID,
                                       OrderError.SHIPPING_METHOD_INVALID}:  # fmt: skip
            at_address = step == "address"
            fields = _new_address_fields(order, request.POST if at_address else None, exc.fields)
            dialog.update(step="address" if at_address else "choose", error=exc.message, fields=fields)
            return render_order(request, order.number, tab=TAB, status=exc.status, move_dialog=dialog)
        return refused(request, order, exc, TAB)
    if amendment.status == Amendment.Status.APPLIED:
        messages.success(request, f"{amendment.summary}.")
    return redirect(order_url(order, TAB))


@require_POST
@staff_required
@checks_text
def amend_shipping(request: ConciergeRequest, number: str, shipment: str) -> HttpResponse:
    """Save a shipment's Shipping Information (a save: the order unlocks, as before); a method
    dearer than the payment covers opens the Payment Authorization dialog instead, the lock kept."""
    order = _order(request, number)
    shipment_id = _shipment_id(order, shipment)
    method, address = request.POST.get("shipping_method", ""), _address(request)
    try:
        try:
            services.shipment_shipping_update(request.ctx, shipment_id=shipment_id, guard=_guard(request, order),
                                              shipping_method_code=method, address=address)  # fmt: skip
        except DomainError as exc:
            if exc.code != OrderError.AUTHORIZATION_REQUIRED:
                raise
            amendments.propose_shipping(request.ctx, shipment_id=shipment_id, guard=_guard(request, order),
                                        shipping_method_code=method, address=address)  # fmt: skip
            messages.success(request, f"{exc.message.removesuffix('.')}: authorize it, or discard the change.")
            return redirect(order_url(order, TAB))
    except DomainError as exc:
        return refused(request, order, exc, TAB)
    remember_token(request, order, None)
    messages.success(request, f"Order {order.number} saved; it is unlocked.")
    return redirect(order_url(order, TAB))


@require_POST
@staff_required
def amend_authorize(request: ConciergeRequest, number: str) -> HttpResponse:
    """Authorize (Payment Authorization): approved, the change is made and Done is shown; declined,
    the dialog says so and offers Back (another source) or discarding the change."""
    order = _order(request, number)
    source = request.POST.get("payment_source", "")
    try:
        result = amendments.amendment_authorize(
            request.ctx, amendment_id=_change(request), guard=_guard(request, order),
            source_id=int(source) if source.isdigit() else 0,
        )  # fmt: skip
    except DomainError as exc:
        if exc.fields and exc.code not in {OrderError.STALE, OrderError.LOCK_LOST}:
            return render_order(request, order.number, tab=TAB, status=exc.status, authorize_error=exc.message)
        return refused(request, order, exc, TAB)
    if not result.approved:
        failure = {"message": result.transaction.message or "The payment was declined.",
                   "source": result.transaction.source_label}  # fmt: skip
        return render_order(request, order.number, tab=TAB, status=402, authorization_failed=failure)
    return redirect(order_url(order, TAB) + f"&authorized={result.amendment.pk}")


@order_action(TAB, ends_edit=False)
def amend_abandon(request: ConciergeRequest, order: Order) -> str:
    """Discard the change awaiting authorization: the order stays as it was."""
    amendments.amendment_discard(request.ctx, amendment_id=_change(request), guard=_guard(request, order))
    return "The change was discarded; the order is as it was."
