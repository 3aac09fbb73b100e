"""The order timeline in words (seed 004 "event action"): what each audit event of an order says
to the person reading the Notes tab — no action codes, statuses as people read them, payment events
with their amount.

The words of the actions are ONE mapping, ``ACTION_WORDS``, read through ``action_words()``: when
the audit log declares its actions with their words, that function is the one place to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from concierge.orders.models import Order, Shipment
from concierge.orders.selectors import TimelineEntry

ACTION_WORDS: dict[str, str] = {
    "order.placed": "Order placed",
    "order.locked": "Opened for editing (order locked)",
    "order.unlocked": "Order unlocked",
    "order.force_unlocked": "Order unlocked by a supervisor",
    "order.billing_address_changed": "Billing address changed",
    "order.cancelled": "Order cancelled",
    "order.note_added": "Note",
    "shipment.released": "Shipment released to the warehouse",
    "shipment.shipped": "Shipment shipped",
    "shipment.cancelled": "Shipment cancelled",
    "shipment.shipping_changed": "Shipping changed",
    "payment.authorize_succeeded": "Payment authorized",
    "payment.authorize_declined": "Payment authorization declined",
    "payment.authorize_failed": "Payment authorization failed: the payment service did not answer",
    "payment.capture_succeeded": "Payment captured",
    "payment.capture_declined": "Payment capture declined",
    "payment.capture_failed": "Payment capture failed: the payment service did not answer",
    "payment.reverse_succeeded": "Authorization reversed",
    "payment.reverse_declined": "Authorization reversal declined",
    "payment.reverse_failed": "Authorization reversal failed: the payment service did not answer",
    "payment.refund_succeeded": "Payment refunded",
    "payment.refund_declined": "Refund declined",
    "payment.refund_failed": "Refund failed: the payment service did not answer",
}

# Why an order was unlocked (the ``reason`` of ``order.unlocked``), as a person would say it.
UNLOCK_REASONS = {"saved": "after saving", "closed": "editor closed", "left": "editor page left",
                  "signed out": "signed out"}  # fmt: skip

FIELD_WORDS = {
    "status": "Order status", "shipment_status": "Shipment status", "locked_by": "Locked by",
    "shipping_method": "Shipping method", "shipping_price": "Shipping price",
    "first_name": "first name", "last_name": "last name", "line1": "address", "line2": "address line 2",
    "city": "city", "region": "state/region", "postal_code": "postal code", "country": "country", "phone": "phone",
}  # fmt: skip


def action_words(action: str) -> str:
    """The words for an audit action; one not (yet) in the mapping reads as a sentence, not a code."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    return action.replace(".", " ").replace("_", " ").capitalize()


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

    @property
    def event(self) -> Any:
        return self.entry.event

    @property
    def on_behalf_of(self) -> str:
        return self.entry.on_behalf_of


def describe(entry: TimelineEntry) -> DescribedEvent:
    event = entry.event
    data = event.data or {}
    action = event.action
    changes = [Change(_field(name), _value(name, pair[0]), _value(name, pair[1]))
               for name, pair in (event.changes or {}).items()]  # fmt: skip
    detail = []
    if data.get("shipment"):
        detail.append(f"Shipment {data['shipment']}")
    if action == "order.unlocked":
        detail.append(UNLOCK_REASONS.get(data.get("reason", ""), data.get("reason", "")))
    elif data.get("reason") and action != "order.note_added":
        detail.append(f"Reason: {data['reason']}")
    if action == "order.placed" and data.get("holds"):
        detail.append("Put on hold: " + "; ".join(data["holds"]))
    if action.startswith("payment.") and data.get("source"):
        detail.append(str(data["source"]))
    amount = data.get("total") if action == "order.placed" else data.get("amount") if action.startswith("payment.") \
        else ""  # fmt: skip
    return DescribedEvent(
        entry=entry,
        words=action_words(action),
        kind=action.replace(".", "-"),
        text=data.get("text", "") if action == "order.note_added" else "",
        changes=changes,
        detail=" · ".join(d for d in detail if d),
        amount=str(amount or ""),
        currency=str(data.get("currency", "")) if amount else "",
        is_lock_event=action in {"order.locked", "order.unlocked"},
    )
