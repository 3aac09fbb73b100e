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
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, Out
from concierge.api.types import NO_CONTROL_CHARACTERS, BodyId, ShortText
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, SessionVerification
from concierge.assist.services import assisting, session_end, session_start, session_touch
from concierge.assist.verification import (
    is_expired,
    tries_left,
    verification_begin,
    verification_cancel,
    verification_confirm,
    verification_needed_for,
    verification_of,
    verification_resend,
)
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


class FoundCustomerOut(Out):
    id: int
    shared_id: str
    kind: str
    name: str
    email: str
    phone: str
    postal_code: str
    store: str
    assistance_allowed: bool


class FindOut(Out):
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


class VerificationOut(Schema):
    """A session waiting for the customer's one-time code: send it to
    ``/assist/verifications/{id}/confirm``. The code itself is never in an answer."""

    id: int
    status: str = Field(description="PENDING, VERIFIED, EXPIRED, SPENT (too many wrong codes) or CANCELLED.")
    sent_with: str = Field(description="Where the code went: EMAIL, DEVICE or EMAIL_AND_DEVICE.")
    expires_at: dt.datetime
    tries_left: int


class CodeIn(Schema):
    code: Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9 -]*$")] = Field(
        description="The six digits the customer reads out; spaces and dashes between them are ignored."
    )


def _verification_out(verification: SessionVerification) -> VerificationOut:
    status = SessionVerification.Status.EXPIRED if is_expired(verification) else verification.status
    return VerificationOut(id=verification.pk, status=status, sent_with=verification.sent_with,
                           expires_at=verification.expires_at, tries_left=tries_left(verification))  # fmt: skip


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
    return FindOut(customers=[_found(c, postal_code) for c, postal_code in result.rows], more=result.more)


def _found(customer: Customer, postal_code: str) -> FoundCustomerOut:
    return FoundCustomerOut(
        id=customer.pk,
        shared_id=customer.shared_id,
        kind=customer.kind,
        name=customer.display_name,
        email=customer.email,
        phone=customer.phone,
        postal_code=postal_code,
        store=customer.store.code,
        assistance_allowed=not customer.assistance_opt_out,
    )


@router.post("/assist/sessions", response={201: SessionOut, 202: VerificationOut, **ERRORS}, auth=token_or_session)
def session_create(request: ConciergeRequest, payload: SessionIn) -> Status:
    """Access customer's account: start acting for the customer. Send the returned id as
    ``X-Assisted-Session`` on later requests. An open session of yours elsewhere ends.

    Where the customer's store requires verification, the answer is 202 with a pending
    verification instead: the customer is sent a code, which they read out; send it to
    ``/assist/verifications/{id}/confirm`` to start the session."""
    if verification_needed_for(payload.customer_id):
        verification = verification_begin(request.ctx, customer_id=payload.customer_id, reason=payload.reason,
                                          ticket=payload.ticket, purpose=SessionVerification.Purpose.API)  # fmt: skip
        return Status(202, _verification_out(verification))
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


@router.get("/assist/verifications/{verification_id}", response={200: VerificationOut, **ERRORS},
            auth=token_or_session)  # fmt: skip
def verification_read(request: ConciergeRequest, verification_id: int) -> VerificationOut:
    """A verification of yours: its state, until when the code works and the tries left."""
    return _verification_out(verification_of(request.ctx, verification_id))


@router.post("/assist/verifications/{verification_id}/confirm", response={201: SessionOut, **ERRORS},
             auth=token_or_session)  # fmt: skip
def verification_confirm_route(request: ConciergeRequest, verification_id: int, payload: CodeIn) -> Status:
    """The code the customer read out: with the right one, in time, the session starts (201).
    A wrong code is 400 ``assist.verification_wrong`` with the tries left in ``fields.code``; the
    last wrong try spends the code (409 ``assist.verification_spent`` after), as time does (409
    ``assist.verification_expired``): send a new code."""
    session = verification_confirm(request.ctx, verification_id=verification_id, code=payload.code)
    return Status(201, _session_out(assisting(request.ctx, session), session))


@router.post("/assist/verifications/{verification_id}/resend", response={200: VerificationOut, 429: ErrorOut,
             **ERRORS}, auth=token_or_session)  # fmt: skip
def verification_resend_route(request: ConciergeRequest, verification_id: int) -> VerificationOut:
    """Send a new code: the one sent before stops working; the tries and the minutes start again."""
    return _verification_out(verification_resend(request.ctx, verification_id=verification_id))


@router.post("/assist/verifications/{verification_id}/cancel", response={200: VerificationOut, **ERRORS},
             auth=token_or_session)  # fmt: skip
def verification_cancel_route(request: ConciergeRequest, verification_id: int) -> VerificationOut:
    """Give up on the start: the code stops working and no session starts."""
    return _verification_out(verification_cancel(request.ctx, verification_id=verification_id))
