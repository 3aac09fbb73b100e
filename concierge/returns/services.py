"""Creating, receiving and cancelling returns and exchanges (seed 004 "Returns, Exchanges and
Refunds").

- **Create** (a CSR with ``create_return``, through the order's edit guard: lock + version): the
  items, each with a quantity of at most what was shipped and not yet returned, a reason and
  comments; whether shippable goods must be received first (digital assets never are); a unique RMA
  code. A return carries its refund — the suggestion (``returns.suggest``) or less, to the original
  payment source, another of the customer's cards, or a Manual Refund. An exchange carries an
  exchange order (``checkout.exchange``) that waits as Awaiting Exchange, and the difference in
  price: charged by an authorization on the exchange order, or refunded.
- **Receive** (warehouse staff with ``receive_returns``): quantities, partial receipts allowed,
  guarded by the *return's* version (the warehouse holds no order lock: it never opens orders). The
  full receipt makes it Received inside an order edit Concierge makes itself (``SYSTEM``): the
  refund is opened (``orders.refunds.refund_open``, asked for by the CSR who created the return) and
  issued after commit, and an exchange's order released. A return that needs no receipt is Received
  when it is created.
- **Complete**: a Received return completes when refunds of its RMA are issued for its whole refund
  amount — heard from ``orders.refunds`` (:func:`refund_settled`, registered in the app's
  ``ready``) in the transaction that issues the refund: right after the receipt, or after a second
  person approves a refund above the store's threshold. A rejected, declined or failed refund
  leaves it Received until customer service issues another (:func:`return_refund`).
- **Cancel** (a CSR, through the order's edit guard) while nothing has been received.

Every order row is locked before the return rows, so returns of one order are serialized by the
order's lock and a quantity limit cannot be passed by two returns at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F, Sum

from concierge.audit.services import record
from concierge.catalog.models import Sku
from concierge.catalog.pricing import buyer_of, tax_rate, unit_prices
from concierge.checkout.exchange import ExchangeLine, exchange_order_write
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.money import Money
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.orders.editing import SYSTEM, Guard, OrderEdit, Then, order_edit
from concierge.orders.models import Order, OrderLine, Shipment
from concierge.orders.refunds import largest_refund, refund_issue, refund_open, refund_source, refundable
from concierge.orders.services import RETRY_AFTER, order_reverse_payment, shipment_capture
from concierge.payments.models import PaymentSource, PaymentTransaction, Refund
from concierge.payments.services import payment_authorize, payment_reverse
from concierge.returns.actions import ReturnAction
from concierge.returns.errors import ReturnError
from concierge.returns.models import Return, ReturnLine, ReturnReason
from concierge.returns.suggest import Suggestion, suggest_refund

if TYPE_CHECKING:
    from concierge.identity.models import User

COMMENTS_LIMIT = 500  # ReturnLine.comments
NOTE_LIMIT = 500  # Return.note
RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and written on a parcel


# --- Input -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemIn:
    """One order line to return: how many, why, the CSR's comments (an exchange: the SKU to send)."""

    order_line_id: int
    quantity: int
    reason_id: int | None = None
    comments: str = ""
    exchange_sku_code: str = ""


@dataclass(frozen=True)
class RefundIn:
    """The refund step: the amount (None: the suggestion), where it goes, and a note."""

    amount: Decimal | None = None
    destination: str = Return.Destination.ORIGINAL
    source_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ReturnIn:
    kind: str
    items: tuple[ItemIn, ...]
    receipt_required: bool = True
    refund: RefundIn = field(default_factory=RefundIn)


# --- What can come back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Returnable:
    """An order line as the Create Return wizard offers it."""

    line: OrderLine
    shipped: int
    returned: int
    is_digital: bool

    @property
    def available(self) -> int:
        return max(self.shipped - self.returned, 0)


def returnable_lines(order: Order) -> list[Returnable]:
    """Each line of ``order`` with what was shipped (delivered, for a digital asset) and what open or
    completed returns already bring back."""
    returned = dict(
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(ret__status=Return.Status.CANCELLED)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    lines = OrderLine.objects.filter(order=order).select_related("shipment", "sku").order_by("id")
    return [
        Returnable(
            line=line,
            shipped=line.quantity if line.shipment.status == Shipment.Status.SHIPPED else 0,
            returned=returned.get(line.pk, 0),
            is_digital=line.sku.is_digital,
        )
        for line in lines
    ]


def why_no_returns(order: Order) -> str:
    """Create Return / Create Exchange are offered when something shipped is not yet returned."""
    if order.status == Order.Status.DRAFT:
        return "A draft order has nothing to return."
    if not any(r.available for r in returnable_lines(order)):
        if not any(r.shipped for r in returnable_lines(order)):
            return "Nothing of this order has shipped yet, so nothing can be returned."
        return "Every shipped item of this order has been returned."
    return ""


# --- Step 1: the items -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedItem:
    returnable: Returnable
    quantity: int
    reason: ReturnReason
    comments: str
    exchange_sku: Sku | None


def _invalid(code: ReturnError, message: str, fields: dict[str, list[str]] | None = None) -> DomainError:
    return DomainError(code, message, status=422, fields=fields or {})


def check_items(order: Order, request: ReturnIn) -> list[CheckedItem]:
    """Step 1 of the wizard, checked again by ``return_create``: every field's problem at once, with
    the field names the wizard uses (``quantity-<line>``, ``reason-<line>``, ``comments-<line>``,
    ``sku-<line>``)."""
    if request.kind not in Return.Kind.values:
        raise _invalid(ReturnError.INVALID, "A return is either a return or an exchange.")
    by_id = {r.line.pk: r for r in returnable_lines(order)}
    reasons = {r.pk: r for r in ReturnReason.objects.filter(is_active=True)}
    errors: dict[str, list[str]] = {}
    checked: list[CheckedItem] = []
    seen: set[int] = set()
    for item in request.items:
        returnable = by_id.get(item.order_line_id)
        if returnable is None or item.order_line_id in seen:
            raise _invalid(ReturnError.QUANTITY_INVALID, "An item named is not a line of this order.")
        seen.add(item.order_line_id)
        if item.quantity == 0:
            continue
        key = str(item.order_line_id)
        if item.quantity < 0 or item.quantity > returnable.available:
            errors[f"quantity-{key}"] = [
                f"At most {returnable.available} can be returned (shipped {returnable.shipped}, "
                f"already returned {returnable.returned})."
                if returnable.available
                else "Nothing of this item can be returned."
            ]
        reason = reasons.get(item.reason_id or 0)
        if reason is None:
            errors[f"reason-{key}"] = ["Choose the reason for the return."]
        comments = (item.comments or "").strip()
        if problem := text_problem(comments, limit=COMMENTS_LIMIT):
            errors[f"comments-{key}"] = [problem]
        sku = None
        if request.kind == Return.Kind.EXCHANGE:
            if returnable.is_digital:
                errors[f"quantity-{key}"] = ["A digital asset is only refunded, not exchanged."]
            code = (item.exchange_sku_code or returnable.line.sku_code).strip()
            sku = (
                Sku.objects.filter(code=code, is_active=True, product__is_active=True).select_related("product").first()
            )  # its price in the order's store is checked when the exchange is priced
            if sku is None or sku.is_digital:
                errors[f"sku-{key}"] = ["Choose a shippable SKU to send instead."]
        if reason is not None:
            checked.append(CheckedItem(returnable, item.quantity, reason, comments, sku))
    if errors:
        raise _invalid(ReturnError.QUANTITY_INVALID, "Check the items to return.", errors)
    if not checked:
        raise _invalid(ReturnError.QUANTITY_INVALID, "Enter the quantity of at least one item to return.",
                       {"items": ["Enter the quantity of at least one item to return."]})  # fmt: skip
    return checked


def needs_receipt(items: Sequence[CheckedItem], *, requested: bool) -> bool:
    """Shippable goods: as the CSR chose. Digital assets only: nothing to receive."""
    return requested and any(not item.returnable.is_digital for item in items)


# --- Step 2: the money -----------------------------------------------------------------------------


def _promised(order: Order, *, excluding: int | None = None) -> Decimal:
    """What the order's open returns are still to refund beyond what their refunds reserve already:
    an Awaiting Receipt return its whole refund (nothing is opened yet); a Received one what its
    refunds awaiting approval, pending or issued do not cover (after a rejection, say)."""
    open_returns = Return.objects.filter(order=order, status__in=Return.OPEN)
    if excluding is not None:
        open_returns = open_returns.exclude(pk=excluding)
    promised = Decimal(0)
    received: dict[str, Decimal] = {}
    for rma, status, amount in open_returns.values_list("rma", "status", "refund_amount"):
        if status == Return.Status.AWAITING_RECEIPT:
            promised += amount
        else:
            received[rma] = amount
    if received:
        reserved = dict(
            Refund.objects.filter(order=order, rma__in=received, status__in=Refund.RESERVING)
            .values_list("rma").annotate(total=Sum("amount")).values_list("rma", "total")
        )  # fmt: skip
        promised += sum((max(amount - reserved.get(rma, Decimal(0)), Decimal(0)) for rma, amount in received.items()),
                        Decimal(0))  # fmt: skip
    return promised


def suggestion(order: Order, items: Sequence[CheckedItem]) -> Suggestion:
    """The suggested refund of ``items`` (``returns.suggest``), at most what the order can still
    refund less what its other open returns are to refund."""
    available = refundable(order) - Money(_promised(order), order.currency)
    return suggest_refund(
        currency=order.currency,
        items=[(i.returnable.line, i.quantity, i.returnable.returned) for i in items],
        refundable=available,
    )


@dataclass(frozen=True)
class ExchangeQuote:
    """An exchange's money: the exchange order's lines (the returned goods' worth credited), what
    the customer pays more (``charge``) and what is refunded to them (``refund``)."""

    lines: tuple[ExchangeLine, ...]
    credit: Money
    charge: Money
    refund: Money


def exchange_quote(order: Order, items: Sequence[CheckedItem], worth: Suggestion, *, rma: str) -> ExchangeQuote:
    """Price the replacement: the same SKU costs what the returned units cost net of their discounts;
    another SKU costs its price for the customer now. The returned units' net worth is credited as a
    discount, tax is charged on what is left at the shipment's place, and a credit larger than the
    replacement is refunded with its share of the returned tax."""
    currency = order.currency
    # In the order's currency, not the one its account buys in now (it may have changed since).
    buyer = buyer_of(store=order.store, customer=order.customer, account=order.account, currency=currency)
    others = [i.exchange_sku.pk for i in items if i.exchange_sku and i.exchange_sku.pk != i.returnable.line.sku_id]
    prices = unit_prices(buyer, others) if others else {}
    lines: list[ExchangeLine] = []
    charge = refund = Money.zero(currency)
    for item, value in zip(items, worth.lines, strict=True):
        sku = item.exchange_sku
        if sku is None:  # check_items names one for every line of an exchange
            raise _invalid(ReturnError.EXCHANGE_INVALID, "Choose the SKU to send instead.")
        credit_net = value.price - value.discount
        if sku.pk == item.returnable.line.sku_id:
            unit = Money(item.returnable.line.unit_price, currency)
            cost_net = credit_net  # the same goods at the price and promotions of the order
        elif sku.pk in prices:
            unit = prices[sku.pk]
            cost_net = (unit * item.quantity).rounded()
        else:
            raise _invalid(ReturnError.EXCHANGE_INVALID, f"{sku.code} cannot be bought in {order.store.name}.",
                           {f"sku-{item.returnable.line.pk}": [f"{sku.code} has no price in this store."]})  # fmt: skip
        subtotal = (unit * item.quantity).rounded()
        used = min(credit_net, cost_net)
        net = cost_net - used
        shipment = item.returnable.line.shipment
        rate = tax_rate(order.store, country=shipment.ship_country or order.billing_country,
                        region=shipment.ship_region or order.billing_region)  # fmt: skip
        tax = (net * rate).rounded()
        lines.append(ExchangeLine(
            sku=sku, quantity=item.quantity, unit_price=unit.amount, subtotal=subtotal.amount,
            discount=(subtotal - net).amount, tax=tax.amount, total=(net + tax).amount,
            promotions=(f"Exchange for {rma}" if rma else "Exchange",),
        ))  # fmt: skip
        charge += net + tax
        if credit_net > used and credit_net.amount > 0:
            unused = credit_net - used
            refund += unused + Money(value.tax.amount * unused.amount / credit_net.amount, currency).rounded()
    refund = min(refund, worth.refundable)
    return ExchangeQuote(lines=tuple(lines), credit=worth.value, charge=charge, refund=refund)


def _check_refund(ctx: ActingContext, order: Order, choice: RefundIn, most: Money) -> tuple[Money, str, int | None]:
    """The refund chosen: at most the suggestion (never more), to a destination that exists."""
    amount = most if choice.amount is None else Money(choice.amount, order.currency)
    if amount.amount != amount.rounded().amount or amount.amount < 0:
        raise _invalid(ReturnError.REFUND_INVALID, "Enter the refund to the cent.",
                       {"amount": ["Enter the refund to the cent, e.g. 12.50."]})  # fmt: skip
    if amount > most:
        message = f"The refund can be at most {most.amount} {order.currency}, the amount suggested."
        raise _invalid(ReturnError.REFUND_INVALID, message, {"amount": [message]})
    if choice.destination not in Return.Destination.values:
        raise _invalid(ReturnError.REFUND_INVALID, "Choose where the refund goes.",
                       {"destination": ["Choose where the refund goes."]})  # fmt: skip
    source_id = None
    if choice.destination == Return.Destination.OTHER_SOURCE:
        # The one rule of orders.refunds: the customer's or the order's account's active cards.
        source = refund_source(order, choice.source_id)
        if source is None:
            raise _invalid(ReturnError.REFUND_INVALID, "Choose one of the customer's cards.",
                           {"source": ["Choose one of the customer's cards."]})  # fmt: skip
        source_id = source.pk
    if problem := text_problem((choice.note or "").strip(), limit=NOTE_LIMIT):
        raise _invalid(ReturnError.REFUND_INVALID, problem, {"note": [problem]})
    return amount, choice.destination, source_id


def original_source(order: Order) -> PaymentSource | None:
    authorization = order.transactions.filter(kind=PaymentTransaction.Kind.AUTHORIZE, status="SUCCEEDED").first()
    return authorization.source if authorization is not None else None


# --- Create ----------------------------------------------------------------------------------------


def _new_rma() -> str:
    while True:
        rma = "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))
        if not Return.objects.filter(rma=rma).exists():
            return rma


def _may_create(ctx: ActingContext) -> None:
    if not ctx.has_perm(Priv.CREATE_RETURN):
        raise PermissionDenied("Only authorized customer service staff create returns and exchanges.")


@dataclass
class _Created:
    ret: Return
    refund_ids: list[int] = field(default_factory=list)
    release_shipment_id: int | None = None
    authorization: PaymentTransaction | None = None


def return_create(ctx: ActingContext, *, order_id: int, guard: Guard, request: ReturnIn) -> Return:
    """Finish of the Create Return / Create Exchange wizard: the return, its lines and RMA, and —
    when nothing is to be received — its completion at once. The order's lock stays with its holder."""
    _may_create(ctx)
    order = Order.objects.select_related("store", "customer", "account").get(pk=order_id)
    rma = _new_rma()
    charge_auth = None
    if request.kind == Return.Kind.EXCHANGE:
        # The difference the customer pays is authorized before the order's transaction, as checkout
        # does (the gateway is not part of our database), keyed by this request so a retry reuses it.
        items = check_items(order, request)
        quote = exchange_quote(order, items, suggestion(order, items), rma=rma)
        if quote.charge.amount > 0:
            charge_auth = _authorize_charge(ctx, order, request, quote.charge)
    try:
        created = _create(ctx, order_id=order_id, guard=guard, request=request, rma=rma, charge_auth=charge_auth)
    except Exception:
        if charge_auth is not None:
            payment_reverse(ctx, authorization=charge_auth, idempotency_key=f"{charge_auth.idempotency_key}-reverse")
        raise
    _after_commit(ctx, created.refund_ids, created.release_shipment_id)
    return Return.objects.get(pk=created.ret.pk)


def _authorize_charge(ctx: ActingContext, order: Order, request: ReturnIn, charge: Money) -> PaymentTransaction:
    source = original_source(order)
    if request.refund.destination == Return.Destination.OTHER_SOURCE and request.refund.source_id:
        source = refund_source(order, request.refund.source_id) or source
    if source is None:
        raise _invalid(ReturnError.EXCHANGE_INVALID, "The order has no payment source to charge the difference to.")
    digest = hashlib.sha256(repr((order.pk, order.version, request)).encode()).hexdigest()[:24]
    authorization = payment_authorize(ctx, source=source, amount=charge, idempotency_key=f"exchange-{digest}")
    if authorization.status != PaymentTransaction.Status.SUCCEEDED:
        message = authorization.message or "The payment was declined."
        raise DomainError(ReturnError.EXCHANGE_INVALID, f"The difference could not be charged: {message}",
                          status=402, fields={"source": [message]})  # fmt: skip
    return authorization


def _create(
    ctx: ActingContext, *, order_id: int, guard: Guard, request: ReturnIn, rma: str,
    charge_auth: PaymentTransaction | None,
) -> _Created:  # fmt: skip
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        order = edit.order
        items = check_items(order, request)
        worth = suggestion(order, items)
        receipt = needs_receipt(items, requested=request.receipt_required)
        exchange = request.kind == Return.Kind.EXCHANGE
        quote = exchange_quote(order, items, worth, rma=rma) if exchange else None
        if quote is not None:
            refund_most = quote.refund
            if (charge_auth.amount if charge_auth else Decimal(0)) != quote.charge.amount:
                raise DomainError(ReturnError.EXCHANGE_INVALID, "The price of the exchange changed; review it.",
                                  status=409)  # fmt: skip
        else:
            refund_most = worth.amount
        amount, destination, source_id = _check_refund(ctx, order, request.refund, refund_most)
        ret = Return.objects.create(
            rma=rma, kind=request.kind, order=order, store_id=order.store_id, order_number=order.number,
            customer_first_name=order.billing_first_name, customer_last_name=order.billing_last_name,
            email=order.email, receipt_required=receipt, currency=order.currency,
            status=Return.Status.AWAITING_RECEIPT if receipt else Return.Status.RECEIVED,
            value=max(worth.value, amount).amount, refund_amount=amount.amount, refund_destination=destination,
            refund_source_id=source_id, note=(request.refund.note or "").strip(), created_by=ctx.user,
            exchange_charge=quote.charge.amount if quote else Decimal(0),
        )  # fmt: skip
        ReturnLine.objects.bulk_create(
            ReturnLine(
                ret=ret,
                order_line=i.returnable.line,
                quantity=i.quantity,
                reason=i.reason,
                comments=i.comments,
                is_digital=i.returnable.is_digital,
                price=v.price.amount,
                discount=v.discount.amount,
                tax=v.tax.amount,
                value=v.value.amount,
                exchange_sku=i.exchange_sku,
            )
            for i, v in zip(items, worth.lines, strict=True)
        )
        edit.record(
            ReturnAction.EXCHANGE_CREATED if exchange else ReturnAction.RETURN_CREATED,
            data={"rma": rma, "items": [f"{i.quantity} x {i.returnable.line.sku_code} ({i.reason.name})"
                                        for i in items],
                  "refund": str(amount.amount), "currency": order.currency,
                  "receipt_required": receipt},
        )  # fmt: skip
        created = _Created(ret=ret)
        if quote is not None:
            ret.exchange_order = _write_exchange_order(edit, ret, items, quote, charge_auth)
            ret.save(update_fields=["exchange_order"])
        if not receipt:
            _received_in_full(edit, ret, created)
    return created


def _write_exchange_order(
    edit: OrderEdit, ret: Return, items: Sequence[CheckedItem], quote: ExchangeQuote,
    charge_auth: PaymentTransaction | None,
) -> Order:  # fmt: skip
    ship_like = items[0].returnable.line.shipment
    exchange = exchange_order_write(edit.ctx, original=edit.order, ship_like=ship_like, lines=quote.lines,
                                    promotion=f"Exchange for {ret.rma}")  # fmt: skip
    if charge_auth is not None:
        PaymentTransaction.objects.filter(pk=charge_auth.pk).update(order=exchange)
    record(edit.ctx, action=ReturnAction.EXCHANGE_ORDER_CREATED, subject_kind="order", subject_id=exchange.pk,
           data={"rma": ret.rma, "number": exchange.number, "for_order": edit.order.number,
                 "total": str(exchange.total), "currency": exchange.currency})  # fmt: skip
    edit.record(ReturnAction.EXCHANGE_ORDER_CREATED, data={"rma": ret.rma, "number": exchange.number})
    return exchange


def _received_in_full(edit: OrderEdit, ret: Return, created: _Created) -> None:
    """Everything is back (or nothing had to be): the return is Received, its refund opened (issued
    after commit, or waiting for approval) and an exchange's order released. Completed at once when
    it refunds nothing; otherwise when its refund is issued (:func:`refund_settled`)."""
    if ret.status == Return.Status.AWAITING_RECEIPT:
        before = ret.status
        ret.transition_to(Return.Status.RECEIVED)
        ret.save(update_fields=["status"])
        edit.record(ReturnAction.RECEIVED_IN_FULL, changes={"return_status": (before, ret.status)},
                    data={"rma": ret.rma})  # fmt: skip
    if ret.is_exchange:
        created.release_shipment_id = _release_exchange(edit, ret)
    created.refund_ids += _open_refunds(
        edit, ret, Money(ret.refund_amount, ret.currency), destination=ret.refund_destination,
        source_id=ret.refund_source_id, note=ret.note or f"Refund of {ret.rma}", requester=ret.created_by,
    )  # fmt: skip
    _complete_if_refunded(edit, ret)


def _open_refunds(
    edit: OrderEdit, ret: Return, amount: Money, *, destination: str, source_id: int | None, note: str,
    requester: User | None,
) -> list[int]:  # fmt: skip
    """Open refunds of ``amount`` for ``ret``: one per payment capture that holds it (a refund names
    one capture), usually one. Nothing for nothing."""
    opened: list[int] = []
    left = amount
    while left.amount > 0:
        part = min(left, largest_refund(edit.order))
        if part.amount <= 0:
            part = left  # refund_open refuses it, naming what can still be refunded
        refund = refund_open(edit, amount=part, destination=destination, source_id=source_id, note=note,
                             rma=ret.rma, requester=requester)  # fmt: skip
        opened.append(refund.pk)
        left -= part
    return opened


def _issued(ret: Return) -> Decimal:
    return Refund.objects.filter(order_id=ret.order_id, rma=ret.rma, status=Refund.Status.ISSUED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)


def _complete_if_refunded(edit: OrderEdit, ret: Return) -> None:
    """A Received return whose refunds are issued for its whole refund amount is Completed."""
    if ret.status != Return.Status.RECEIVED or _issued(ret) < ret.refund_amount:
        return
    before = ret.status
    ret.transition_to(Return.Status.COMPLETED)
    ret.completed_at = clock.now()
    Return.objects.filter(pk=ret.pk).update(status=ret.status, completed_at=ret.completed_at,
                                            version=F("version") + 1)  # fmt: skip
    ret.version += 1
    edit.record(ReturnAction.COMPLETED, changes={"return_status": (before, ret.status)},
                data={"rma": ret.rma, "refund": str(ret.refund_amount), "currency": ret.currency})  # fmt: skip


def refund_settled(edit: OrderEdit, refund: Refund) -> None:
    """``orders.refunds`` tells of a refund that settled, in the transaction that settles it (the
    order row locked): an issued refund of a Received return may complete it. A rejected, declined
    or failed one leaves the return Received, waiting for another refund."""
    if not refund.rma or refund.status != Refund.Status.ISSUED:
        return
    ret = Return.objects.select_for_update().filter(order_id=refund.order_id, rma=refund.rma).first()
    if ret is not None:
        _complete_if_refunded(edit, ret)


def _release_exchange(edit: OrderEdit, ret: Return) -> int | None:
    """Release the exchange order's shipment to the warehouse (its charge is captured after commit,
    and by the capture task committed with the release if that fails)."""
    if ret.exchange_order_id is None:
        return None
    system = ActingContext.system(f"returns ({ret.rma})", store=edit.order.store)
    with order_edit(system, order_id=ret.exchange_order_id, guard=SYSTEM, then=Then.KEEP) as exchange_edit:
        exchange = exchange_edit.order
        shipment = exchange.shipments.select_for_update().get()
        shipment.transition_to(Shipment.Status.INVENTORY_ASSIGNED)
        shipment.transition_to(Shipment.Status.RELEASED)
        shipment.released_at = clock.now()
        shipment.save(update_fields=["status", "released_at"])
        before = exchange.status
        exchange.transition_to(Order.Status.IN_PROGRESS)
        exchange.save(update_fields=["status"])
        exchange_edit.record(ReturnAction.EXCHANGE_ORDER_RELEASED, changes={"status": (before, exchange.status)},
                             data={"rma": ret.rma, "shipment": shipment.number})  # fmt: skip
        from concierge.orders.tasks import capture_shipment  # committed with the release, as orders' own

        capture_shipment.using(run_after=clock.now() + RETRY_AFTER).enqueue(shipment.pk)
    edit.record(ReturnAction.EXCHANGE_ORDER_RELEASED, data={"rma": ret.rma, "number": exchange.number})
    return shipment.pk


def _after_commit(ctx: ActingContext, refund_ids: list[int], shipment_id: int | None) -> None:
    """The gateway calls that follow a committed completion (their tasks were committed with it)."""
    for refund_id in Refund.objects.filter(pk__in=refund_ids, status=Refund.Status.PENDING).values_list(
        "pk", flat=True
    ):
        # On a refusal the refund's issue task, committed with it, tries again; the refund shows its state.
        with contextlib.suppress(DomainError):
            refund_issue(ctx, refund_id=refund_id)
    if shipment_id is not None:
        with contextlib.suppress(DomainError):  # the capture task committed with the release tries again
            shipment_capture(ctx, shipment_id=shipment_id)


# --- Receive (the Warehouse) -----------------------------------------------------------------------


def may_receive(ctx: ActingContext) -> bool:
    return ctx.has_perm(Priv.RECEIVE_RETURNS)


def access_return(ctx: ActingContext, rma: str) -> Return:
    """A return of a store the staff member serves, for the warehouse (receive_returns) or customer
    service (the console); another store's is "not found", like a missing one."""
    if not (may_receive(ctx) or ctx.has_perm(Priv.USE_SERVICE_CONSOLE)):
        raise NotFound("No such return.")
    ret = (
        Return.objects.filter(rma=(rma or "").strip().upper()[:20], store_id__in=stores_served(ctx))
        .select_related("order", "store", "exchange_order", "refund_source", "created_by")
        .first()
    )
    if ret is None:
        raise NotFound("No such return.")
    return ret


def return_receive(ctx: ActingContext, *, rma: str, version: int | None, quantities: dict[int, int]) -> Return:
    """Receive returned items in the warehouse (partial receipts allowed), guarded by the version of
    the return the page or ``If-Match`` loaded. The full receipt completes the return: its refund is
    opened and issued, or its exchange order released."""
    if not may_receive(ctx):
        raise PermissionDenied("Only warehouse staff receive returns.")
    ret = access_return(ctx, rma)
    system = ActingContext.system(f"warehouse ({ctx.actor_label})", store=ret.store)
    created = _Created(ret=ret)
    # The order row first (as every change of a return), then the return: one lock order everywhere.
    with order_edit(system, order_id=ret.order_id, guard=SYSTEM, then=Then.KEEP) as edit:
        ret = Return.objects.select_for_update().select_related("store").get(pk=ret.pk)
        created.ret = ret
        _check_version(ret, version)
        if why := ret.why_not_receivable():
            raise DomainError(ReturnError.ILLEGAL_TRANSITION, why, status=409)
        lines = {line.pk: line for line in ret.lines.select_for_update().select_related("order_line")}
        received = _check_quantities(lines, quantities)
        for line_id, quantity in received.items():
            ReturnLine.objects.filter(pk=line_id).update(received_quantity=F("received_quantity") + quantity)
        Return.objects.filter(pk=ret.pk).update(version=F("version") + 1, received_at=clock.now())
        ret.version += 1
        ret.received_at = clock.now()
        complete = all(line.to_receive - received.get(line.pk, 0) == 0 for line in lines.values())
        record(ctx.for_customer(edit.order.customer, account=edit.order.account), action=ReturnAction.RECEIVED,
               subject_kind="order", subject_id=edit.order.pk,
               data={"rma": ret.rma, "items": [f"{q} x {lines[i].order_line.sku_code}" for i, q in received.items()],
                     "complete": complete})  # fmt: skip
        if complete:
            _received_in_full(edit, ret, created)
    _after_commit(system, created.refund_ids, created.release_shipment_id)
    return Return.objects.get(pk=ret.pk)


def _check_version(ret: Return, version: int | None) -> None:
    if version is None:
        raise DomainError(ReturnError.VERSION_REQUIRED,
                          f"Say which version of {ret.rma} you loaded (If-Match), then receive again.",
                          status=428)  # fmt: skip
    if version != ret.version:
        raise DomainError(ReturnError.STALE, f"{ret.rma} was changed by another user since you loaded it. "
                          "Reload it and receive again.", status=412)  # fmt: skip


def _check_quantities(lines: dict[int, ReturnLine], quantities: dict[int, int]) -> dict[int, int]:
    errors: dict[str, list[str]] = {}
    received: dict[int, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise _invalid(ReturnError.RECEIPT_INVALID, "An item named is not part of this return.")
        if quantity == 0:
            continue
        if quantity < 0 or quantity > line.to_receive:
            errors[f"received-{line_id}"] = [f"At most {line.to_receive} of this item are still to be received."]
        else:
            received[line_id] = quantity
    if errors:
        raise _invalid(ReturnError.RECEIPT_INVALID, "Check the quantities received.", errors)
    if not received:
        raise _invalid(ReturnError.RECEIPT_INVALID, "Enter the quantity received of at least one item.",
                       {"items": ["Enter the quantity received of at least one item."]})  # fmt: skip
    return received


# --- Another refund for a received return ---------------------------------------------------------


@dataclass(frozen=True)
class RefundLimits:
    """What another refund of a Received return may be: at most what its goods are worth less what
    was issued for it already (and within what the order can still refund beside its other open
    returns); suggested, what is left of the refund it was to have."""

    issued: Money
    most: Money
    suggested: Money


def refund_limits(ret: Return) -> RefundLimits:
    issued = Money(_issued(ret), ret.currency)
    available = refundable(ret.order).amount - _promised(ret.order, excluding=ret.pk)
    most = Money(max(min(ret.value - issued.amount, available), Decimal(0)), ret.currency)
    left = Money(max(ret.refund_amount - issued.amount, Decimal(0)), ret.currency)
    return RefundLimits(issued=issued, most=most, suggested=min(left, most))


def why_no_new_refund(ret: Return) -> str:
    """Another refund is for a Received return none of whose refunds is still awaiting approval or
    being issued (the last was rejected, declined or failed)."""
    if ret.status != Return.Status.RECEIVED:
        return f"{ret.rma} is {ret.get_status_display().lower()}: another refund is only for a received return."
    wait = ret.refund_wait()
    if wait == "APPROVAL":
        return f"The refund of {ret.rma} is awaiting approval: approve or reject it first."
    if wait == "ISSUING":
        return f"The refund of {ret.rma} is being issued: reload in a moment."
    return ""


def return_refund(ctx: ActingContext, *, order_id: int, rma: str, guard: Guard, refund: RefundIn) -> Return:
    """Issue another refund for a Received return whose refund was rejected, declined or failed (a
    CSR with ``create_return``, under the order's edit guard; the lock stays): an amount of at most
    what its goods are worth less what was issued (None: what is left of its refund), to the original
    payment source, another card (``orders.refunds.refund_sources``) or a Manual Refund. Above the
    store's threshold it waits for approval by someone other than this CSR. An amount of 0 records
    that nothing more is refunded and completes the return with what was issued."""
    _may_create(ctx)
    created: _Created | None = None
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        ret = Return.objects.select_for_update().filter(order_id=edit.order.pk, rma=(rma or "").strip().upper()).first()
        if ret is None:
            raise NotFound("No such return.")
        if why := why_no_new_refund(ret):
            raise DomainError(ReturnError.ILLEGAL_TRANSITION, why, status=409)
        limits = refund_limits(ret)
        choice = refund if refund.amount is not None else RefundIn(
            amount=limits.suggested.amount, destination=refund.destination, source_id=refund.source_id,
            note=refund.note,
        )  # fmt: skip
        if choice.amount is not None and choice.amount > limits.most.amount:
            message = (
                f"Another refund of {ret.rma} can be at most {limits.most.amount} {ret.currency}: what its goods "
                "are worth, less what was issued for it, within what the order can refund."
            )
            raise _invalid(ReturnError.REFUND_INVALID, message, {"amount": [message]})
        amount, destination, source_id = _check_refund(ctx, edit.order, choice, limits.most)
        note = (choice.note or "").strip()
        before = (str(ret.refund_amount), ret.refund_destination)
        ret.refund_amount = limits.issued.amount + amount.amount
        ret.refund_destination, ret.refund_source_id = destination, source_id
        ret.note = note or ret.note
        ret.version += 1
        ret.save(update_fields=["refund_amount", "refund_destination", "refund_source", "note", "version"])
        edit.record(ReturnAction.REFUND_CHOSEN_AGAIN,
                    changes={"refund": (before[0], str(ret.refund_amount)),
                             "refund_destination": (before[1], ret.refund_destination)},
                    data={"rma": ret.rma, "amount": str(amount.amount), "currency": ret.currency,
                          "note": note})  # fmt: skip
        created = _Created(ret=ret)
        created.refund_ids = _open_refunds(edit, ret, amount, destination=destination, source_id=source_id,
                                           note=note or f"Refund of {ret.rma}", requester=ctx.user)  # fmt: skip
        _complete_if_refunded(edit, ret)
    _after_commit(ctx, created.refund_ids, None)
    return Return.objects.get(pk=created.ret.pk)


# --- Cancel ----------------------------------------------------------------------------------------


def return_cancel(ctx: ActingContext, *, order_id: int, rma: str, guard: Guard) -> Return:
    """Cancel a return or exchange nothing of which has been received (an exchange's order is
    cancelled with it: its stock put back, its charge reversed). The order's lock stays."""
    _may_create(ctx)
    reverse_order_id = None
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.KEEP) as edit:
        ret = Return.objects.select_for_update().filter(order_id=edit.order.pk, rma=rma).first()
        if ret is None:
            raise NotFound("No such return.")
        if why := ret.why_not_cancellable():
            raise DomainError(ReturnError.ILLEGAL_TRANSITION, why, status=409)
        before = ret.status
        ret.transition_to(Return.Status.CANCELLED)
        Return.objects.filter(pk=ret.pk).update(status=ret.status, version=F("version") + 1)
        if ret.exchange_order_id is not None:
            reverse_order_id = _cancel_exchange_order(ret)
        edit.record(ReturnAction.CANCELLED, changes={"return_status": (before, ret.status)}, data={"rma": ret.rma})
    if reverse_order_id is not None:
        with contextlib.suppress(DomainError):  # the reversal task committed with the cancellation tries again
            order_reverse_payment(ActingContext.system(f"returns ({rma})"), order_id=reverse_order_id)
    return ret


def _cancel_exchange_order(ret: Return) -> int:
    if ret.exchange_order_id is None:
        raise NotFound("No such exchange order.")
    system = ActingContext.system(f"returns ({ret.rma})", store=ret.store)
    with order_edit(system, order_id=ret.exchange_order_id, guard=SYSTEM, then=Then.KEEP) as exchange_edit:
        exchange = exchange_edit.order
        before = exchange.status
        exchange.transition_to(Order.Status.CANCELLED)
        exchange.save(update_fields=["status"])
        for shipment in exchange.shipments.select_for_update():
            shipment.transition_to(Shipment.Status.CANCELLED)
            shipment.save(update_fields=["status"])
            for line in sorted(shipment.lines.select_related("sku"), key=lambda item: item.sku_id):
                if line.sku.track_stock and not line.sku.is_digital:
                    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=F("stock_on_hand") + line.quantity)
        exchange_edit.record(ReturnAction.CANCELLED, changes={"status": (before, exchange.status)},
                             data={"rma": ret.rma})  # fmt: skip
        from concierge.orders.tasks import reverse_cancelled_order  # committed with the cancellation

        reverse_cancelled_order.using(run_after=clock.now() + RETRY_AFTER).enqueue(exchange.pk)
    return exchange.pk


def returns_of(order: Order) -> list[Return]:
    """The order's returns and exchanges, newest first, with their lines (the Returns and exchanges tab)."""
    return list(
        Return.objects.filter(order=order)
        .select_related("exchange_order", "refund_source", "created_by")
        .prefetch_related("lines__order_line", "lines__reason", "lines__exchange_sku")
    )


def describe_items(ret: Return) -> list[dict[str, Any]]:
    return [
        {"sku": line.order_line.sku_code, "name": line.order_line.product_name, "quantity": line.quantity,
         "received": line.received_quantity, "reason": line.reason.name, "comments": line.comments,
         "value": line.value, "exchange_sku": line.exchange_sku.code if line.exchange_sku else ""}
        for line in ret.lines.all()
    ]  # fmt: skip
