"""A session's changeset: everything changed in one assisted session, from the audit log, grouped by
the object it changed (the cart, the profile, each address, an order), each change with its before
and after, and **Undo** while the session is open for a cart line, an address added, changed or
removed, and the profile's fields.

An undo is itself a change through the owning domain's services, audited like any other (and also
as ``assist.change_undone``, naming the change it reverts): a cart line under the session's cart
lock (``carts/services.py``); an address or profile field through the customer record's services
(``customers/records.py``) under the record's lock and the version it has now — the agent's own
open editor keeps its lock, otherwise the record is locked for the undo and let go after it.

It is refused, saying why, when the object has moved on since: the line's quantity or the field's
value is no longer what the change left, the address was changed or removed later, someone else is
editing the record, the customer's data was removed or the record disabled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

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
from concierge.core.edits import EditGuard, Then
from concierge.core.errors import DomainError
from concierge.customers import records
from concierge.customers.actions import CustomerAction
from concierge.customers.locks import customer_lock, customer_unlock
from concierge.customers.models import Address, Customer
from concierge.customers.privacy import is_erased
from concierge.customers.services import ADDRESS_FIELDS

CART_LINE_ACTIONS = frozenset({"cart.line_added", "cart.quantity_changed", "cart.line_removed"})
ADDRESS_ACTIONS = frozenset({CustomerAction.ADDRESS_ADDED, CustomerAction.ADDRESS_UPDATED,
                             CustomerAction.ADDRESS_REMOVED})  # fmt: skip
PROFILE_ACTIONS = frozenset({CustomerAction.UPDATED})
RECORD_ACTIONS = ADDRESS_ACTIONS | PROFILE_ACTIONS
# The profile's fields an undo puts back through the Customer Profile's Save (``records.py``).
PROFILE_FIELDS = frozenset({*records.USER_FIELDS, *records.ACCOUNT_FIELDS, "preferred_locale"})
UNDOABLE_ACTIONS = CART_LINE_ACTIONS | RECORD_ACTIONS
# Every address event names its address (``data["address"]``): the changeset shows one object per address.
ADDRESS_EVENTS = frozenset(a for a in CustomerAction if a.value.startswith("address."))
# How the help was given, not what it changed.
NOT_CHANGES = frozenset(
    {
        "assist.session_started", "assist.session_ended", "assist.session_expired", "cart.locked", "cart.unlocked",
        "cart.lock_taken_over", "takeover.cart_viewed", "order.locked", "order.unlocked", "assist.transfer_offered",
        "assist.transfer_declined", "assist.transfer_withdrawn", "customer.locked", "customer.unlocked",
    }
)  # fmt: skip
_SUBJECTS = {"cart": "Cart", "address": "Address", "customer": "Profile", "order": "Order"}
ADDRESS_WORDS = {
    "label": "Label", "first_name": "First name", "last_name": "Last name", "line1": "Street address",
    "line2": "Apartment, suite", "city": "City", "region": "State / region", "postal_code": "Postal code",
    "country": "Country", "phone": "Phone",
}  # fmt: skip
# What the agent reads once an undo is done, by the action it undid.
UNDONE_WORDS: dict[str, str] = {
    CustomerAction.ADDRESS_ADDED: "Undone: the address is removed.",
    CustomerAction.ADDRESS_UPDATED: "Undone: the address is back as it was.",
    CustomerAction.ADDRESS_REMOVED: "Undone: the address is back in the address book.",
    CustomerAction.UPDATED: "Undone: the profile is back as it was.",
}
CART_UNDONE_WORDS = "Undone: the cart line is back as it was."


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
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "—" if value in (None, "") else str(value)


def one_line(fields: dict[str, Any]) -> str:
    """An address as one line: "Jane Shopper, 12 Main St, Austin TX 78701, US"."""
    name = " ".join(str(fields.get(f) or "") for f in ("first_name", "last_name")).strip()
    street = ", ".join(str(fields.get(f)) for f in ("line1", "line2") if fields.get(f))
    place = " ".join(str(fields.get(f)) for f in ("city", "region", "postal_code") if fields.get(f))
    return ", ".join(p for p in (name, street, place, str(fields.get("country") or "")) if p)


def _current_quantity(cart_id: int, sku_code: str) -> int:
    line = CartLine.objects.filter(cart_id=cart_id, sku__code=sku_code).only("quantity").first()
    return line.quantity if line is not None else 0


def _address_id(event: Event) -> int:
    try:
        return int(str((event.data or {}).get("address", "")))
    except ValueError:
        return 0


def _recorded_fields(event: Event) -> dict[str, str]:
    recorded = (event.data or {}).get("fields")
    return {f: str(recorded.get(f) or "") for f in ADDRESS_FIELDS} if isinstance(recorded, dict) else {}


def _values(address: Address) -> dict[str, str]:
    return {f: str(getattr(address, f) or "") for f in ADDRESS_FIELDS}


def _cart_refusal(event: Event) -> str:
    cart = Cart.objects.filter(pk=int(event.subject_id)).only("status").first()
    if cart is None or cart.status != Cart.Status.ACTIVE:
        return "The cart has been checked out or closed since."
    after = int((event.changes.get("quantity") or [0, 0])[1] or 0)
    if _current_quantity(cart.pk, str(event.data.get("sku", ""))) != after:
        return "The line has changed since."
    return ""


def _record_refusal(session: AssistedSession, event: Event) -> str:
    """Why an address or profile change can no longer be put back ("" when it can)."""
    customer = Customer.objects.select_related("lease_holder").filter(pk=int(event.subject_id)).first()
    if customer is None or customer.pk != session.customer_id:
        return "Only changes to the session's customer can be undone here."
    if is_erased(customer):
        return "The customer's data has been removed since."
    if customer.status == Customer.Status.DISABLED:
        return "The customer record has been disabled since."
    if customer.lease_is_live() and customer.lease_holder_id != session.agent_id:
        return f"{customer.lease_holder_name()} is editing the record now."
    changes = event.changes or {}
    if event.action == CustomerAction.UPDATED:
        if not changes:
            return "Nothing to put back."
        if set(changes) - PROFILE_FIELDS:
            return "Only the profile's own fields can be undone here."
        moved = [records.PROFILE_WORDS.get(n, n) for n, pair in changes.items()
                 if str(getattr(customer, n, "") or "") != str(pair[1] or "")]  # fmt: skip
        return f"{', '.join(moved)} changed again since." if moved else ""
    address = Address.objects.filter(pk=_address_id(event), customer=customer).first()
    if event.action == CustomerAction.ADDRESS_REMOVED:
        return "" if _recorded_fields(event) else "The removed address was not recorded, so it cannot be restored."
    if address is None:
        return "The address has been removed since."
    now = _values(address)
    if event.action == CustomerAction.ADDRESS_ADDED:
        recorded = _recorded_fields(event)
        if recorded and recorded != now:
            return "The address has been changed since."
        if not recorded and Event.objects.filter(action=CustomerAction.ADDRESS_UPDATED, subject_kind="customer",
                                                 subject_id=event.subject_id, data__address=address.pk,
                                                 pk__gt=event.pk).exists():  # fmt: skip
            return "The address has been changed since."
        return ""
    moved = [ADDRESS_WORDS.get(n, n) for n, pair in changes.items() if now.get(n, "") != str(pair[1] or "")]
    return f"{', '.join(moved)} changed again since." if moved else ""


def _undo_request_ids(session: AssistedSession) -> set[str]:
    """The requests that undid a change of ``session``: what else they recorded is the undo's work."""
    return set(
        Event.objects.filter(assisted_session_id=session.pk, action=AssistAction.CHANGE_UNDONE)
        .exclude(request_id="")
        .values_list("request_id", flat=True)
    )


def why_not_undoable(session: AssistedSession, event: Event, *, undo_requests: set[str] | None = None) -> str:
    """Why ``event`` cannot be undone now ("" when it can)."""
    if event.action in ADDRESS_EVENTS and event.action not in UNDOABLE_ACTIONS:
        return "Choose the default address again in the address book."
    if event.action not in UNDOABLE_ACTIONS:
        return "Only cart lines, addresses and profile fields can be undone here."
    if session.ended_at is not None:
        return "The session has ended."
    if Event.objects.filter(action=AssistAction.CHANGE_UNDONE, data__event=event.pk).exists():
        return "Already undone."
    requests = _undo_request_ids(session) if undo_requests is None else undo_requests
    if event.request_id and event.request_id in requests:
        return "This change was an undo."
    if event.action in CART_LINE_ACTIONS:
        return _cart_refusal(event)
    return _record_refusal(session, event)


def _key(event: Event) -> tuple[str, str]:
    if event.subject_kind == "customer" and (
        event.action in ADDRESS_EVENTS or (event.action == AssistAction.CHANGE_UNDONE and event.data.get("address"))
    ):
        return ("address", str(event.data.get("address", "")))
    return (event.subject_kind, event.subject_id)


def _address_labels(events: list[Event]) -> dict[str, str]:
    """Each address of the changeset by its one line: as it is now, else as its events recorded it."""
    ids = {str(e.data.get("address")) for e in events if _key(e)[0] == "address" and e.data.get("address")}
    labels: dict[str, str] = {}
    for event in events:
        recorded = _recorded_fields(event)
        if recorded and str(event.data.get("address")) in ids:
            labels.setdefault(str(event.data["address"]), one_line(recorded))
    pks = [int(i) for i in ids if i.isdigit()]
    for address in Address.objects.filter(pk__in=pks) if pks else []:
        labels[str(address.pk)] = one_line(_values(address))
    return labels


def _diff(event: Event) -> list[tuple[str, str, str]]:
    changes = event.changes or {}
    if event.action in ADDRESS_EVENTS:
        recorded = _recorded_fields(event)
        if event.action == CustomerAction.ADDRESS_ADDED and recorded:
            return [("Address", "—", one_line(recorded))]
        if event.action == CustomerAction.ADDRESS_REMOVED and recorded:
            return [("Address", one_line(recorded), "—")]
        words = ADDRESS_WORDS
    elif event.subject_kind == "customer":
        words = records.PROFILE_WORDS
    else:
        words = {}
    return [(words.get(name, name.replace("_", " ")), _text(values[0]), _text(values[1]))
            for name, values in changes.items() if isinstance(values, list) and len(values) == 2]  # fmt: skip


def session_changeset(session: AssistedSession) -> list[ChangedObject]:
    """What changed in ``session``, by object, in the order it happened."""
    events = list(
        Event.objects.filter(assisted_session_id=session.pk)
        .exclude(action__in=NOT_CHANGES)
        .order_by("occurred_at", "pk")
    )
    codes = {str(e.data.get("sku")) for e in events if isinstance(e.data, dict) and e.data.get("sku")}
    names = dict(Sku.objects.filter(code__in=codes).values_list("code", "product__name")) if codes else {}
    addresses = _address_labels(events)
    undo_requests = {e.request_id for e in events if e.action == AssistAction.CHANGE_UNDONE and e.request_id}
    objects: dict[tuple[str, str], ChangedObject] = {}
    for event in events:
        key = _key(event)
        if key not in objects:
            label = _SUBJECTS.get(key[0], key[0].capitalize())
            if key[0] == "order" and event.data.get("number"):
                label = f"Order {event.data['number']}"
            elif key[0] == "address" and addresses.get(key[1]):
                label = f"Address · {addresses[key[1]]}"
            objects[key] = ChangedObject(label=label)
        words = describe(event.action)
        if event.action == AssistAction.CHANGE_UNDONE and event.data.get("undid"):
            words = f"Undone: {describe(str(event.data['undid']))}"
        if event.data.get("sku"):
            words = f"{words}: {names.get(str(event.data['sku']), event.data['sku'])}"
        change = Change(event=event, words=words, diff=_diff(event))
        if event.action in UNDOABLE_ACTIONS:
            change.undo_refused = why_not_undoable(session, event, undo_requests=undo_requests)
            change.undoable = not change.undo_refused
        objects[key].changes.append(change)
    grouped: dict[str, list[ChangedObject]] = defaultdict(list)
    for (kind, _), changed in objects.items():
        grouped[kind].append(changed)
    order = ["cart", "customer", "address", "order"]
    return [o for kind in order for o in grouped.pop(kind, [])] + [o for rest in grouped.values() for o in rest]


def undone_words(undone: Event) -> str:
    """What the agent reads once ``undone`` (an ``assist.change_undone`` event) is done."""
    return UNDONE_WORDS.get(str(undone.data.get("undid", "")), CART_UNDONE_WORDS)


def undo_change(ctx: ActingContext, *, event_id: object, lease_token: str | None) -> Event:
    """Undo a change of the agent's open session ``ctx`` acts in: put it back as it was before,
    through its domain's services (a cart line under ``lease_token``, the session's cart lock; an
    address or profile field under the record's lock and version), audited as an undo."""
    session = ctx.assisted_session
    try:
        pk = int(str(event_id))
    except ValueError:
        pk = 0
    event = Event.objects.filter(pk=pk).first() if 1 <= pk < 2**63 else None
    if session is None or event is None or event.assisted_session_id != session.pk:
        raise DomainError(AssistError.UNDO_UNAVAILABLE, "That change is not one of your open session's.", status=404)
    with transaction.atomic():
        refused = why_not_undoable(session, event)
        if refused:
            raise DomainError(AssistError.UNDO_UNAVAILABLE, f"This change cannot be undone: {refused}", status=409)
        if event.action in RECORD_ACTIONS:
            return _undo_record_change(ctx, event)
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


def _undo_record_change(ctx: ActingContext, event: Event) -> Event:
    """Put an address or profile change back through the record's services (inside the caller's
    transaction): the agent's open editor keeps its lock; otherwise the record is locked for this
    and let go after it. A refusal of theirs (locked by someone else meanwhile, a value no longer
    valid) is the undo's refusal."""
    customer_id = int(event.subject_id)
    holding = Customer.objects.filter(pk=customer_id).first()
    kept = holding is not None and holding.lease_held_by(ctx.user)
    grant = customer_lock(ctx, customer_id=customer_id)
    version = Customer.objects.values_list("version", flat=True).get(pk=customer_id)
    guard = EditGuard(version=version, lease_token=grant.token)
    changes = event.changes or {}
    address: int | None = _address_id(event) or None
    if event.action == CustomerAction.UPDATED:
        records.customer_profile_save(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP,
                                      data={name: pair[0] or "" for name, pair in changes.items()})  # fmt: skip
    elif event.action == CustomerAction.ADDRESS_ADDED:
        records.record_address_remove(ctx, customer_id=customer_id, guard=guard, address_id=address)
    elif event.action == CustomerAction.ADDRESS_UPDATED:
        records.record_address_update(ctx, customer_id=customer_id, guard=guard, address_id=address,
                                      data={name: pair[0] or "" for name, pair in changes.items()} | {
                                          f: v for f, v in _values(Address.objects.get(pk=address or 0)).items()
                                          if f not in changes})  # fmt: skip
    else:  # removed: back in the address book, a default again where no other address took its place
        was, others = event.data or {}, Address.objects.filter(customer_id=customer_id)
        restored = records.record_address_add(
            ctx, customer_id=customer_id, guard=guard, data=_recorded_fields(event),
            default_billing=bool(was.get("default_billing")) and not others.filter(is_default_billing=True).exists(),
            default_shipping=bool(was.get("default_shipping")) and not others.filter(is_default_shipping=True).exists(),
        )  # fmt: skip
        address = restored.pk
    if not kept:
        customer_unlock(ctx, customer_id=customer_id, lease_token=grant.token, reason="saved")
    data = {"event": event.pk, "undid": event.action, **({"address": address} if address else {})}
    return record(ctx, action=AssistAction.CHANGE_UNDONE, subject_kind="customer", subject_id=customer_id, data=data)
