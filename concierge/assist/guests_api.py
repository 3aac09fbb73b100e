"""Guest shoppers over the API.

* ``POST /guest/checkout`` — an anonymous caller checks out their cart (named by its
  ``X-Cart-Token``) as a guest in one call: name, email, addresses, shipping method and card. It
  makes the same guest record (a single session user, findable by customer service) and places the
  order through the same checkout as the storefront's Check out as guest, and emails the guest the
  order with its signed link. Signed-in callers use ``POST /checkout``.
* Attach my guest orders, for a signed-in registered shopper: how many guest orders their email has
  in their store, ask for the emailed link, and attach with the link's token (the last part of the
  link's path).
"""

from __future__ import annotations

from typing import Annotated

from django.urls import reverse
from ninja import Header, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import identify, token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, OrderOut, order_out
from concierge.api.types import NO_CONTROL_CHARACTERS, EmailText, PhoneText
from concierge.assist import guest_checkout as guests
from concierge.checkout.idempotency import request_digest
from concierge.core.requests import ConciergeRequest
from concierge.customers.guests import registered_self

router = Router(tags=["guest orders"])
LinkToken = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_CONTROL_CHARACTERS)]


def _text(limit: int, *, required: bool = False) -> StringConstraints:
    return StringConstraints(min_length=1 if required else 0, max_length=limit, pattern=NO_CONTROL_CHARACTERS)


# The limits of the guest record and of an address (``customers.guests.GUEST_LIMITS``, ``Address``).
GuestName = Annotated[str, _text(80, required=True)]
AddressName = Annotated[str, _text(80)]
StreetLine = Annotated[str, _text(160)]
CityText = Annotated[str, _text(80, required=True)]
PostalCode = Annotated[str, _text(20, required=True)]
CardDigits = Annotated[str, StringConstraints(min_length=12, max_length=23, pattern=r"^[0-9 -]+$")]
CartToken = Header(
    ..., alias="X-Cart-Token", min_length=1, max_length=120, pattern=NO_CONTROL_CHARACTERS,
    description="The anonymous cart's token (answered by the first POST /cart/lines).",
)  # fmt: skip
IdempotencyKey = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9._:-]+$",
    description=(
        "One key per checkout attempt, required. The same key with the same request answers the same order "
        "(201, same body); with another request: 422 `checkout.idempotency_mismatch`; while the first is "
        "running: 409 `checkout.idempotency_in_flight`."
    ),
)


class GuestAddressIn(Schema):
    first_name: AddressName = Field("", description="Defaults to the guest's first name.")
    last_name: AddressName = Field("", description="Defaults to the guest's last name.")
    line1: Annotated[str, _text(160, required=True)]
    line2: StreetLine = ""
    city: CityText
    region: AddressName = ""
    postal_code: PostalCode
    country: str = Field(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. US.")
    phone: PhoneText = ""


class GuestCardIn(Schema):
    """The test gateway's cards (docs/payments.md): exchanged for a gateway token at once; the
    number and security code are never stored."""

    number: CardDigits
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")
    holder_name: Annotated[str, _text(120)] = Field("", description="Defaults to the guest's name.")


class GuestCheckoutIn(Schema):
    """Who the guest is, where the order goes and how it is paid. Prices and totals are computed
    on the server."""

    first_name: GuestName
    last_name: GuestName
    email: Annotated[EmailText, StringConstraints(min_length=3)]
    phone: PhoneText = ""
    shipping_address: GuestAddressIn
    billing_address: GuestAddressIn | None = Field(None, description="Omitted: the shipping address is billed.")
    shipping_method: Annotated[str, _text(40)] = Field(
        "", description="A shipping method code (GET /checkout/options); needed when anything is shipped."
    )
    card: GuestCardIn


class GuestOrderOut(OrderOut):
    emailed_to: str = Field(description="The guest's email address: the order and its link were sent there.")


def _address(address: GuestAddressIn, payload: GuestCheckoutIn) -> dict[str, object]:
    data: dict[str, object] = address.model_dump()
    data["first_name"] = address.first_name or payload.first_name
    data["last_name"] = address.last_name or payload.last_name
    return data


def _digest_body(payload: GuestCheckoutIn) -> dict[str, object]:
    """The request as the Idempotency-Key is bound to it: the card by its last four digits and
    expiry, so no digest of a card number is ever stored."""
    body = payload.model_dump(mode="json")
    digits = "".join(ch for ch in payload.card.number if ch.isdigit())
    body["card"] = {"last4": digits[-4:], "exp_month": payload.card.exp_month, "exp_year": payload.card.exp_year,
                    "holder_name": payload.card.holder_name}  # fmt: skip
    return body


@router.post(
    "/guest/checkout",
    response={201: GuestOrderOut, 402: ErrorOut, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=None,
)
def guest_checkout(request: ConciergeRequest, payload: GuestCheckoutIn, x_cart_token: str = CartToken,
                   idempotency_key: str = IdempotencyKey) -> Status:  # fmt: skip
    """Check out the anonymous cart as a guest: a guest record (single session user) is made with
    the addresses and the card, and the order placed and emailed with its link (201). Refusals:
    404 `cart.not_found` (no cart has the token), 409 `cart.empty` / `cart.not_active`, 422
    `request.invalid` naming each field, 422/402 from checkout and payment (`checkout.plan_invalid`,
    `payment.card_invalid`, `payment.declined` …), 409 `guest.signed_in` for a signed-in caller
    (use POST /checkout)."""
    identify(request)
    ctx = request.ctx
    checkout = guests.GuestCheckout(
        guest={"first_name": payload.first_name, "last_name": payload.last_name, "email": payload.email,
               "phone": payload.phone},
        shipping_address=_address(payload.shipping_address, payload),
        billing_address=_address(payload.billing_address, payload) if payload.billing_address else None,
        shipping_method=payload.shipping_method,
        card=guests.GuestCard(number=payload.card.number, exp_month=payload.card.exp_month,
                              exp_year=payload.card.exp_year, cvc=payload.card.cvc,
                              holder_name=payload.card.holder_name),
        attempt=idempotency_key,
        request_digest=request_digest(method=str(request.method), path=request.path, body=_digest_body(payload)),
    )  # fmt: skip
    order = guests.guest_checkout_place(
        ctx, anonymous_token=x_cart_token, checkout=checkout,
        link=lambda token: request.build_absolute_uri(reverse("storefront:guest_order_link", args=[token])),
    )  # fmt: skip
    shown = guests.guest_order_for_answer(order)
    return Status(201, GuestOrderOut(**order_out(shown).model_dump(), emailed_to=shown.email or shown.customer.email))


class GuestOrdersOut(Schema):
    orders: int = Field(description="Guest orders with the caller's email in their store, waiting to be attached.")


class GuestOrdersClaimOut(Schema):
    orders: int
    sent_to: str = Field(description="The sign-in email address the link was sent to.")


class GuestOrdersAttachIn(Schema):
    token: LinkToken = Field(description="The token of the emailed link: the last part of its path.")
    include_addresses: bool = Field(True, description="Also move the guest's addresses to the address book.")


class GuestOrdersAttachOut(Schema):
    attached: list[str] = Field(description="The numbers of the orders now the caller's.")


@router.get("/me/guest-orders", response={200: GuestOrdersOut, **ERRORS_AUTH}, auth=token_or_session)
def guest_orders(request: ConciergeRequest) -> GuestOrdersOut:
    """How many orders placed as a guest with the caller's email wait to be attached (a count only)."""
    return GuestOrdersOut(orders=guests.guest_order_count(registered_self(request.ctx)))


@router.post(
    "/me/guest-orders/claim", response={202: GuestOrdersClaimOut, 404: ErrorOut, **ERRORS_AUTH}, auth=token_or_session
)
def guest_orders_claim(request: ConciergeRequest) -> Status:
    """Email a one-time link (valid 24 hours) to the caller's sign-in address; nothing is attached
    until it is followed. 404 ``guest.no_orders`` when there is nothing to attach."""
    ctx = request.ctx
    count = guests.guest_orders_claim(
        ctx, link=lambda token: request.build_absolute_uri(reverse("storefront:guest_orders_attach", args=[token]))
    )
    return Status(202, GuestOrdersClaimOut(orders=count, sent_to=ctx.signed_in_user.email))


@router.post(
    "/me/guest-orders/attach",
    response={200: GuestOrdersAttachOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=token_or_session,
)
def guest_orders_attach(request: ConciergeRequest, payload: GuestOrdersAttachIn) -> GuestOrdersAttachOut:
    """Attach the guest orders the emailed link names to the caller: 403 ``guest.link_other_user``
    (another account's link), 404 ``guest.link_invalid``, 409 ``guest.link_used``, 410 ``guest.link_expired``."""
    numbers = guests.guest_orders_attach(request.ctx, token=payload.token, with_addresses=payload.include_addresses)
    return GuestOrdersAttachOut(attached=numbers)
