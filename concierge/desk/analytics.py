"""The supervisor's desk's assisted-sales figures for a period, per store, per team and per CSR.

Who sees what (issue 18): a holder of ``view_desk`` (supervisors, administrators) sees every CSR of
the stores they serve (``identity.policies.stores_served``, the project's one store-scope rule); a
CSR with only the console privilege sees their own figures, in the stores they serve; anyone else
is refused. A *team* is a store's customer-service staff: Concierge has no other grouping of
staff, and a session, an order and a refund all belong to a store, so the team figures are the
store's.

The period is a span of calendar days, each read in its store's time zone: the last 7, 30 or 90
days (today included) or a custom from/to. Closed days come from the rollup tables the worker
fills (``concierge.desk.rollup``); each store's today, and any closed day the rollup does not hold
yet, is computed live by the same SQL aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from concierge.assist.models import AssistedSession
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.desk.analytics_errors import AnalyticsError
from concierge.desk.rollup import (
    AgentFacts,
    Days,
    OrderFacts,
    Rolled,
    compute_days,
    days_from_rollup,
    local_today,
    rolled_through,
)
from concierge.identity.models import User
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.stores.models import Store

PRESETS = {"7": 7, "30": 30, "90": 90}
PRESET_LABELS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "custom": "Custom dates"}
DEFAULT_PRESET = "30"
MAX_DAYS = 366
NO_REASON = "No reason given"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    preset: str

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        return PRESET_LABELS[self.preset]


def _date(value: str, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(AnalyticsError.DATES_INVALID, f"{label} is not a date (YYYY-MM-DD).", status=400,
                          fields={name: ["Enter a date as YYYY-MM-DD."]}) from None  # fmt: skip


def parse_period(params: Mapping[str, str], today: dt.date) -> Period:
    """``period`` 7, 30, 90 (days up to today) or ``custom`` with ``from`` and ``to`` (YYYY-MM-DD,
    inclusive, at most ``MAX_DAYS`` days, none after today)."""
    preset = (params.get("period") or "").strip() or DEFAULT_PRESET
    if preset not in PRESETS and preset != "custom":
        raise DomainError(AnalyticsError.PERIOD_INVALID, "Choose a period: the last 7, 30 or 90 days, or custom dates.",
                          status=400, fields={"period": ["Choose 7, 30, 90 or custom."]})  # fmt: skip
    raw_from, raw_to = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    # Dates given are dates, whichever the period (they are used with a custom one).
    given = {"from": _date(raw_from, "from", "From") if raw_from else None,
             "to": _date(raw_to, "to", "To") if raw_to else None}  # fmt: skip
    if preset in PRESETS:
        return Period(today - dt.timedelta(days=PRESETS[preset] - 1), today, preset)
    missing = {name: ["Enter a date."] for name, value in (("from", raw_from), ("to", raw_to)) if not value}
    if missing:
        raise DomainError(AnalyticsError.DATES_INVALID, "Custom dates need a From and a To date.", status=400,
                          fields=missing)  # fmt: skip
    first, last = given["from"] or today, given["to"] or today  # both given (checked above)
    if last < first:
        raise DomainError(AnalyticsError.DATES_INVALID, "The To date is before the From date.", status=400,
                          fields={"to": ["On or after the From date."]})  # fmt: skip
    if last > today:
        raise DomainError(AnalyticsError.DATES_INVALID, "The To date is after today.", status=400,
                          fields={"to": ["Today at the latest."]})  # fmt: skip
    if (last - first).days + 1 > MAX_DAYS:
        raise DomainError(AnalyticsError.DATES_INVALID, f"A period is at most {MAX_DAYS} days.", status=400,
                          fields={"from": [f"At most {MAX_DAYS} days before the To date."]})  # fmt: skip
    return Period(first, last, "custom")


@dataclass(frozen=True)
class Scope:
    """The stores the figures cover and, for a CSR without the desk, the one agent they are of."""

    stores: tuple[Store, ...]
    agent: User | None  # None: every agent of the stores (view_desk)
    served: tuple[Store, ...]  # every store the viewer could choose

    @property
    def own_only(self) -> bool:
        return self.agent is not None

    @property
    def store_ids(self) -> frozenset[int]:
        return frozenset(s.pk for s in self.stores)


def may_view_analytics(ctx: ActingContext) -> bool:
    return ctx.has_perm(Priv.VIEW_DESK) or ctx.has_perm(Priv.USE_SERVICE_CONSOLE)


def analytics_scope(ctx: ActingContext, store: str = "") -> Scope:
    """The viewer's scope, narrowed to the store whose code is ``store`` (one they serve) if given."""
    if ctx.user is None or not may_view_analytics(ctx):
        raise PermissionDenied("The desk's figures are for customer service staff.")
    served = tuple(Store.objects.filter(pk__in=stores_served(ctx)).order_by("name"))
    chosen = served
    if store:
        chosen = tuple(s for s in served if s.code == store)
        if not chosen:
            raise NotFound("No such store.")
    agent = None if ctx.has_perm(Priv.VIEW_DESK) else ctx.user
    return Scope(stores=chosen, agent=agent, served=served)


def today_of(scope: Scope) -> dt.date:
    """Today in the first store of the scope (the period presets end on it)."""
    return local_today(scope.stores[0]) if scope.stores else local_today(Store(time_zone="UTC"))


# --- the figures -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Summed facts of some rows (a CSR, a store, a day, everything)."""

    sessions: int = 0
    session_seconds: int = 0
    with_cart: int = 0
    converted: int = 0
    minutes: dict[int, int] = field(default_factory=dict)
    takeovers: int = 0
    handed_back: int = 0
    checked_out: int = 0
    assisted_orders: int = 0
    alone_orders: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)
    orders_by_currency: dict[str, int] = field(default_factory=dict)
    alone_revenue: dict[str, Decimal] = field(default_factory=dict)
    returns: int = 0
    refunds: int = 0
    refunded: dict[str, Decimal] = field(default_factory=dict)

    def add_agent(self, facts: AgentFacts) -> None:
        self.sessions += facts.sessions
        self.session_seconds += facts.session_seconds
        self.with_cart += facts.with_cart
        self.converted += facts.converted
        for minutes, n in facts.minutes.items():
            self.minutes[int(minutes)] = self.minutes.get(int(minutes), 0) + n
        self.takeovers += facts.takeovers
        self.handed_back += facts.handed_back
        self.checked_out += facts.checked_out

    def add_order(self, facts: OrderFacts, currency: str, *, assisted: bool) -> None:
        if assisted:
            self.assisted_orders += facts.orders
            self.revenue[currency] = self.revenue.get(currency, ZERO) + facts.revenue
            self.orders_by_currency[currency] = self.orders_by_currency.get(currency, 0) + facts.orders
            self.returns += facts.returns
            self.refunds += facts.refunds
            if facts.refunds:
                self.refunded[currency] = self.refunded.get(currency, ZERO) + facts.refunded
        else:
            self.alone_orders += facts.orders
            self.alone_revenue[currency] = self.alone_revenue.get(currency, ZERO) + facts.revenue

    @property
    def average_seconds(self) -> Decimal | None:
        return Decimal(self.session_seconds) / self.sessions if self.sessions else None

    @property
    def average_minutes(self) -> Decimal | None:
        seconds = self.average_seconds
        return (seconds / 60).quantize(Decimal("0.1")) if seconds is not None else None

    @property
    def median_minutes(self) -> Decimal | None:
        """The median session length in whole minutes (the middle one, or halfway between the two)."""
        total = sum(self.minutes.values())
        if not total:
            return None
        ordered = sorted(self.minutes.items())

        def nth(index: int) -> int:
            seen = 0
            for minutes, n in ordered:
                seen += n
                if index < seen:
                    return minutes
            return ordered[-1][0]

        if total % 2:
            return Decimal(nth(total // 2))
        return (Decimal(nth(total // 2 - 1)) + Decimal(nth(total // 2))) / 2

    @property
    def conversion(self) -> Decimal | None:
        """Sessions in which an order was placed, of all sessions (0..1)."""
        return Decimal(self.converted) / self.sessions if self.sessions else None

    @property
    def average_order_value(self) -> dict[str, Decimal]:
        return {
            currency: (amount / self.orders_by_currency[currency]).quantize(Decimal("0.01"))
            for currency, amount in self.revenue.items()
            if self.orders_by_currency.get(currency)
        }


@dataclass
class Figures:
    period: Period
    scope: Scope
    total: Tally
    by_agent: dict[int, Tally]
    by_store: dict[int, Tally]
    by_day: dict[dt.date, Tally]
    by_reason: dict[str, int]
    by_end: dict[str, int]
    agents: dict[int, User]
    currencies: list[str]

    def agent_name(self, agent_id: int) -> str:
        agent = self.agents.get(agent_id)
        return agent.display_name if agent is not None else "Former staff member"

    def store_name(self, store_id: int) -> str:
        return next((s.name for s in self.scope.stores if s.pk == store_id), "")


def end_label(code: str) -> str:
    try:
        return str(AssistedSession.EndReason(code).label)
    except ValueError:
        return "Not recorded"


def _store_days(store: Store, period: Period, agent_id: int | None, rolled: Rolled) -> Days:
    """The store's facts over the period: the rollup's closed days, the rest live."""
    today = local_today(store)
    last = min(period.last, today)
    if period.first > last:
        return Days()
    through = min(rolled.through, last) if rolled.through is not None else None
    days = Days()
    if through is not None and through >= period.first:
        days = days_from_rollup({store.pk}, period.first, through, agent_id=agent_id).get(store.pk, Days())
        live_from = through + dt.timedelta(days=1)
    else:
        live_from = period.first
    if live_from <= last:
        # The floor holds for the days after the rollup's last one, which are all the live ones then.
        floor = rolled.session_floor if through is not None and through == rolled.through else None
        live = compute_days(store, live_from, last, agent_id=agent_id, session_floor=floor)
        days.agents.update(live.agents)
        days.orders.update(live.orders)
    return days


def figures(scope: Scope, period: Period, *, live_only: bool = False) -> Figures:
    """Every figure of ``scope`` over ``period``; ``live_only`` ignores the rollup (the direct
    computation the rollup must agree with)."""
    agent_id = scope.agent.pk if scope.agent is not None else None
    rolled = {} if live_only else rolled_through(scope.store_ids)
    total = Tally()
    by_agent: defaultdict[int, Tally] = defaultdict(Tally)
    by_store: defaultdict[int, Tally] = defaultdict(Tally)
    by_day: dict[dt.date, Tally] = {day: Tally() for day in period.days}
    by_reason: dict[str, int] = defaultdict(int)
    by_end: dict[str, int] = defaultdict(int)
    currencies: set[str] = set()
    for store in scope.stores:
        days = _store_days(store, period, agent_id, rolled.get(store.pk, Rolled()))
        for (day, agent), facts in days.agents.items():
            for tally in (total, by_agent[agent], by_store[store.pk], by_day.setdefault(day, Tally())):
                tally.add_agent(facts)
            for reason, n in facts.by_reason.items():
                by_reason[reason or NO_REASON] += n
            for code, n in facts.by_end.items():
                by_end[end_label(code)] += n
        for (day, order_agent, currency), order_facts in days.orders.items():
            assisted = order_agent is not None
            currencies.add(currency)
            tallies = [total, by_store[store.pk], by_day.setdefault(day, Tally())]
            if order_agent is not None:
                tallies.append(by_agent[order_agent])
            for tally in tallies:
                tally.add_order(order_facts, currency, assisted=assisted)
    agents = {u.pk: u for u in User.objects.filter(pk__in=list(by_agent))}
    return Figures(
        period=period, scope=scope, total=total,
        by_agent=dict(sorted(by_agent.items(), key=lambda kv: (agents[kv[0]].display_name.lower()
                                                               if kv[0] in agents else "", kv[0]))),
        by_store={s.pk: by_store[s.pk] for s in scope.stores if s.pk in by_store},
        by_day=dict(sorted(by_day.items())),
        by_reason=dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_end=dict(sorted(by_end.items(), key=lambda kv: (-kv[1], kv[0]))),
        agents=agents, currencies=sorted(currencies),
    )  # fmt: skip
