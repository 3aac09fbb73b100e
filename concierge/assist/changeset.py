"""A session's changeset: everything changed in one assisted session, from the audit log, grouped by
the object it changed (the cart, an address, the profile, an order), each change with its before
and after, and **Undo** for a cart line while the session is open.

An undo is itself a change through the cart's services, under the session's cart lock, audited
like any other (and also as ``assist.change_undone``, naming the change it reverts). It is refused,
saying why, when the line has moved on since (its quantity is no longer what the change left).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession
from concierge.audit.actions import describe
from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.carts.models import Cart, CartLine
from concierge.carts.services import cart_add, cart_remove, cart_set_quantity
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError

CART_LINE_ACTIONS = frozenset({"cart.line_added", "cart.quantity_changed", "cart.line_removed"})
# How the help was given, not what it changed.
NOT_CHANGES = frozenset(
    {
        "assist.session_started", "assist.session_ended", "assist.session_expired", "cart.locked", "cart.unlocked",
        "cart.lock_taken_over", "takeover.cart_viewed", "order.locked", "order.unlocked", "assist.transfer_offered",
        "assist.transfer_declined", "assist.transfer_withdrawn",
    }
)  # fmt: skip
_SUBJECTS = {"cart": "Cart", "address": "Address", "customer": "Profile", "order": "Order"}


@dataclass
class Change:
    event: Event
    words: str
    diff: list[tuple[str, str, str]]
    undo_refused: str = ""  # why Undo is not offered ("" and ``undoable``: it is)
    undoable: bool = False


@dataclass
class ChangedObject:
    label: str
    changes: list[Change] = field(default_factory=list)


def _text(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def _current_quantity(cart_id: int, sku_code: str) -> int:
    line = CartLine.objects.filter(cart_id=cart_id, sku__code=sku_code).only("quantity").first()
    return line.quantity if line is not None else 0


def why_not_undoable(session: AssistedSession, event: Event) -> str:
    """Why ``event`` cannot be undone now ("" when it can)."""
    if event.action not in CART_LINE_ACTIONS:
        return "Only cart lines can be undone here."
    if session.ended_at is not None:
        return "The session has ended."
    if Event.objects.filter(action=AssistAction.CHANGE_UNDONE, data__event=event.pk).exists():
        return "Already undone."
    cart = Cart.objects.filter(pk=int(event.subject_id)).only("status").first()
    if cart is None or cart.status != Cart.Status.ACTIVE:
        return "The cart has been checked out or closed since."
    after = int((event.changes.get("quantity") or [0, 0])[1] or 0)
    if _current_quantity(cart.pk, str(event.data.get("sku", ""))) != after:
        return "The line has changed since."
    return ""


def session_changeset(session: AssistedSession) -> list[ChangedObject]:
    """What changed in ``session``, by object, in the order it happened."""
    events = list(
        Event.objects.filter(assisted_session_id=session.pk)
        .exclude(action__in=NOT_CHANGES)
        .order_by("occurred_at", "pk")
    )
    codes = {str(e.data.get("sku")) for e in events if isinstance(e.data, dict) and e.data.get("sku")}
    names = dict(Sku.objects.filter(code__in=codes).values_list("code", "product__name")) if codes else {}
    objects: dict[tuple[str, str], ChangedObject] = {}
    for event in events:
        key = (event.subject_kind, event.subject_id)
        if key not in objects:
            label = _SUBJECTS.get(event.subject_kind, event.subject_kind.capitalize())
            if event.subject_kind == "order" and event.data.get("number"):
                label = f"Order {event.data['number']}"
            objects[key] = ChangedObject(label=label)
        words = describe(event.action)
        if event.data.get("sku"):
            words = f"{words}: {names.get(str(event.data['sku']), event.data['sku'])}"
        diff = [(name, _text(values[0]), _text(values[1])) for name, values in (event.changes or {}).items()
                if isinstance(values, list) and len(values) == 2]  # fmt: skip
        change = Change(event=event, words=words, diff=diff)
        if event.action in CART_LINE_ACTIONS:
            change.undo_refused = why_not_undoable(session, event)
            change.undoable = not change.undo_refused
        objects[key].changes.append(change)
    grouped: dict[str, list[ChangedObject]] = defaultdict(list)
    for (kind, _), changed in objects.items():
        grouped[kind].append(changed)
    order = ["cart", "customer", "address", "order"]
    return [o for kind in order for o in grouped.pop(kind, [])] + [o for rest in grouped.values() for o in rest]


def undo_change(ctx: ActingContext, *, event_id: object, lease_token: str | None) -> Event:
    """Undo a cart-line change of the agent's open session ``ctx`` acts in: put the line back as it
    was before it, through the cart's services (lock, version, stock), audited as an undo."""
    session = ctx.assisted_session
    try:
        pk = int(str(event_id))
    except ValueError:
        pk = 0
    event = Event.objects.filter(pk=pk).first()
    if session is None or event is None or event.assisted_session_id != session.pk:
        raise DomainError(AssistError.UNDO_UNAVAILABLE, "That change is not one of your open session's.", status=404)
    with transaction.atomic():
        refused = why_not_undoable(session, event)
        if refused:
            raise DomainError(AssistError.UNDO_UNAVAILABLE, f"This change cannot be undone: {refused}", status=409)
        cart = Cart.objects.get(pk=int(event.subject_id))
        code = str(event.data.get("sku", ""))
        before = int((event.changes.get("quantity") or [0, 0])[0] or 0)
        line = CartLine.objects.filter(cart=cart, sku__code=code).first()
        if line is None:
            sku = Sku.objects.get(code=code)
            cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=before, lease_token=lease_token)
        elif before == 0:
            cart_remove(ctx, cart=cart, line_id=line.pk, lease_token=lease_token)
        else:
            cart_set_quantity(ctx, cart=cart, line_id=line.pk, quantity=before, lease_token=lease_token)
        return record(ctx, action=AssistAction.CHANGE_UNDONE, subject_kind="cart", subject_id=cart.pk,
                      data={"event": event.pk, "undid": event.action, "sku": code})  # fmt: skip
