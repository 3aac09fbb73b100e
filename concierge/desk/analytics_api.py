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
from concierge.core.requests import ConciergeRequest
from concierge.desk.analytics import Figures, Tally, analytics_scope, figures, parse_period, today_of

router = Router(tags=["supervisor's desk"])

# Every desk route answers 401/403 with the API's error shape.
DESK_ERRORS = ERRORS_AUTH
ERRORS_FIGURES = {404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
Text20 = Annotated[str, StringConstraints(max_length=20, pattern=NO_CONTROL_CHARACTERS)]
StoreCode = Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL_CHARACTERS)]


class PeriodIn(Schema):
    period: Text20 = Field(default="30", description="7, 30 or 90 (days up to today), or custom (with from and to). "
                           "Anything else: 400 `desk.period_invalid`.")  # fmt: skip
    from_: Text20 = Field(default="", alias="from", description="Custom: the first day, YYYY-MM-DD, in each "
                          "store's time zone. Missing or not a date: 400 `desk.dates_invalid`.")  # fmt: skip
    to: Text20 = Field(default="", description="Custom: the last day, YYYY-MM-DD (today at the latest; at most "
                       "366 days after from). Otherwise: 400 `desk.dates_invalid`.")  # fmt: skip
    store: StoreCode = Field(default="", description="A store's code among those you serve (404 otherwise); "
                             "empty: every store you serve.")  # fmt: skip


class AmountOut(Schema):
    currency: str
    amount: Decimal


class PeriodOut(Schema):
    first: dt.date
    last: dt.date
    preset: str


class StoreRefOut(Schema):
    code: str
    name: str
    time_zone: str


class TallyOut(Schema):
    sessions: int = Field(description="Assisted sessions that ended in the period.")
    average_minutes: Decimal | None
    median_minutes: Decimal | None = Field(description="Of the sessions' lengths in whole minutes.")
    sessions_with_cart: int
    sessions_with_order: int
    conversion: Decimal | None = Field(description="Sessions with an order, of all sessions (0 to 1).")
    assisted_orders: int
    alone_orders: int | None = Field(description="Orders placed by shoppers alone (not in a CSR's own figures).")
    revenue: list[AmountOut] = Field(description="Assisted revenue, per currency.")
    average_order_value: list[AmountOut]
    returns: int
    refunds: int
    refunded: list[AmountOut]
    takeovers: int
    handed_back: int
    checked_out: int


class CsrFiguresOut(TallyOut):
    csr_id: int
    csr_name: str


class TeamFiguresOut(TallyOut):
    store: str
    store_name: str


class CountOut(Schema):
    label: str
    sessions: int


class FiguresOut(Schema):
    period: PeriodOut
    stores: list[StoreRefOut]
    own_only: bool = Field(description="A CSR's own figures (no view_desk privilege).")
    totals: TallyOut
    by_csr: list[CsrFiguresOut]
    by_team: list[TeamFiguresOut] = Field(description="A team is the customer-service staff of one store.")
    by_reason: list[CountOut]
    by_end: list[CountOut] = Field(description="By how the sessions ended (their end reasons' labels).")


class DayOut(Schema):
    day: dt.date
    sessions: int
    assisted_orders: int
    alone_orders: int | None


def _amounts(values: dict[str, Decimal]) -> list[AmountOut]:
    return [AmountOut(currency=c, amount=v.quantize(Decimal("0.01"))) for c, v in sorted(values.items())]


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


def _figures(request: ConciergeRequest, params: PeriodIn) -> Figures:
    scope = analytics_scope(request.ctx, params.store.strip())
    period = parse_period({"period": params.period, "from": params.from_, "to": params.to}, today_of(scope))
    return figures(scope, period)


@router.get("/service/desk/analytics/figures", response={200: FiguresOut, **ERRORS_FIGURES})
def desk_figures(request: ConciergeRequest, params: Query[PeriodIn]) -> FiguresOut:
    """The assisted-sales figures of a period: totals, per CSR, per team (store), by reason and by
    how sessions ended. Supervisors (view_desk) see every CSR of the stores they serve; a CSR sees
    their own figures; anyone else: 403."""
    fig = _figures(request, params)
    own = fig.scope.own_only
    codes = {s.pk: s.code for s in fig.scope.stores}
    return FiguresOut(
        period=PeriodOut(first=fig.period.first, last=fig.period.last, preset=fig.period.preset),
        stores=[StoreRefOut(code=s.code, name=s.name, time_zone=s.time_zone) for s in fig.scope.stores],
        own_only=own,
        totals=TallyOut(**_tally(fig.total, own=own)),
        by_csr=[CsrFiguresOut(csr_id=pk, csr_name=fig.agent_name(pk), **_tally(t, own=True))
                for pk, t in fig.by_agent.items()],
        by_team=[TeamFiguresOut(store=codes[pk], store_name=fig.store_name(pk), **_tally(t, own=own))
                 for pk, t in fig.by_store.items()],
        by_reason=[CountOut(label=label, sessions=n) for label, n in fig.by_reason.items()],
        by_end=[CountOut(label=label, sessions=n) for label, n in fig.by_end.items()],
    )  # fmt: skip


@router.get("/service/desk/analytics/series", response={200: list[DayOut], **ERRORS_FIGURES})
def desk_series(request: ConciergeRequest, params: Query[PeriodIn]) -> list[DayOut]:
    """Assisted sessions and orders per day of the period (every day, zeros included)."""
    fig = _figures(request, params)
    own = fig.scope.own_only
    return [DayOut(day=day, sessions=t.sessions, assisted_orders=t.assisted_orders,
                   alone_orders=None if own else t.alone_orders) for day, t in fig.by_day.items()]  # fmt: skip
