"""Attach my guest orders over the API, for a signed-in registered shopper: how many guest orders
their email has in their store, ask for the emailed link, and attach with the link's token (the
last part of the link's path).

Guest checkout itself is a browser flow: the guest is kept in the browser session
(``assist/guest_checkout.py``), while the API's checkout serves signed-in callers only.
"""

from __future__ import annotations

from typing import Annotated

from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS
from concierge.assist import guest_checkout as guests
from concierge.core.requests import ConciergeRequest
from concierge.customers.guests import registered_self

router = Router(tags=["guest orders"])
LinkToken = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_CONTROL_CHARACTERS)]


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
