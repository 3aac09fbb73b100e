"""Checkout over the API: the options a checkout names by id, and placing the order."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Header, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, OrderOut, order_out
from concierge.api.types import (
    NO_CONTROL_CHARACTERS,
    AmountText,
    BodyId,
    EmailText,
    NameText,
    PhoneText,
    ShortText,
)
from concierge.carts.selectors import active_cart
from concierge.catalog.pricing import buyer_for
from concierge.checkout.idempotency import request_digest
from concierge.checkout.plan import PURCHASE_ORDER_LIMIT, CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.requests import ConciergeRequest
from concierge.orders.selectors import access_own_order
from concierge.stores.models import PickupLocation
from concierge.stores.selectors import shipping_offers

router = Router(tags=["checkout"])
IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9._:-]+$",
    description=(
        "One key per checkout attempt. The same key with the same request answers the same order; "
        "with another request: 422 `checkout.idempotency_mismatch`; while the first is running: 409."
    ),
)
PurchaseOrderText = Annotated[str, StringConstraints(max_length=PURCHASE_ORDER_LIMIT, pattern=NO_CONTROL_CHARACTERS)]
LeaseToken = Header(None, alias="X-Lease-Token", description="An assisting agent's cart lock token.")


class ContactIn(Schema):
    first_name: NameText = ""
    last_name: NameText = ""
    email: EmailText = ""
    phone: PhoneText = ""


class ShipmentIn(Schema):
    kind: str = Field(pattern="^(SHIP|PICKUP)$")
    line_ids: list[BodyId] = Field(min_length=1, max_length=200)
    address_id: BodyId | None = None
    shipping_method: ShortText = ""
    pickup_location_id: BodyId | None = None
    primary_contact: ContactIn = ContactIn()
    alternate_contact: ContactIn = ContactIn()


class CheckoutIn(Schema):
    """How to receive each line of the caller's cart, and how to pay. Prices and totals are never
    taken from the caller: they are computed on the server."""

    billing_address_id: BodyId
    payment_source_id: BodyId
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=50)
    email: EmailText = ""
    purchase_order: PurchaseOrderText = Field(
        "", description="The buyer's purchase-order number for an order billed to their account (optional)."
    )
    expected_total: AmountText | None = Field(
        None, description='The total shown to the customer, e.g. "94.95"; if the server total differs: 409.'
    )


def _contact(contact: ContactIn) -> Contact:
    return Contact(contact.first_name, contact.last_name, contact.email, contact.phone)


@router.post(
    "/checkout",
    response={201: OrderOut, 402: ErrorOut, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=token_or_session,
)
def checkout(request: ConciergeRequest, payload: CheckoutIn, idempotency_key: str | None = IdempotencyKey,
             x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Place the order for the caller's cart. Send an Idempotency-Key: the same key with the same
    request answers the order it placed (201, same body), so a retry after a lost answer never
    places a second order; the same key with a different request is refused (422)."""
    ctx = request.ctx
    plan = CheckoutPlan(
        billing_address_id=payload.billing_address_id, payment_source_id=payload.payment_source_id,
        email=payload.email, purchase_order=payload.purchase_order, attempt=idempotency_key or "",
        request_digest=request_digest(method=str(request.method), path=request.path,
                                      body=payload.model_dump(mode="json")),
        expected_total=Decimal(payload.expected_total) if payload.expected_total else None,
        shipments=tuple(
            # Over the API the alternate contact is submitted whole: it counts as saved.
            ShipmentPlan(kind=s.kind, line_ids=tuple(s.line_ids), address_id=s.address_id,
                         shipping_method_code=s.shipping_method, pickup_location_id=s.pickup_location_id,
                         primary=_contact(s.primary_contact), alternate=_contact(s.alternate_contact),
                         alternate_saved=True)
            for s in payload.shipments
        ),
    )  # fmt: skip
    cart = active_cart(ctx, anonymous_token=None)
    order = checkout_submit(ctx, cart=cart, plan=plan, lease_token=x_lease_token)
    return Status(201, order_out(access_own_order(ctx, order.number)))


class AddressOut(Schema):
    id: int
    label: str
    first_name: str
    last_name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    is_default_billing: bool
    is_default_shipping: bool


class PaymentSourceOut(Schema):
    id: int
    kind: str
    label: str
    exp_month: int | None
    exp_year: int | None
    is_default: bool


class ShippingMethodOut(Schema):
    code: str
    name: str
    price: Decimal = Field(description="In `currency`, the currency the caller buys in.")
    currency: str
    delivery_days: str


class PickupLocationOut(Schema):
    id: int
    name: str
    line1: str
    city: str
    region: str
    postal_code: str
    country: str


class CheckoutOptionsOut(Schema):
    """Everything a checkout names by id: the caller's addresses and payment sources, and the
    store's shipping methods (those offered in the caller's currency, at their price in it) and
    pickup locations."""

    addresses: list[AddressOut]
    payment_sources: list[PaymentSourceOut]
    shipping_methods: list[ShippingMethodOut]
    pickup_locations: list[PickupLocationOut]


@router.get("/checkout/options", response={200: CheckoutOptionsOut, **ERRORS_AUTH}, auth=token_or_session)
def checkout_options(request: ConciergeRequest) -> CheckoutOptionsOut:
    ctx = request.ctx
    customer, store = ctx.customer, ctx.store
    return CheckoutOptionsOut(
        addresses=[AddressOut.model_validate(a, from_attributes=True) for a in customer.addresses.order_by("id")]
        if customer else [],
        payment_sources=[
            PaymentSourceOut(id=s.pk, kind=s.kind, label=s.label, exp_month=s.exp_month, exp_year=s.exp_year,
                             is_default=s.is_default)
            for s in customer.payment_sources.filter(is_active=True).select_related("gift_certificate")
        ] if customer else [],
        shipping_methods=[ShippingMethodOut(code=o.method.code, name=o.method.name, price=o.price.amount,
                                            currency=o.price.currency, delivery_days=o.method.delivery_days)
                          for o in (shipping_offers(store, buyer_for(ctx).currency) if store else [])],
        pickup_locations=[PickupLocationOut.model_validate(p, from_attributes=True)
                          for p in PickupLocation.objects.filter(store=store, is_active=True)],
    )  # fmt: skip
