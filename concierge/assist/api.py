"""Assisted shopping over the API: find a customer, start and end an assisted session, lock,
unlock and take over the customer's cart, bind an anonymous cart.

A bearer-token caller names its session in each request with ``X-Assisted-Session: <id>`` (a
browser session carries it by itself); every response then says who acts for whom — in the body
of these routes, and in the ``X-Acting-Agent`` / ``X-On-Behalf-Of`` headers of every API answer.
Cart changes under a lock send its token as ``X-Lease-Token``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, BodyId, EmailText, NameText, PhoneText, ShortText
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession
from concierge.assist.policies import may_assist
from concierge.assist.services import session_end, session_start
from concierge.carts import services as carts
from concierge.carts.selectors import active_cart
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.customers.models import Customer
from concierge.customers.search import RESULT_LIMIT, Criteria, find_customers
from concierge.identity.api import acting_as_text
from concierge.identity.models import User

router = Router(tags=["assisted shopping"])
TicketText = Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS)]
CodeText = Annotated[str, StringConstraints(max_length=12, pattern=NO_CONTROL_CHARACTERS)]
PostalText = Annotated[str, StringConstraints(max_length=20, pattern=NO_CONTROL_CHARACTERS)]
SharedIdText = Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL_CHARACTERS)]
ERRORS = {404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
LeaseToken = Header(None, alias="X-Lease-Token", description="The token of the cart lock the caller holds.")


class PartyOut(Schema):
    id: int
    name: str


class ActingOut(Schema):
    """Who acts (the agent) and for whom (the customer), in which assisted session."""

    agent: PartyOut
    on_behalf_of: PartyOut | None
    session: int | None
    acting_as: str


class FoundCustomerOut(Schema):
    id: int
    shared_id: str
    kind: str
    name: str
    email: str
    phone: str
    postal_code: str
    store: str
    assistance_allowed: bool


class FindOut(Schema):
    customers: list[FoundCustomerOut]
    more: bool = Field(description=f"More than {RESULT_LIMIT} match: add criteria to narrow the search.")


class SessionIn(Schema):
    customer_id: BodyId
    reason: ShortText = ""
    ticket: TicketText = ""


class SessionOut(Schema):
    id: int
    channel: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str
    ticket: str
    acting: ActingOut


class LockIn(Schema):
    takeover: bool = Field(False, description="Take the lock over from another agent who holds it.")


class LockOut(Schema):
    cart_id: int
    cart_code: str
    lease_token: str = Field(description="Send it as X-Lease-Token with every change under this lock.")
    expires_at: dt.datetime
    took_over_from: str | None
    acting: ActingOut


class BindIn(Schema):
    code: CodeText


class BoundOut(Schema):
    cart_id: int
    cart_code: str
    version: int
    lines: int
    acting: ActingOut


def acting_out(ctx: ActingContext) -> ActingOut:
    customer = ctx.customer if ctx.is_assisting else None
    return ActingOut(
        agent=PartyOut(id=ctx.user.pk, name=ctx.user.display_name),
        on_behalf_of=PartyOut(id=customer.pk, name=customer.display_name) if customer else None,
        session=ctx.assisted_session.pk if ctx.is_assisting else None,
        acting_as=acting_as_text(ctx),
    )


def _session_out(ctx: ActingContext, session: AssistedSession) -> SessionOut:
    return SessionOut(
        id=session.pk,
        channel=session.channel,
        started_at=session.started_at,
        ended_at=session.ended_at,
        end_reason=session.end_reason,
        ticket=session.ticket,
        acting=acting_out(ctx),
    )


def _console(ctx: ActingContext) -> None:
    if ctx.user is None or not may_assist(ctx.user):
        raise DomainError(CommonError.PERMISSION_DENIED, "You do not have permission to find customers.", status=403)


class FindQuery(Schema):
    first_name: NameText = ""
    last_name: NameText = ""
    email: EmailText = ""
    phone: PhoneText = ""
    postal_code: PostalText = ""
    customer_id: SharedIdText = ""
    organization: ShortText = ""


@router.get("/customers", response={200: FindOut, **ERRORS}, auth=token_or_session)
def customers_find(request: HttpRequest, query: Query[FindQuery]) -> FindOut:
    """Find customer: every criterion matches by prefix, ignoring case and accents; at most 20 of
    the stores the caller serves. Without any criterion, nothing is found."""
    ctx = request.ctx
    _console(ctx)
    criteria = Criteria.parse(query.dict())  # no criteria: no customers
    result = find_customers(criteria, store_ids=ctx.user.stores.values_list("pk", flat=True))
    return FindOut(customers=[_found(c) for c in result.customers], more=result.more)


def _found(customer: Customer) -> FoundCustomerOut:
    address = next(iter(customer.addresses.all()), None)
    return FoundCustomerOut(
        id=customer.pk,
        shared_id=customer.shared_id,
        kind=customer.kind,
        name=customer.display_name,
        email=customer.email,
        phone=customer.phone,
        postal_code=address.postal_code if address else "",
        store=customer.store.code,
        assistance_allowed=not customer.assistance_opt_out,
    )


@router.post("/assist/sessions", response={201: SessionOut, **ERRORS}, auth=token_or_session)
def session_create(request: HttpRequest, payload: SessionIn) -> Status:
    """Access customer's account: start acting for the customer. Send the returned id as
    ``X-Assisted-Session`` on later requests. An open session of yours elsewhere ends."""
    session = session_start(
        request.ctx,
        customer_id=payload.customer_id,
        reason=payload.reason,
        ticket=payload.ticket,
        channel=AssistedSession.Channel.API,
    )
    from concierge.assist.services import assisting

    return Status(201, _session_out(assisting(request.ctx, session), session))


@router.get("/assist/sessions/current", response={200: SessionOut, **ERRORS}, auth=token_or_session)
def session_current(request: HttpRequest) -> SessionOut:
    ctx = request.ctx
    if not ctx.is_assisting:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    return _session_out(ctx, ctx.assisted_session)


@router.post("/assist/sessions/current/end", response={200: SessionOut, **ERRORS}, auth=token_or_session)
def session_finish(request: HttpRequest) -> SessionOut:
    """Sign in as Yourself: stop acting for the customer; their cart locks are released."""
    ctx = request.ctx
    session = session_end(ctx)
    return _session_out(ctx.evolve(customer=None, account=None, assisted_session=None), session)


def _assisted_cart(ctx: ActingContext):
    if not ctx.is_assisting:
        raise DomainError(AssistError.NOT_ASSISTING, "Start an assisted session first.", status=409)
    cart, _ = carts.cart_open(ctx, anonymous_token=None)
    return cart


@router.post("/assist/cart/lock", response={200: LockOut, **ERRORS}, auth=token_or_session)
def cart_lock(request: HttpRequest, payload: LockIn) -> LockOut:
    """Lock the assisted customer's cart (or take the lock over with ``takeover``)."""
    ctx = request.ctx
    cart = _assisted_cart(ctx)
    grant = carts.cart_lock(ctx, cart=cart, takeover=payload.takeover)
    previous = User.objects.filter(pk=grant.previous_holder_id).first() if grant.previous_holder_id else None
    return LockOut(
        cart_id=cart.pk,
        cart_code=cart.code,
        lease_token=grant.token,
        expires_at=grant.expires_at,
        took_over_from=previous.display_name if previous else None,
        acting=acting_out(ctx),
    )


@router.post("/assist/cart/unlock", response={204: None, **ERRORS}, auth=token_or_session)
def cart_unlock(request: HttpRequest, lease_token: str | None = LeaseToken) -> Status:
    ctx = request.ctx
    if not ctx.is_assisting:
        raise DomainError(AssistError.NOT_ASSISTING, "Start an assisted session first.", status=409)
    cart = active_cart(ctx, anonymous_token=None)
    if cart is None:
        raise DomainError(carts.CartError.NOT_FOUND, "The customer has no cart.", status=404)
    carts.cart_unlock(ctx, cart=cart, lease_token=lease_token)
    return Status(204, None)


@router.post("/assist/cart/bind", response={200: BoundOut, **ERRORS}, auth=token_or_session)
def cart_bind(request: HttpRequest, payload: BindIn, lease_token: str | None = LeaseToken) -> BoundOut:
    """Bind the anonymous cart with this code to the assisted customer (its items join their cart)."""
    ctx = request.ctx
    cart = carts.cart_bind(ctx, code=payload.code, lease_token=lease_token)
    return BoundOut(cart_id=cart.pk, cart_code=cart.code, version=cart.version, lines=cart.lines.count(),
                    acting=acting_out(ctx))  # fmt: skip
