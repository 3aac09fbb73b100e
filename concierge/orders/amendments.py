"""Amending a placed order before it ships (seed 004 "Splitting a Shipment", "Updating an Order").

Three changes, each through the order edit guard (``order_edit``) with the editor's lock kept:

- **Move Item**: lines (or a quantity of one) of an unreleased shipment go to a new shipment, to
  another address with its own shipping method. A partial quantity splits the line in two: its
  subtotal, discount and tax are divided to the cent (``pricing.split_amount``), so the parts add up
  to the line exactly; the moved part is taxed at the new address's rate (``pricing.tax_on``) and
  the new shipment's shipping is its method's price.
- **Quantities**: a line's quantity changes until its shipment is released; the order's unreleased
  lines are priced again by the one pricing function (``pricing.price_lines``, the order's unit
  prices pinned, the promotions as they were when it was placed, each line taxed where it is
  delivered). Stock is taken or given back.
- **A dearer shipping method** than the payment covers.

A change the order's payment covers is made at once, and any authorization it no longer needs is
released. A change that needs more is *proposed*: an :class:`Amendment` with the change as the
server validated it, its new totals, and the order version it was priced on (Save). The Payment
Authorization dialog then authorizes the new uncaptured amount on the source the CSR selects
(Authorize); only once that succeeds is the change made, in one transaction that still requires
the editor's lock and that same version, and the authorization it replaces is reversed. A decline
leaves the proposal pending (Back: another source, or discard). If the order moved on in between,
the new authorization is reversed and nothing is changed ("Order changed").

Payment calls run after their transaction commits, keyed by idempotency keys; the work that must
follow (release, reversal of the replaced authorization) is enqueued in the same transaction, and
an authorization no change claimed is reversed by the payments' orphan check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.tasks import task

from concierge.catalog.models import Sku
from concierge.catalog.pricing import LineIn, buyer_of, price_lines, split_amount, tax_on, tax_rate
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound
from concierge.core.money import Money
from concierge.customers.models import Address
from concierge.orders.actions import OrderAction
from concierge.orders.editing import Guard, OrderEdit, Then, order_append, order_edit, order_of_shipment
from concierge.orders.errors import OrderError
from concierge.orders.models import Amendment, Order, OrderLine, Shipment
from concierge.orders.services import (
    RETRY_AFTER,
    _clean_address,
    _set_address,
    authorization_headroom,
    captured_total,
    live_authorization,
)
from concierge.payments.errors import PaymentError
from concierge.payments.models import PaymentSource, PaymentTransaction
from concierge.payments.services import (
    authorization_released,
    card_expired,
    payment_authorize,
    payment_release,
    payment_reverse,
)
from concierge.stores.models import ShippingMethod

QUANTITY_MAX = 999
UNRELEASED = (Shipment.Status.INVENTORY_ASSIGNED, Shipment.Status.ON_HOLD)


def _invalid(message: str, **fields: list[str]) -> DomainError:
    return DomainError(OrderError.AMENDMENT_INVALID, message, status=422, fields=fields)


# --- The plan of a change: computed on the locked order, the same way when proposed and when made --


@dataclass
class _Plan:
    summary: str
    action: str
    data: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    updated: list[OrderLine] = field(default_factory=list)  # existing lines with their new figures
    created: list[OrderLine] = field(default_factory=list)  # the parts split off, for the new shipment
    new_shipment: Shipment | None = None
    shipment: Shipment | None = None  # a shipment whose shipping changes
    shipment_fields: list[str] = field(default_factory=list)
    stock: dict[int, int] = field(default_factory=dict)  # SKU id -> units taken (negative: given back)
    delta: dict[str, Decimal] = field(default_factory=dict)  # order total field -> change

    def total_after(self, order: Order) -> Decimal:
        return order.total + self.delta.get("total", Decimal(0))


def _money(value: Decimal, order: Order) -> Money:
    return Money(value, order.currency)


def _figures(line: OrderLine) -> tuple[Decimal, Decimal, Decimal]:
    return line.subtotal, line.discount, line.tax


def _sum(a: tuple[Decimal, Decimal, Decimal], b: tuple[Decimal, Decimal, Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _add_delta(plan: _Plan, before: tuple[Decimal, Decimal, Decimal], after: tuple[Decimal, Decimal, Decimal]) -> None:
    for name, b, a in zip(("subtotal", "discount_total", "tax_total"), before, after, strict=True):
        plan.delta[name] = plan.delta.get(name, Decimal(0)) + a - b
    total = (after[0] - after[1] + after[2]) - (before[0] - before[1] + before[2])
    plan.delta["total"] = plan.delta.get("total", Decimal(0)) + total


def _place(shipment: Shipment) -> tuple[str, str]:
    """Where a shipment's lines are taxed: its address, its pickup store, else the billing address."""
    if shipment.kind == Shipment.Kind.SHIP and shipment.ship_country:
        return shipment.ship_country, shipment.ship_region
    if shipment.kind == Shipment.Kind.PICKUP and shipment.pickup_location is not None:
        return shipment.pickup_location.country, shipment.pickup_location.region
    return "", ""


def _lines_of(order: Order) -> list[OrderLine]:
    return list(
        OrderLine.objects.filter(order=order)
        .exclude(shipment__status=Shipment.Status.CANCELLED)
        .select_related("sku__product", "shipment__pickup_location")
        .order_by("id")
    )


def _quantity(value: Any, *, name: str, upto: int = QUANTITY_MAX) -> int:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise _invalid(f"{name}: enter a whole number.", **{name: ["Enter a whole number."]}) from None
    if not 1 <= quantity <= upto:
        message = f"Enter a quantity from 1 to {upto}."
        raise _invalid(f"{name}: {message}", **{name: [message]})
    return quantity


def _plan_quantities(order: Order, change: dict[str, Any]) -> _Plan:
    """New quantities of unreleased lines; the order's unreleased lines priced again."""
    wanted = {int(k): int(v) for k, v in change["quantities"].items()}
    lines = _lines_of(order)
    by_id = {line.pk: line for line in lines}
    described = []
    plan = _Plan(summary="", action=OrderAction.QUANTITY_CHANGED, data={})
    for line_id, quantity in sorted(wanted.items()):
        line = by_id.get(line_id)
        if line is None:
            raise NotFound("No such item on this order.")
        if line.shipment.status not in UNRELEASED:
            message = f"Shipment {line.shipment.number} is {line.shipment.get_status_display().lower()}: " \
                      "its quantities can no longer be changed."  # fmt: skip
            raise DomainError(OrderError.NOT_EDITABLE, message, status=409)
        if quantity != line.quantity:
            described.append(f"{line.product_name} ({line.sku_code}) from {line.quantity} to {quantity}")
            plan.changes[f"{line.product_name} quantity"] = (line.quantity, quantity)
            if line.sku.track_stock and not line.sku.is_digital:
                plan.stock[line.sku_id] = plan.stock.get(line.sku_id, 0) + quantity - line.quantity
    if not described:
        raise _invalid("Change a quantity first: every quantity is as it was.")
    _check_stock(plan.stock)
    plan.summary = "Quantity of " + "; ".join(described)
    plan.data = {"items": described}
    # As the order was placed: its time and its currency (its account may buy in another one now).
    buyer = dataclasses.replace(buyer_of(store=order.store, customer=order.customer, account=order.account,
                                         currency=order.currency), at=order.placed_at)  # fmt: skip
    pinned = {line.sku_id: _money(line.unit_price, order) for line in lines}
    priced = price_lines(
        buyer, [LineIn(line.sku, wanted.get(line.pk, line.quantity), *_place(line.shipment)) for line in lines],
        tax_country=order.billing_country, tax_region=order.billing_region, prices=pinned,
    )  # fmt: skip
    for line, new in zip(lines, priced.lines, strict=True):
        if line.shipment.status not in UNRELEASED:
            continue  # released or shipped: its figures were captured as they are
        before = _figures(line)
        line.quantity = new.quantity
        line.subtotal, line.discount, line.tax = new.subtotal.amount, new.discount.amount, new.tax.amount
        line.total, line.promotions = new.total.amount, list(new.promotions)
        if _figures(line) != before or line.pk in wanted:
            plan.updated.append(line)
            _add_delta(plan, before, _figures(line))
    return plan


def _check_stock(stock: dict[int, int]) -> None:
    for sku in Sku.objects.filter(pk__in=[pk for pk, units in stock.items() if units > 0]).select_related("product"):
        if sku.stock_on_hand < stock[sku.pk]:
            left = f"only {sku.stock_on_hand} more" if sku.stock_on_hand else "none left"
            message = f"Not enough {sku.product.name} ({sku.name or sku.code}) in stock: {left}."
            raise DomainError(OrderError.OUT_OF_STOCK, message, status=409, fields={"quantity": [message]})


def _address_of(order: Order, change: dict[str, Any]) -> dict[str, str]:
    if change.get("address_id"):
        address = Address.objects.filter(pk=change["address_id"], customer=order.customer).first()
        if address is None:
            raise _invalid("Choose one of the customer's addresses, or enter a new one.",
                           address=["Choose an address."])  # fmt: skip
        return {f: getattr(address, f) for f in ("first_name", "last_name", "line1", "line2", "city", "region",
                                                 "postal_code", "country")}  # fmt: skip
    return _clean_address(change.get("address") or {}, with_phone=False)


def _method(order: Order, code: str) -> tuple[ShippingMethod, Decimal]:
    """The store's shipping method ``code`` and what it costs in the order's currency (its rate in
    that currency when the order is not in the store's): a method without one is refused."""
    method = (ShippingMethod.objects.select_related("store")
              .filter(store_id=order.store_id, code=code or "", is_active=True).first())  # fmt: skip
    price = method.price_in(order.currency) if method is not None else None
    if method is None or price is None:
        message = "Choose a shipping method of the order's store."
        if method is not None:
            message = f"{method.name} has no price in {order.currency}: choose another shipping method."
        raise DomainError(
            OrderError.SHIPPING_METHOD_INVALID, message, status=422, fields={"shipping_method": [message]}
        )
    return method, price


def _next_number(order: Order) -> str:
    numbers = set(Shipment.objects.filter(order=order).values_list("number", flat=True))
    index = Shipment.objects.filter(order=order).count() + 1
    while f"{order.number}-{index}" in numbers:
        index += 1
    return f"{order.number}-{index}"


def _plan_split(order: Order, change: dict[str, Any]) -> _Plan:
    """Move lines (or part of one) of an unreleased shipment to a new shipment."""
    source = Shipment.objects.select_for_update().filter(pk=change["shipment"], order=order).first()
    if source is None:
        raise NotFound("No such shipment.")
    if why := source.why_shipping_not_editable():
        why = why.replace("its shipping can no longer be changed", "its items can no longer be moved")
        raise DomainError(OrderError.NOT_EDITABLE, why, status=409)
    moving = {int(k): int(v) for k, v in change["lines"].items()}
    lines = {line.pk: line for line in source.lines.select_related("sku").order_by("id")}
    if not moving:
        raise _invalid("Select the items to move.", move=["Select the items to move."])
    for line_id, quantity in moving.items():
        if line_id not in lines:
            raise NotFound("No such item in this shipment.")
        if not 1 <= quantity <= lines[line_id].quantity:
            message = f"Move from 1 to {lines[line_id].quantity} of {lines[line_id].product_name}."
            raise _invalid(message, quantity=[message])
    if sum(line.quantity for line in lines.values()) == sum(moving.values()):
        message = (f"Leave at least one item in shipment {source.number}: to send all of it elsewhere, "
                   "change its shipping address instead.")  # fmt: skip
        raise _invalid(message, move=[message])
    address, (method, price) = _address_of(order, change), _method(order, change["shipping_method"])
    new = Shipment(order=order, number=_next_number(order), kind=Shipment.Kind.SHIP, status=source.status,
                   shipping_method=method, shipping_method_name=method.name, shipping_price=price,
                   **{f"ship_{k}": v for k, v in address.items()})  # fmt: skip
    old_rate = tax_rate(order.store, country=source.ship_country, region=source.ship_region)
    new_rate = tax_rate(order.store, country=address["country"], region=address["region"])
    described = []
    plan = _Plan(summary="", action=OrderAction.ITEMS_MOVED, data={}, new_shipment=new)
    for line_id, quantity in sorted(moving.items()):
        line = lines[line_id]
        before = _figures(line)
        described.append(f"{quantity} of {line.product_name} ({line.sku_code})")
        if quantity == line.quantity:
            moved = line
            moved.shipment = new
            plan.updated.append(moved)
        else:
            moved = _split_off(line, quantity, order)
            plan.updated.append(line)
            plan.created.append(moved)
        if new_rate != old_rate:
            moved.tax = tax_on(_money(moved.subtotal - moved.discount, order), new_rate).amount
            moved.total = moved.subtotal - moved.discount + moved.tax
        _add_delta(plan, before, _figures(moved) if moved is line else _sum(_figures(line), _figures(moved)))
    plan.delta["shipping_total"] = price
    plan.delta["total"] = plan.delta.get("total", Decimal(0)) + price
    where = f"{address['city']}, {address['country']}"
    plan.summary = f"Move {', '.join(described)} from shipment {source.number} to a new shipment {new.number} " \
                   f"({method.name}, {where})"  # fmt: skip
    plan.data = {"shipment": source.number, "new_shipment": new.number, "items": described,
                 "shipping_method": method.name, "ship_to": where}  # fmt: skip
    return plan


def _split_off(line: OrderLine, quantity: int, order: Order) -> OrderLine:
    """Divide ``line`` in two: ``quantity`` units split off (returned, unsaved), the rest left on it;
    subtotal, discount and tax divided to the cent, the parts adding up to the line exactly."""
    moved_subtotal = _money(line.unit_price * quantity, order).rounded()
    kept_subtotal = _money(line.subtotal, order) - moved_subtotal
    moved_discount, kept_discount = split_amount(_money(line.discount, order), [moved_subtotal, kept_subtotal])
    nets = [moved_subtotal - moved_discount, kept_subtotal - kept_discount]
    moved_tax, kept_tax = split_amount(_money(line.tax, order), nets)
    moved = OrderLine(
        order=order, shipment=None, sku=line.sku, sku_code=line.sku_code, product_name=line.product_name,
        sku_name=line.sku_name, quantity=quantity, unit_price=line.unit_price, subtotal=moved_subtotal.amount,
        discount=moved_discount.amount, tax=moved_tax.amount, total=(nets[0] + moved_tax).amount,
        promotions=list(line.promotions),
    )  # fmt: skip
    line.quantity -= quantity
    line.subtotal, line.discount, line.tax = kept_subtotal.amount, kept_discount.amount, kept_tax.amount
    line.total = (nets[1] + kept_tax).amount
    return moved


def _plan_shipping(order: Order, change: dict[str, Any]) -> _Plan:
    """A shipment's shipping method (and address), as ``services.shipment_shipping_update`` saves it."""
    shipment = Shipment.objects.select_for_update().filter(pk=change["shipment"], order=order).first()
    if shipment is None:
        raise NotFound("No such shipment.")
    if why := shipment.why_shipping_not_editable():
        raise DomainError(OrderError.NOT_EDITABLE, why, status=409)
    (method, price), address = (
        _method(order, change["shipping_method"]),
        _clean_address(change["address"], with_phone=False),
    )
    plan = _Plan(summary="", action=OrderAction.SHIPPING_CHANGED, data={"shipment": shipment.number},
                 shipment=shipment)  # fmt: skip
    difference = price - shipment.shipping_price
    if shipment.shipping_method_id != method.pk:
        plan.changes["shipping_method"] = (shipment.shipping_method_name, method.name)
        plan.changes["shipping_price"] = (str(shipment.shipping_price), str(price))
        shipment.shipping_method, shipment.shipping_method_name = method, method.name
        shipment.shipping_price = price
        plan.delta = {"shipping_total": difference, "total": difference}
    plan.changes.update(_set_address(shipment, "ship", address))
    plan.shipment_fields = ["shipping_method", "shipping_method_name", "shipping_price",
                            *(f"ship_{f}" for f in address)]  # fmt: skip
    plan.summary = f"Shipment {shipment.number} by {method.name} ({difference:+} {order.currency})"
    return plan


PLANS: dict[str, Callable[[Order, dict[str, Any]], _Plan]] = {
    Amendment.Kind.QUANTITY: _plan_quantities,
    Amendment.Kind.SPLIT: _plan_split,
    Amendment.Kind.SHIPPING: _plan_shipping,
}


def _make(edit: OrderEdit, plan: _Plan) -> None:
    """Write a plan on the locked order: stock first (SKU order, conditional), then rows and totals."""
    order = edit.order
    for sku_id in sorted(plan.stock):
        units = plan.stock[sku_id]
        if units > 0:
            if not Sku.objects.filter(pk=sku_id, stock_on_hand__gte=units).update(
                stock_on_hand=F("stock_on_hand") - units
            ):
                _check_stock({sku_id: units})
                raise DomainError(OrderError.OUT_OF_STOCK, "Not enough stock.", status=409)
        elif units < 0:
            Sku.objects.filter(pk=sku_id).update(stock_on_hand=F("stock_on_hand") - units)
    if (new_shipment := plan.new_shipment) is not None:
        new_shipment.save()
        for line in plan.created:
            line.shipment = new_shipment
    if plan.created:
        OrderLine.objects.bulk_create(plan.created)
    for line in plan.updated:
        line.save(update_fields=["shipment", "quantity", "subtotal", "discount", "tax", "total", "promotions"])
    if plan.shipment is not None and plan.shipment_fields:
        plan.shipment.save(update_fields=plan.shipment_fields)
    if plan.delta:
        Order.objects.filter(pk=order.pk).update(**{name: F(name) + value for name, value in plan.delta.items()})
        for name, value in plan.delta.items():
            setattr(order, name, getattr(order, name) + value)
    data = {"summary": plan.summary, **plan.data, "total": str(order.total), "currency": order.currency}
    if plan.changes or plan.action != OrderAction.SHIPPING_CHANGED:
        changes = {**plan.changes, "total": (str(order.total - plan.delta.get("total", 0)), str(order.total))}
        edit.record(plan.action, changes=changes, data=data)


# --- Proposing: Save (quantities), OK (Move Item), Save (shipping) --------------------------------


def _propose(ctx: ActingContext, *, order_id: int, guard: Guard, kind: str, change: dict[str, Any]) -> Amendment:
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        order = edit.order
        old_total = order.total
        plan = PLANS[kind](order, change)
        new_total = plan.total_after(order)
        if new_total <= 0:
            raise _invalid("The order would have nothing left to pay for.")
        need = new_total - captured_total(order)
        headroom = authorization_headroom(order)
        Amendment.objects.filter(order=order, status=Amendment.Status.PENDING).update(
            status=Amendment.Status.DISCARDED, decided_at=clock.now()
        )  # a new proposal replaces one not authorized
        common = {"order": order, "kind": kind, "summary": plan.summary[:300],
                  "old_total": old_total, "new_total": new_total, "created_by": ctx.user}  # fmt: skip
        if need <= headroom:
            _make(edit, plan)
            release = headroom - need if new_total < old_total else Decimal(0)
            amendment = Amendment.objects.create(
                **common, status=Amendment.Status.APPLIED, base_version=order.version, decided_at=clock.now(),
                change={**change, "release": str(release)},
            )  # fmt: skip
            if release > 0:  # committed with the change: the task releases it if the call below fails
                release_amendment_payment.using(run_after=clock.now() + RETRY_AFTER).enqueue(amendment.pk)
        else:
            # Priced on this version; recording the proposal makes the next one, which it is bound to.
            amendment = Amendment.objects.create(**common, change=change, base_version=order.version + 1,
                                                 to_authorize=need)  # fmt: skip
            data = {"summary": plan.summary, "total": str(new_total), "to_authorize": str(need),
                    "currency": order.currency}  # fmt: skip
            edit.record(OrderAction.CHANGE_PROPOSED, data=data)
    if amendment.status == Amendment.Status.APPLIED and Decimal(amendment.change.get("release", "0")) > 0:
        amendment_release_payment(ctx, amendment_id=amendment.pk)
    return amendment


def propose_quantities(ctx: ActingContext, *, order_id: int, guard: Guard, quantities: dict[int, Any]) -> Amendment:
    """Save new quantities (Item Details on the quantity): made at once when the payment covers the
    new total, else proposed for the Payment Authorization dialog."""
    clean = {int(line_id): _quantity(q, name=f"quantity-{line_id}") for line_id, q in quantities.items()}
    return _propose(ctx, order_id=order_id, guard=guard, kind=Amendment.Kind.QUANTITY,
                    change={"quantities": {str(k): v for k, v in clean.items()}})  # fmt: skip


def propose_move(
    ctx: ActingContext,
    *,
    shipment_id: int,
    guard: Guard,
    lines: dict[int, Any],
    shipping_method_code: str,
    address_id: int | None = None,
    address: dict[str, Any] | None = None,
) -> Amendment:
    """Move Item, OK: the selected lines (or quantities) to a new shipment at a saved or new address."""
    moving = {int(line_id): _quantity(q, name=f"move-quantity-{line_id}") for line_id, q in lines.items()}
    change: dict[str, Any] = {"shipment": shipment_id, "lines": {str(k): v for k, v in moving.items()},
                              "shipping_method": shipping_method_code}  # fmt: skip
    if address_id:
        change["address_id"] = int(address_id)
    else:
        change["address"] = _clean_address(address or {}, with_phone=False)
    return _propose(ctx, order_id=order_of_shipment(shipment_id), guard=guard, kind=Amendment.Kind.SPLIT,
                    change=change)  # fmt: skip


def propose_shipping(
    ctx: ActingContext, *, shipment_id: int, guard: Guard, shipping_method_code: str, address: dict[str, Any]
) -> Amendment:
    """A shipping method (and address) for a shipment, through Payment Authorization when dearer
    than the payment covers."""
    change = {"shipment": shipment_id, "shipping_method": shipping_method_code,
              "address": _clean_address(address, with_phone=False)}  # fmt: skip
    return _propose(ctx, order_id=order_of_shipment(shipment_id), guard=guard, kind=Amendment.Kind.SHIPPING,
                    change=change)  # fmt: skip


# --- The Payment Authorization dialog: Authorize, discard ---------------------------------------


def pending_amendment(order: Order) -> Amendment | None:
    """The change awaiting authorization on this version of the order (one at most)."""
    return order.amendments.filter(status=Amendment.Status.PENDING, base_version=order.version).first()


def _locked_pending(edit: OrderEdit, amendment_id: int) -> Amendment:
    amendment = Amendment.objects.select_for_update().filter(pk=amendment_id, order=edit.order).first()
    if amendment is None:
        raise NotFound("No such change.")
    if amendment.status != Amendment.Status.PENDING:
        message = f"This change was {amendment.get_status_display().lower()} already."
        raise DomainError(OrderError.AMENDMENT_NOT_PENDING, message, status=409)
    if amendment.base_version != edit.order.version:
        raise DomainError(
            OrderError.STALE,
            f"Order {edit.order.number} cannot be saved: the order has been modified since the change was "
            "priced. Reload it to see the changes.",
            status=412, data={"version": edit.order.version},
        )  # fmt: skip
    return amendment


def payment_sources(order: Order) -> list[PaymentSource]:
    """The customer's active payment sources, the one of the authorization in force first."""
    live = live_authorization(order)
    sources = list(PaymentSource.objects.filter(customer=order.customer, is_active=True).select_related(
        "gift_certificate"))  # fmt: skip
    return sorted(sources, key=lambda s: (live is None or s.pk != live.source_id, not s.is_default))


@dataclass(frozen=True)
class Authorized:
    """What Authorize did: the change (applied, or still pending after a decline) and the authorization."""

    amendment: Amendment
    transaction: PaymentTransaction

    @property
    def approved(self) -> bool:
        return self.amendment.status == Amendment.Status.APPLIED


def amendment_authorize(ctx: ActingContext, *, amendment_id: int, guard: Guard, source_id: int) -> Authorized:
    """Authorize: the new uncaptured amount on the chosen source, then (approved) the change made
    and the authorization it replaces reversed; declined, the change stays pending (Back)."""
    order_id = Amendment.objects.filter(pk=amendment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("No such change.")
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:  # no event: no new version
        amendment = _locked_pending(edit, amendment_id)
        source = PaymentSource.objects.filter(pk=source_id, customer_id=edit.order.customer_id, is_active=True).first()
        if source is None:
            raise DomainError(PaymentError.SOURCE_NOT_FOUND, "Select one of the customer's payment sources.",
                              status=422, fields={"payment_source": ["Select a payment source."]})  # fmt: skip
        if card_expired(source):
            message = f"{source.label} has expired; select another payment source."
            raise DomainError(PaymentError.CARD_INVALID, message, status=422, fields={"payment_source": [message]})
        amendment.attempts += 1
        amendment.save(update_fields=["attempts"])
        order = edit.order
    # After the attempt commits. With no order yet, the payments' orphan check (enqueued with the
    # pending row) reverses this authorization if no change claims it.
    key = f"amendment-{amendment.pk}-authorize-{amendment.attempts}"
    authorization = payment_authorize(edit.ctx, source=source, amount=_money(amendment.to_authorize, order),
                                      idempotency_key=key)  # fmt: skip
    if authorization.status != PaymentTransaction.Status.SUCCEEDED:
        with order_append(ctx, order_id=order_id) as note:
            note.record(OrderAction.CHANGE_DECLINED, data={
                "summary": amendment.summary, "source": authorization.source_label,
                "reason": authorization.message or "The payment was declined.",
                "amount": str(amendment.to_authorize), "currency": order.currency})  # fmt: skip
        amendment.refresh_from_db()
        return Authorized(amendment, authorization)
    try:
        amendment = _apply(ctx, amendment_id=amendment.pk, guard=guard, authorization=authorization)
    except DomainError as exc:
        payment_reverse(edit.ctx, authorization=authorization, idempotency_key=f"{key}-reverse")
        if exc.code == OrderError.STALE:
            with order_append(ctx, order_id=order_id) as note:
                note.record(OrderAction.CHANGE_REFUSED, data={"summary": amendment.summary})
        raise
    if amendment.replaced_authorization is not None:
        amendment_reverse_replaced(edit.ctx, amendment_id=amendment.pk)
    return Authorized(amendment, authorization)


def _apply(ctx: ActingContext, *, amendment_id: int, guard: Guard, authorization: PaymentTransaction) -> Amendment:
    order_id = Amendment.objects.filter(pk=amendment_id).values_list("order_id", flat=True).get()
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        amendment = _locked_pending(edit, amendment_id)
        order = edit.order
        plan = PLANS[amendment.kind](order, amendment.change)
        if plan.total_after(order) != amendment.new_total:  # same version, same figures: a guard, not a path
            raise DomainError(OrderError.STALE, "The order's prices changed since the change was priced.", status=412)
        replaced = live_authorization(order)
        PaymentTransaction.objects.filter(pk=authorization.pk).update(order=order)
        plan.data.update(authorized=str(amendment.to_authorize), source=authorization.source_label)
        _make(edit, plan)
        amendment.transition_to(Amendment.Status.APPLIED)
        amendment.authorization, amendment.replaced_authorization = authorization, replaced
        amendment.decided_at = clock.now()
        amendment.save(update_fields=["status", "authorization", "replaced_authorization", "decided_at"])
        if replaced is not None:  # committed with the change: the task reverses it if the call after fails
            reverse_replaced_authorization.using(run_after=clock.now() + RETRY_AFTER).enqueue(amendment.pk)
    return amendment


def amendment_discard(ctx: ActingContext, *, amendment_id: int, guard: Guard) -> Amendment:
    """Discard the change awaiting authorization (from the dialog, after a decline): nothing changes."""
    order_id = Amendment.objects.filter(pk=amendment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("No such change.")
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        amendment = Amendment.objects.select_for_update().filter(pk=amendment_id, order=edit.order).first()
        if amendment is None:
            raise NotFound("No such change.")
        if amendment.status != Amendment.Status.PENDING:
            message = f"This change was {amendment.get_status_display().lower()} already."
            raise DomainError(OrderError.AMENDMENT_NOT_PENDING, message, status=409)
        amendment.transition_to(Amendment.Status.DISCARDED)
        amendment.decided_at = clock.now()
        amendment.save(update_fields=["status", "decided_at"])
        edit.record(OrderAction.CHANGE_DISCARDED, data={"summary": amendment.summary})
    return amendment


# --- Payment follow-ups, after commit and as tasks ---------------------------------------------


def amendment_release_payment(ctx: ActingContext, *, amendment_id: int) -> PaymentTransaction | None:
    """Release what a cheaper order no longer needs of its authorization; keyed per change."""
    amendment = Amendment.objects.select_related("order").get(pk=amendment_id)
    release = Decimal(amendment.change.get("release", "0"))
    authorization = live_authorization(amendment.order)
    if release <= 0 or authorization is None or amendment.status != Amendment.Status.APPLIED:
        return None
    if release >= authorization.amount - authorization_released(authorization):  # nothing of it is needed now
        return payment_reverse(ctx, authorization=authorization, idempotency_key=f"amendment-{amendment.pk}-release")
    return payment_release(ctx, authorization=authorization, amount=_money(release, amendment.order),
                           idempotency_key=f"amendment-{amendment.pk}-release")  # fmt: skip


def amendment_reverse_replaced(ctx: ActingContext, *, amendment_id: int) -> PaymentTransaction | None:
    """Reverse the authorization a re-authorized change replaced; keyed per change."""
    amendment = Amendment.objects.select_related("replaced_authorization").get(pk=amendment_id)
    replaced = amendment.replaced_authorization
    if replaced is None or amendment.status != Amendment.Status.APPLIED:
        return None
    return payment_reverse(ctx, authorization=replaced, idempotency_key=f"amendment-{amendment.pk}-replaced-reverse")


@task()
def release_amendment_payment(amendment_id: int) -> str:
    result = amendment_release_payment(ActingContext.system("orders"), amendment_id=amendment_id)
    return result.status if result is not None else "nothing to release"


@task()
def reverse_replaced_authorization(amendment_id: int) -> str:
    result = amendment_reverse_replaced(ActingContext.system("orders"), amendment_id=amendment_id)
    return result.status if result is not None else "nothing to reverse"
