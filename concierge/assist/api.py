"""Assisted shopping over the API: find a customer, start, renew and end an assisted session (the
customer's cart lock and binding a cart are in ``carts/api.py``).

A bearer-token caller names its session in each request with ``X-Assisted-Session: <id>`` (a
browser session carries it by itself); every response then says who acts for whom — in the body
of these routes, and in the ``X-Acting-Agent`` / ``X-On-Behalf-Of`` headers of every API answer.
Cart changes under a lock send its token as ``X-Lease-Token``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, BodyId, ShortText
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession
from concierge.assist.services import assisting, session_end, session_start, session_touch
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.customers.models import Customer
from concierge.customers.search import FIND_FIELDS, PHONE_PATTERN, RESULT_LIMIT, Criteria
from concierge.customers.selectors import find_customers
from concierge.identity.api import ActingOut, acting_out

router = Router(tags=["assisted shopping"])
TicketText = Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS)]
ERRORS = {404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}


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


def _session_out(ctx: ActingContext, session: AssistedSession) -> SessionOut:
    fields = {name: getattr(session, name) for name in SessionOut.model_fields if name != "acting"}
    return SessionOut(**fields, acting=acting_out(ctx))


# The query of Find customer: the criteria of the one table (``customers.search.FIND_FIELDS``) the
# console's form is built from too, each limited to that table's length (a test checks they agree).
def _criterion(name: str) -> StringConstraints:
    pattern = PHONE_PATTERN if name == "phone" else NO_CONTROL_CHARACTERS
    return StringConstraints(max_length=FIND_FIELDS[name][1], pattern=pattern)


class FindQuery(Schema):
    first_name: Annotated[str, _criterion("first_name")] = ""
    last_name: Annotated[str, _criterion("last_name")] = ""
    email: Annotated[str, _criterion("email")] = ""
    phone: Annotated[str, _criterion("phone")] = ""
    postal_code: Annotated[str, _criterion("postal_code")] = ""
    customer_id: Annotated[str, _criterion("customer_id")] = ""
    organization: Annotated[str, _criterion("organization")] = ""


@router.get("/customers", response={200: FindOut, **ERRORS}, auth=token_or_session)
def customers_find(request: ConciergeRequest, query: Query[FindQuery]) -> FindOut:
    """Find customer (customer service only): every criterion matches by prefix, ignoring case and
    accents; at most 20 of the stores the caller serves. Without any criterion, nothing is found.
    A phone criterion must look like a phone number (422 otherwise)."""
    criteria = Criteria.parse(query.dict(), strict=True)  # no criteria: no customers
    result = find_customers(request.ctx, criteria)
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
def session_create(request: ConciergeRequest, payload: SessionIn) -> Status:
    """Access customer's account: start acting for the customer. Send the returned id as
    ``X-Assisted-Session`` on later requests. An open session of yours elsewhere ends."""
    session = session_start(
        request.ctx,
        customer_id=payload.customer_id,
        reason=payload.reason,
        ticket=payload.ticket,
        channel=AssistedSession.Channel.API,
    )
    return Status(201, _session_out(assisting(request.ctx, session), session))


@router.get("/assist/sessions/current", response={200: SessionOut, **ERRORS}, auth=token_or_session)
def session_current(request: ConciergeRequest) -> SessionOut:
    ctx = request.ctx
    if not ctx.is_assisting:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    return _session_out(ctx, ctx.assisted_session)


@router.post("/assist/sessions/current/end", response={200: SessionOut, **ERRORS}, auth=token_or_session)
def session_finish(request: ConciergeRequest) -> SessionOut:
    """Sign in as Yourself: stop acting for the customer; their cart locks are released."""
    ctx = request.ctx
    session = session_end(ctx)
    return _session_out(ctx.evolve(customer=None, account=None, assisted_session=None), session)


@router.post("/assist/sessions/current/heartbeat", response={200: SessionOut, **ERRORS}, auth=token_or_session)
def session_heartbeat(request: ConciergeRequest) -> SessionOut:
    """The agent is still at work: push the session's idle deadline and their cart locks for the
    customer out (a GET never does; RELIABILITY bar 15). Send it every few minutes while idle."""
    ctx = request.ctx
    if not ctx.is_assisting:
        raise DomainError(AssistError.NOT_ASSISTING, "You are not assisting a customer.", status=409)
    session_touch(ctx)
    return _session_out(ctx, ctx.assisted_session)
