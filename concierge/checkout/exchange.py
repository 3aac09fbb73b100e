"""Writing an exchange order (seed 004 "Exchange"): the order that sends the customer the SKUs
they exchange their returned items for. It is written as checkout writes every order — stock taken
by conditional update in SKU order, numbered like every order of its store — but from the priced
lines a return gives it rather than from a cart: no cart, no checkout attempt, and no payment of its
own unless the customer pays a difference (an authorization the caller attaches)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from concierge.catalog.models import Sku
from concierge.checkout.services import _order_number, _take_stock
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.orders.models import Order, OrderLine, Shipment

# The fields of a shipment that say where it goes (an address, or a store and who collects).
_DESTINATION_FIELDS = (
    "kind", "ship_first_name", "ship_last_name", "ship_line1", "ship_line2", "ship_city", "ship_region",
    "ship_postal_code", "ship_country", "pickup_location", "primary_first_name", "primary_last_name",
    "primary_email", "primary_phone", "alternate_first_name", "alternate_last_name", "alternate_email",
    "alternate_phone",
)  # fmt: skip
_BILLING_FIELDS = (
    "email", "billing_first_name", "billing_last_name", "billing_line1", "billing_line2", "billing_city",
    "billing_region", "billing_postal_code", "billing_country", "billing_phone",
)  # fmt: skip


@dataclass(frozen=True)
class ExchangeLine:
    """One line of an exchange order, priced by the caller (returns.services)."""

    sku: Sku
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    promotions: tuple[str, ...]

    @property
    def sku_id(self) -> int:
        return self.sku.pk


def exchange_order_write(
    ctx: ActingContext, *, original: Order, ship_like: Shipment, lines: Sequence[ExchangeLine], promotion: str
) -> Order:
    """Write the exchange order of ``original`` inside the caller's transaction: Awaiting Exchange,
    one shipment (On Hold) to where ``ship_like`` went, free of shipping, the stock taken."""
    if not lines:
        raise DomainError(CommonError.REQUEST_INVALID, "An exchange sends at least one item.", status=422)
    _take_stock(lines)
    totals = {
        name: sum((getattr(line, name) for line in lines), Decimal(0)) for name in ("subtotal", "discount", "tax")
    }
    fields: dict[str, object] = {
        "store_id": original.store_id, "customer_id": original.customer_id, "account_id": original.account_id,
        "placed_by": ctx.user, "placed_on_behalf": ctx.user is not None, "currency": original.currency,
        "status": Order.Status.AWAITING_EXCHANGE, "subtotal": totals["subtotal"],
        "discount_total": totals["discount"], "tax_total": totals["tax"],
        "total": totals["subtotal"] - totals["discount"] + totals["tax"], "promotions": [promotion],
        "placed_at": clock.now(), "updated_at": clock.now(),
        **{name: getattr(original, name) for name in _BILLING_FIELDS},
    }  # fmt: skip
    order = _numbered(original.store.code, fields)
    shipment = Shipment.objects.create(
        order=order, number=f"{order.number}-1", status=Shipment.Status.ON_HOLD,
        shipping_method_name="Exchange", shipping_price=Decimal(0),
        **{name: getattr(ship_like, name) for name in _DESTINATION_FIELDS},
    )  # fmt: skip
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            shipment=shipment,
            sku=line.sku,
            sku_code=line.sku.code,
            product_name=line.sku.product.name,
            sku_name=line.sku.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=line.subtotal,
            discount=line.discount,
            tax=line.tax,
            total=line.total,
            promotions=list(line.promotions),
        )
        for line in lines
    )
    return order


def _numbered(store_code: str, fields: dict[str, object]) -> Order:
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=_order_number(store_code), **fields)
        except IntegrityError:
            continue
    raise DomainError(CommonError.SERVER_ERROR, "Could not number the order; please try again.", status=503)
