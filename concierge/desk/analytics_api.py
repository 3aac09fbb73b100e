"""The desk's assisted-sales figures in the API: the same figures and scope as the analytics page
(``concierge.desk.analytics``): a supervisor's stores and every CSR of them; a CSR's own figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS
from concierge.core.errors import CommonError, DomainError
from concierge.core.requests import ConciergeRequest
from concierge.desk.analytics import Figures, Tally, analytics_scope, figures, parse_period, today_of

router = Router(tags=["supervisor's desk"])

# Every desk route answers 401/403 with the API's error shape.
DESK_ERRORS = ERRORS_AUTH
ERRORS_FIGURES = {404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
Text20 = Annotated[str, StringConstraints(max_length=20, pattern=NO_CONTROL_CHARACTERS)]
StoreCode = Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL_CHARACTERS)]


# What the schema states of a day; the rest (To before From or after today, over 366 days, a day
# that no month has) is the API's to refuse with `desk.dates_invalid`, as it refuses any other period
# than the four with `desk.period_invalid` (the value is taken as text so that the refusal has its code).
DAY_PATTERN = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class DeskPeriodIn(Schema):
    period: Text20 = Field(default="30", json_schema_extra={"enum": ["7", "30", "90", "custom"]},
                           description="7, 30 or 90 (days up to today), or custom (with from and to). "
                           "Anything else: 400 `desk.period_invalid`.")  # fmt: skip
    from_: Text20 = Field(default="", alias="from", json_schema_extra={"pattern": DAY_PATTERN},
                          description="Custom: the first day, YYYY-MM-DD, in each store's time zone. Missing or "
                          "not a date: 400 `desk.dates_invalid`.")  # fmt: skip
    to: Text20 = Field(default="", json_schema_extra={"pattern": DAY_PATTERN},
                       description="Custom: the last day, YYYY-MM-DD (today at the latest; at most 366 days after "
                       "from). Otherwise: 400 `desk.dates_invalid`.")  # fmt: skip
    store: StoreCode = Field(default="", description="A store's code among those you serve (404 otherwise); "
                             "empty: every store you serve.")  # fmt: skip


class DeskAmountOut(Schema):
    currency: str
    amount: Decimal


class DeskPeriodOut(Schema):
    first: dt.date
    last: dt.date
    preset: str


class DeskStoreRefOut(Schema):
    code: str
    name: str
    time_zone: str


class DeskTallyOut(Schema):
    sessions: int = Field(description="Assisted sessions that ended in the period.")
    average_minutes: Decimal | None
    median_minutes: Decimal | None = Field(description="Of the sessions' lengths in whole minutes.")
    sessions_with_cart: int
    sessions_with_order: int
    conversion: Decimal | None = Field(description="Sessions with an order, of all sessions (0 to 1).")
    assisted_orders: int
    alone_orders: int | None = Field(description="Orders placed by shoppers alone (not in a CSR's own figures).")
    revenue: list[DeskAmountOut] = Field(description="Assisted revenue, per currency.")
    average_order_value: list[DeskAmountOut]
    returns: int
    refunds: int
    refunded: list[DeskAmountOut]
    takeovers: int
    handed_back: int
    checked_out: int


class DeskCsrFiguresOut(DeskTallyOut):
    csr_id: int
    csr_name: str


class DeskTeamFiguresOut(DeskTallyOut):
    store: str
    store_name: str


class DeskCountOut(Schema):
    label: str
    sessions: int


class DeskFiguresOut(Schema):
    period: DeskPeriodOut
    stores: list[DeskStoreRefOut]
    own_only: bool = Field(description="A CSR's own figures (no view_desk privilege).")
    totals: DeskTallyOut
    by_csr: list[DeskCsrFiguresOut]
    by_team: list[DeskTeamFiguresOut] = Field(description="A team is the customer-service staff of one store.")
    by_reason: list[DeskCountOut]
    by_end: list[DeskCountOut] = Field(description="By how the sessions ended (their end reasons' labels).")


class DeskDayOut(Schema):
    day: dt.date
    sessions: int
    assisted_orders: int
    alone_orders: int | None


def _amounts(values: dict[str, Decimal]) -> list[DeskAmountOut]:
    return [DeskAmountOut(currency=c, amount=v.quantize(Decimal("0.01"))) for c, v in sorted(values.items())]


def _tally(t: Tally, *, own: bool) -> dict[str, Any]:
    return {
        "sessions": t.sessions, "average_minutes": t.average_minutes, "median_minutes": t.median_minutes,
        "sessions_with_cart": t.with_cart, "sessions_with_order": t.converted,
        "conversion": t.conversion.quantize(Decimal("0.0001")) if t.conversion is not None else None,
        "assisted_orders": t.assisted_orders, "alone_orders": None if own else t.alone_orders,
        "revenue": _amounts(t.revenue), "average_order_value": _amounts(t.average_order_value),
        "returns": t.returns, "refunds": t.refunds, "refunded": _amounts(t.refunded),
        "takeovers": t.takeovers, "handed_back": t.handed_back, "checked_out": t.checked_out,
    }  # fmt: skip


def _figures(request: ConciergeRequest, params: DeskPeriodIn) -> Figures:
    repeated = [name for name in ("period", "from", "to", "store") if len(request.GET.getlist(name)) > 1]
    if repeated:
        raise DomainError(CommonError.REQUEST_INVALID, "Give each parameter once.", status=422,
                          fields={name: ["Given more than once."] for name in repeated})  # fmt: skip
    scope = analytics_scope(request.ctx, params.store.strip())
    period = parse_period({"period": params.period, "from": params.from_, "to": params.to}, today_of(scope))
    return figures(scope, period)


@router.get("/service/desk/analytics/figures", response={200: DeskFiguresOut, **ERRORS_FIGURES})
def desk_figures(request: ConciergeRequest, params: Query[DeskPeriodIn]) -> DeskFiguresOut:
    """The assisted-sales figures of a period: totals, per CSR, per team (store), by reason and by
    how sessions ended. Supervisors (view_desk) see every CSR of the stores they serve; a CSR sees
    their own figures; anyone else: 403."""
    fig = _figures(request, params)
    own = fig.scope.own_only
    codes = {s.pk: s.code for s in fig.scope.stores}
    return DeskFiguresOut(
        period=DeskPeriodOut(first=fig.period.first, last=fig.period.last, preset=fig.period.preset),
        stores=[DeskStoreRefOut(code=s.code, name=s.name, time_zone=s.time_zone) for s in fig.scope.stores],
        own_only=own,
        totals=DeskTallyOut(**_tally(fig.total, own=own)),
        by_csr=[DeskCsrFiguresOut(csr_id=pk, csr_name=fig.agent_name(pk), **_tally(t, own=True))
                for pk, t in fig.by_agent.items()],
        by_team=[DeskTeamFiguresOut(store=codes[pk], store_name=fig.store_name(pk), **_tally(t, own=own))
                 for pk, t in fig.by_store.items()],
        by_reason=[DeskCountOut(label=label, sessions=n) for label, n in fig.by_reason.items()],
        by_end=[DeskCountOut(label=label, sessions=n) for label, n in fig.by_end.items()],
    )  # fmt: skip


@router.get("/service/desk/analytics/series", response={200: list[DeskDayOut], **ERRORS_FIGURES})
def desk_series(request: ConciergeRequest, params: Query[DeskPeriodIn]) -> list[DeskDayOut]:
    """Assisted sessions and orders per day of the period (every day, zeros included)."""
    fig = _figures(request, params)
    own = fig.scope.own_only
    return [DeskDayOut(day=day, sessions=t.sessions, assisted_orders=t.assisted_orders,
                   alone_orders=None if own else t.alone_orders) for day, t in fig.by_day.items()]  # fmt: skip
