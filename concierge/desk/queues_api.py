"""The desk's queues in the API: held orders, refunds awaiting approval, locked orders and carts, live
assisted sessions — the counts, one page of each queue (the console's sorts, store filter and
pages), and the actions on their rows. Supervisors and administrators only (the View Desk
privilege: anyone else is 403 ``permission_denied``); rows of the stores they serve only (any other
row is 404 ``not_found``). Errors have the one shape ``{"code", "message", "fields"}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS
from concierge.assist.supervision import (
    END_NOTE_MAX,
    session_end_by_supervisor,
    session_transfer_by_supervisor,
    supervised_session,
    supervisor_transfer_candidates,
)
from concierge.assist.transfer import NOTE_MAX as TRANSFER_NOTE_MAX
from concierge.core.requests import ConciergeRequest
from concierge.desk.queues import (
    HELD,
    LOCKS,
    REFUNDS,
    SESSIONS,
    LockRow,
    Page,
    Queue,
    check_desk,
    desk_cart_unlock,
    desk_order_unlock,
    desk_refund_approve,
    desk_refund_reject,
    desk_scope,
    queue_counts,
    queue_page,
)
from concierge.orders.locks import REASON_MAX
from concierge.orders.refunds import NOTE_MAX as REFUND_NOTE_MAX

router = Router(tags=["supervisor's desk"])

# Every desk route answers 401/403 with the API's error shape.
DESK_ERRORS = ERRORS_AUTH
NOT_FOUND = {404: ErrorOut}
READ_ERRORS = {**ERRORS_INPUT, **DESK_ERRORS}  # a query the schema refuses is 422 `request.invalid`
ACTION_ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut, **DESK_ERRORS}

Direction = Literal["", "asc", "desc"]
OrderNumber = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern="^[A-Za-z0-9-]+$")]


RejectReason = Annotated[
    str, StringConstraints(min_length=1, max_length=REFUND_NOTE_MAX, pattern=NO_CONTROL_CHARACTERS)
]
UnlockReason = Annotated[str, StringConstraints(min_length=1, max_length=REASON_MAX, pattern=NO_CONTROL_CHARACTERS)]
EndNote = Annotated[str, StringConstraints(min_length=1, max_length=END_NOTE_MAX, pattern=NO_CONTROL_CHARACTERS)]


class DeskCountsOut(Schema):
    on_hold: int = Field(description="Orders On Hold.")
    refunds: int = Field(description="Refunds awaiting approval.")
    locks: int = Field(description="Orders and carts someone holds the lock of now.")
    sessions: int = Field(description="Live assisted sessions.")


class DeskQueryBase(Schema):
    store: int | None = Field(None, ge=1, le=2**63 - 1, description="One of the stores you serve (its id); "
                              "another store's rows are nobody's here (an empty page).")  # fmt: skip
    direction: Direction = Field("", description="Empty: the queue's default direction.")
    page: int = Field(1, ge=1, le=100_000, description="A page past the end is the last page.")


class HeldQuery(DeskQueryBase):
    sort: Literal["", "number", "customer", "store", "age", "total"] = ""


class RefundQuery(DeskQueryBase):
    sort: Literal["", "requested", "order", "store", "amount", "requested_by"] = ""


class LockQuery(DeskQueryBase):
    sort: Literal["", "item", "kind", "holder", "since", "expires"] = ""


class SessionQuery(DeskQueryBase):
    sort: Literal["", "agent", "customer", "reason", "case", "since", "active"] = ""


class DeskPageInfo(Schema):
    total: int
    page: int
    pages: int
    sort: str
    direction: Literal["asc", "desc"]


class DeskHoldOut(Schema):
    kind: str = Field(description="The hold rule's kind (TOTAL_ABOVE, FIRST_ORDER, COUNTRIES_DIFFER; empty "
                      "when its rule is gone).")  # fmt: skip
    label: str = Field(description="The hold as a person names it: its rule's name.")
    status: str


class DeskHeldOrderOut(Schema):
    number: str
    customer: str
    store: str
    holds: list[DeskHoldOut]
    held_since: dt.datetime
    age: str = Field(description='How long it has been On Hold, in words ("3 days 4 hours").')
    total: Decimal
    currency: str
    holds_tab: str = Field(description="The order's Holds tab in the console.")


class DeskHeldPage(DeskPageInfo):
    rows: list[DeskHeldOrderOut]


class DeskRefundOut(Schema):
    id: int
    order: str
    order_version: int = Field(description="The order's version now: send it as `version` to decide.")
    customer: str
    store: str
    amount: Decimal
    currency: str
    requested_at: dt.datetime
    requested_by: str
    note: str
    yours: bool = Field(description="You requested it: another person decides (four-eyes).")


class DeskRefundPage(DeskPageInfo):
    rows: list[DeskRefundOut]


class DeskLockOut(Schema):
    kind: Literal["order", "cart"]
    id: int = Field(description="The cart's id (for POST …/locks/carts/{id}/unlock); the order's is its number.")
    order: str | None = Field(None, description="The order's number, for an order.")
    customer: str
    store: str
    holder: str
    since: dt.datetime
    last_renewed: dt.datetime
    expires_at: dt.datetime


class DeskLockPage(DeskPageInfo):
    rows: list[DeskLockOut]


class DeskSessionOut(Schema):
    id: int
    agent: str
    customer: str
    store: str
    reason: str
    case: str
    since: dt.datetime
    last_active: dt.datetime


class DeskSessionPage(DeskPageInfo):
    rows: list[DeskSessionOut]


class DeskDecisionIn(Schema):
    version: int | None = Field(None, ge=0, le=2**31, description="The order version the queue showed; a "
                                "different one is 412 `order.stale`.")  # fmt: skip


class DeskRejectIn(DeskDecisionIn):
    reason: RejectReason = Field(description=f"Why; at most {REFUND_NOTE_MAX} characters.")


class DeskDecisionOut(Schema):
    id: int
    order: str
    status: str = Field(description="The refund's status now: PENDING or ISSUED once approved, REJECTED.")
    status_label: str


class DeskUnlockIn(Schema):
    reason: UnlockReason = Field(
        description=f"Why; at most {REASON_MAX} characters, recorded with the previous holder."
    )


class DeskUnlockOut(Schema):
    unlocked: bool = Field(description="False when nobody held the lock any more: nothing changed.")


class DeskEndIn(Schema):
    note: EndNote = Field(description=f"Why; at most {END_NOTE_MAX} characters. The agent is told on their next step.")


class DeskEndedOut(Schema):
    id: int
    end_reason: str
    ended_at: dt.datetime


class DeskColleagueOut(Schema):
    id: int
    name: str


class DeskTransferIn(Schema):
    to: int = Field(ge=1, le=2**63 - 1, description="A colleague of the customer's store (GET …/colleagues).")
    note: str = Field("", max_length=TRANSFER_NOTE_MAX, pattern=NO_CONTROL_CHARACTERS)


class DeskTransferOut(Schema):
    transfer: int
    to: str
    status: str


def _info(page: Page) -> dict[str, Any]:
    return {"total": page.total, "page": page.page, "pages": page.pages, "sort": page.sort,
            "direction": "desc" if page.descending else "asc"}  # fmt: skip


def _page(request: ConciergeRequest, queue: Queue, params: DeskQueryBase) -> Page:
    scope = desk_scope(request.ctx, store_id=params.store)
    descending = {"asc": False, "desc": True}.get(params.direction)
    return queue_page(scope, queue, sort=getattr(params, "sort", ""), descending=descending, page=params.page)


@router.get("/service/desk/counts", response={200: DeskCountsOut, **READ_ERRORS})
def desk_counts(request: ConciergeRequest, store: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Any:
    """How many rows each queue has now, in the stores you serve (or the one named)."""
    counts = queue_counts(desk_scope(request.ctx, store_id=store))
    return DeskCountsOut(on_hold=counts[HELD.key], refunds=counts[REFUNDS.key], locks=counts[LOCKS.key],
                         sessions=counts[SESSIONS.key])  # fmt: skip


@router.get("/service/desk/on-hold", response={200: DeskHeldPage, **READ_ERRORS})
def desk_on_hold(request: ConciergeRequest, params: Query[HeldQuery]) -> Any:
    """Orders On Hold, with their holds and how long they have waited."""
    page = _page(request, HELD, params)
    rows = [
        DeskHeldOrderOut(
            number=o.number, customer=o.customer.display_name if o.customer else "Guest", store=o.store.name,
            holds=[DeskHoldOut(kind=h.rule.kind if h.rule else "", label=label, status=h.status)
                   for h, label in zip(o.desk_holds, _labels(o.desk_holds), strict=True)],
            held_since=o.held_since, age=o.desk_age, total=o.total, currency=o.currency,
            holds_tab=f"/service/orders/{o.number}/?tab=holds",
        )
        for o in page.rows
    ]  # fmt: skip
    return DeskHeldPage(rows=rows, **_info(page))


def _labels(holds: list[Any]) -> list[str]:
    return [h.rule.name if h.rule is not None else h.reason.split(":", 1)[0] for h in holds]


@router.get("/service/desk/refunds", response={200: DeskRefundPage, **READ_ERRORS})
def desk_refunds(request: ConciergeRequest, params: Query[RefundQuery]) -> Any:
    """Refunds awaiting approval."""
    page = _page(request, REFUNDS, params)
    viewer = request.ctx.signed_in_user.pk
    rows = [
        DeskRefundOut(
            id=r.pk, order=r.order.number, order_version=r.order.version,
            customer=r.order.customer.display_name if r.order.customer else "Guest", store=r.order.store.name,
            amount=r.amount, currency=r.currency, requested_at=r.created_at,
            requested_by=r.requested_by.display_name if r.requested_by else "Concierge", note=r.note,
            yours=r.requested_by_id == viewer,
        )
        for r in page.rows
    ]  # fmt: skip
    return DeskRefundPage(rows=rows, **_info(page))


def _lock_out(lock: LockRow) -> DeskLockOut:
    return DeskLockOut(kind=lock.kind, id=lock.pk, order=lock.number or None,
                       customer=lock.customer, store=lock.store.name if lock.store else "", holder=lock.holder,
                       since=lock.since, last_renewed=lock.last_renewed, expires_at=lock.expires_at)  # fmt: skip


@router.get("/service/desk/locks", response={200: DeskLockPage, **READ_ERRORS})
def desk_locks(request: ConciergeRequest, params: Query[LockQuery]) -> Any:
    """Orders open for editing and customers' carts locked by customer service, now."""
    page = _page(request, LOCKS, params)
    return DeskLockPage(rows=[_lock_out(lock) for lock in page.rows], **_info(page))


@router.get("/service/desk/sessions", response={200: DeskSessionPage, **READ_ERRORS})
def desk_sessions(request: ConciergeRequest, params: Query[SessionQuery]) -> Any:
    """Live assisted sessions."""
    page = _page(request, SESSIONS, params)
    rows = [
        DeskSessionOut(id=s.pk, agent=s.agent.display_name, customer=s.customer.display_name,
                       store=s.customer.store.name, reason=s.reason, case=s.ticket, since=s.started_at,
                       last_active=s.last_seen_at)
        for s in page.rows
    ]  # fmt: skip
    return DeskSessionPage(rows=rows, **_info(page))


def _decision(refund: Any) -> DeskDecisionOut:
    return DeskDecisionOut(id=refund.pk, order=refund.order.number, status=refund.status,
                           status_label=refund.get_status_display())  # fmt: skip


@router.post("/service/desk/refunds/{refund_id}/approve", response={200: DeskDecisionOut, **ACTION_ERRORS})
def desk_refund_approve_route(
    request: ConciergeRequest, refund_id: Annotated[int, Field(ge=1, le=2**63 - 1)], body: DeskDecisionIn
) -> Any:
    """Approve a refund (the Approve Refund privilege; never one you requested: 403
    `refund.own_request`). The order is locked for the decision and unlocked by it; someone else
    editing it is 409 `order.locked`."""
    return _decision(desk_refund_approve(request.ctx, refund_id=refund_id, version=body.version))


@router.post("/service/desk/refunds/{refund_id}/reject", response={200: DeskDecisionOut, **ACTION_ERRORS})
def desk_refund_reject_route(
    request: ConciergeRequest, refund_id: Annotated[int, Field(ge=1, le=2**63 - 1)], body: DeskRejectIn
) -> Any:
    """Reject a refund with a reason (never one you requested)."""
    return _decision(desk_refund_reject(request.ctx, refund_id=refund_id, reason=body.reason, version=body.version))


@router.post("/service/desk/locks/orders/{number}/unlock", response={200: DeskUnlockOut, **ACTION_ERRORS})
def desk_order_unlock_route(request: ConciergeRequest, number: OrderNumber, body: DeskUnlockIn) -> Any:
    """Unlock an order someone holds (the Unlock Order privilege), with a reason."""
    _order, previous = desk_order_unlock(request.ctx, number=number, reason=body.reason)
    return DeskUnlockOut(unlocked=previous is not None)


@router.post("/service/desk/locks/carts/{cart_id}/unlock", response={200: DeskUnlockOut, **ACTION_ERRORS})
def desk_cart_unlock_route(
    request: ConciergeRequest, cart_id: Annotated[int, Field(ge=1, le=2**63 - 1)], body: DeskUnlockIn
) -> Any:
    """Unlock a customer's cart that customer service holds (the Unlock Order privilege), with a reason."""
    _cart, previous = desk_cart_unlock(request.ctx, cart_id=cart_id, reason=body.reason)
    return DeskUnlockOut(unlocked=previous is not None)


@router.post("/service/desk/sessions/{session_id}/end", response={200: DeskEndedOut, **ACTION_ERRORS})
def desk_session_end_route(
    request: ConciergeRequest, session_id: Annotated[int, Field(ge=1, le=2**63 - 1)], body: DeskEndIn
) -> Any:
    """End a live session with a reason: its cart locks are let go; the agent is told on their next
    step; the customer's ledger says a supervisor ended it. An ended one is 409 `assist.session_ended`."""
    check_desk(request.ctx)
    session = session_end_by_supervisor(request.ctx, session_id=session_id, note=body.note)
    return DeskEndedOut(id=session.pk, end_reason=session.end_reason, ended_at=session.ended_at or session.started_at)


@router.get("/service/desk/sessions/{session_id}/colleagues",
            response={200: list[DeskColleagueOut], **NOT_FOUND, 409: ErrorOut, **READ_ERRORS})  # fmt: skip
def desk_session_colleagues(request: ConciergeRequest, session_id: Annotated[int, Field(ge=1, le=2**63 - 1)]) -> Any:
    """Whom the session may be transferred to: agents of the customer's store signed in lately."""
    check_desk(request.ctx)
    session = supervised_session(request.ctx, session_id)
    return [
        DeskColleagueOut(id=u.pk, name=u.display_name) for u in supervisor_transfer_candidates(request.ctx, session)
    ]


@router.post("/service/desk/sessions/{session_id}/transfer", response={201: DeskTransferOut, **ACTION_ERRORS})
def desk_session_transfer_route(
    request: ConciergeRequest, session_id: Annotated[int, Field(ge=1, le=2**63 - 1)], body: DeskTransferIn
) -> Any:
    """Offer the session to a colleague (400 `assist.transfer_refused` for anyone else); it moves to
    them when they accept it on their Customer Service page."""
    check_desk(request.ctx)
    offer = session_transfer_by_supervisor(request.ctx, session_id=session_id, to_user_id=body.to, note=body.note)
    return Status(201, DeskTransferOut(transfer=offer.pk, to=offer.to_agent.display_name, status=offer.status))
