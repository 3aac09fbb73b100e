"""The order timeline in words (seed 004 "event action"): what each audit event of an order says
to the person reading the Notes tab — no action codes, statuses as people read them, payment events
with their amount.

The words of an action are its declared member's (``<domain>/actions.py``, read through
``concierge.audit.actions.describe``): the same words on this page, the Customer Service home and the
console API. This module adds what an event's data says — the unlock's reason, a payment's amount,
the changes in words — and which events are lock noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from concierge.assist.organization_sessions import session_labels
from concierge.audit.actions import describe as describe_action
from concierge.checkout.actions import CheckoutAction
from concierge.orders.actions import OrderAction
from concierge.orders.models import Hold, Order, Shipment
from concierge.orders.selectors import TimelineEntry
from concierge.payments.actions import PaymentAction

# Why an order was unlocked (the ``reason`` of ``order.unlocked``), as a person would say it.
UNLOCK_REASONS = {"saved": "after saving", "closed": "editor closed", "left": "editor page left",
                  "signed out": "signed out"}  # fmt: skip

FIELD_WORDS = {
    "status": "Order status", "shipment_status": "Shipment status", "hold_status": "Hold status",
    "locked_by": "Locked by",
    "shipping_method": "Shipping method", "shipping_price": "Shipping price",
    "first_name": "first name", "last_name": "last name", "line1": "address", "line2": "address line 2",
    "city": "city", "region": "state/region", "postal_code": "postal code", "country": "country", "phone": "phone",
}  # fmt: skip


def action_words(action: str) -> str:
    """The declared words of an audit action; one no longer declared reads as a sentence, not a code."""
    words = describe_action(action)
    return words if words != action else action.replace(".", " ").replace("_", " ").capitalize()


LOCK_ACTIONS = frozenset({OrderAction.LOCKED, OrderAction.UNLOCKED})  # folded unless asked for
# Hold events: ``reason`` is the hold's reason, and a decision's ``comment`` reads like a note.
HOLD_ACTIONS = frozenset({OrderAction.HOLD_MARKED_RESOLVED, OrderAction.HOLD_MARKED_UNRESOLVABLE,
                          OrderAction.HOLD_RESOLVED, OrderAction.HOLD_UNRESOLVABLE})  # fmt: skip
PAYMENT_ACTIONS = frozenset(PaymentAction)  # events that show their amount
# Refund events (orders/refunds.py) show their amount and where the money goes.
REFUND_ACTIONS = frozenset(a for a in OrderAction if a.value.startswith("refund."))


def _field(name: str) -> str:
    if name.startswith("billing_"):
        return "Billing " + FIELD_WORDS.get(name.removeprefix("billing_"), name)
    if name.startswith("ship_"):
        return "Ship-to " + FIELD_WORDS.get(name.removeprefix("ship_"), name)
    return FIELD_WORDS.get(name, name.replace("_", " ").capitalize())


def _value(name: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if name == "status" and value in Order.Status.values:
        return str(Order.Status(value).label)
    if name == "shipment_status" and value in Shipment.Status.values:
        return str(Shipment.Status(value).label)
    if name == "hold_status" and value in Hold.Status.values:
        return str(Hold.Status(value).label)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str

    @property
    def sentence(self) -> str:
        if self.field == FIELD_WORDS["locked_by"] and not self.after:
            return f"Was locked by {self.before}"
        if not self.before:
            return f"{self.field} set to {self.after}"
        if not self.after:
            return f"{self.field} removed (was {self.before})"
        return f"{self.field} changed from {self.before} to {self.after}"


@dataclass(frozen=True)
class DescribedEvent:
    entry: TimelineEntry
    words: str
    kind: str  # a CSS class
    text: str  # a note's text
    changes: list[Change]
    detail: str
    amount: str  # a payment event's amount (and the order's total on "Order placed"), with ``currency``
    currency: str
    is_lock_event: bool
    case: str = ""  # the reason and case of the session the event was done in: "case 4711 · Order help"

    @property
    def event(self) -> Any:
        return self.entry.event

    @property
    def on_behalf_of(self) -> str:
        return self.entry.on_behalf_of


def _text(action: str, data: dict[str, Any]) -> str:
    """What a person wrote: a note's text, or the comment given with a hold's decision."""
    if action == OrderAction.NOTE_ADDED:
        return str(data.get("text", ""))
    return str(data.get("comment", "")) if action in HOLD_ACTIONS else ""


def describe_all(entries: list[TimelineEntry]) -> list[DescribedEvent]:
    """The timeline in words, each event done in an assisted (or a seller's organization) session
    with that session's reason and case."""
    cases = session_labels(entry.event for entry in entries)
    return [describe(entry, case=cases.get(entry.event.pk, "")) for entry in entries]


def describe(entry: TimelineEntry, *, case: str = "") -> DescribedEvent:
    event = entry.event
    data = event.data or {}
    action = event.action
    changes = [Change(_field(name), _value(name, pair[0]), _value(name, pair[1]))
               for name, pair in (event.changes or {}).items()]  # fmt: skip
    detail = []
    if data.get("shipment"):
        detail.append(f"Shipment {data['shipment']}")
    if action == OrderAction.UNLOCKED:
        detail.append(UNLOCK_REASONS.get(data.get("reason", ""), data.get("reason", "")))
    elif action in HOLD_ACTIONS:
        detail.append(f"Hold: {data.get('reason', '')}")
    elif data.get("reason") and action != OrderAction.NOTE_ADDED:
        detail.append(f"Reason: {data['reason']}")
    if data.get("summary"):  # an order amendment says what it changes (orders/amendments.py)
        detail.append(str(data["summary"]))
    if action == CheckoutAction.ORDER_PLACED and data.get("holds"):
        detail.append("Put on hold: " + "; ".join(data["holds"]))
    if action in PAYMENT_ACTIONS and data.get("source"):
        detail.append(str(data["source"]))
    if action in REFUND_ACTIONS:
        rma = f"RMA {data['rma']}" if data.get("rma") else ""
        detail += [str(data.get("destination", "")), rma, str(data.get("note", "")), str(data.get("message", ""))]
    amount = data.get("total") if action == CheckoutAction.ORDER_PLACED else data.get("amount") \
        if action in PAYMENT_ACTIONS | REFUND_ACTIONS else ""  # fmt: skip
    return DescribedEvent(
        entry=entry,
        words=action_words(action),
        kind=action.replace(".", "-"),
        text=_text(action, data),
        changes=changes,
        detail=" · ".join(d for d in detail if d),
        amount=str(amount or ""),
        currency=str(data.get("currency", "")) if amount else "",
        is_lock_event=action in LOCK_ACTIONS,
        case=case,
    )
