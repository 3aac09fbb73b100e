"""What a seller reads about one of their organizations on its Modern Organization View (seed 003):
the credit used and available on its on-account payment sources, its open cart, its recent orders
and what it spent this year. Read-only: every figure is derived from the rows that hold it (the
payment sources' ``credit_used``, the orders' totals, the cart priced now), never stored twice.

Access is the caller's: the face asks this only for an organization it has already found among
the seller's assigned ones (``customers.selectors.account_for_seller``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum

from concierge.carts.models import Cart
from concierge.carts.selectors import cart_lines, priced_cart
from concierge.catalog.pricing import buyer_of
from concierge.core import clock
from concierge.core.money import Money
from concierge.orders.models import Order
from concierge.orders.selectors import placed_orders
from concierge.payments.models import PaymentSource

if TYPE_CHECKING:
    from concierge.customers.models import Customer

RECENT_ORDERS = 5


@dataclass(frozen=True)
class Credit:
    """The organization's on-account credit, over its active on-account sources."""

    limit: Money
    used: Money

    @property
    def available(self) -> Money:
        return self.limit - self.used


@dataclass(frozen=True)
class OpenCart:
    cart: Cart
    items: int  # the number of units, as the mini cart counts them
    total: Money


@dataclass(frozen=True)
class OrganizationSummary:
    account: Customer
    credit: Credit | None  # None: the organization buys on no account (no credit line opened)
    open_carts: list[OpenCart] = field(default_factory=list)
    recent_orders: list[Order] = field(default_factory=list)
    order_count: int = 0
    spend_this_year: list[Money] = field(default_factory=list)  # one per currency it was billed in
    year: int = 0


def orders_of_organization(account: Customer) -> QuerySet[Order]:
    """The orders placed for ``account``, by its seller or associates (``account``) or as the
    customer served (``customer``), newest first; customer service's unplaced drafts left out."""
    orders = Order.objects.filter(Q(account=account) | Q(customer=account))
    return placed_orders(orders).select_related("store", "placed_by").order_by("-placed_at", "-id")


def organization_credit(account: Customer) -> Credit | None:
    """Credit limit and use over the organization's active on-account sources, in its currency."""
    sources = PaymentSource.objects.filter(customer=account, kind=PaymentSource.Kind.ON_ACCOUNT, is_active=True)
    totals = sources.filter(credit_limit__isnull=False).aggregate(limit=Sum("credit_limit"), used=Sum("credit_used"))
    if totals["limit"] is None:
        return None
    currency = account.currency
    return Credit(limit=Money(totals["limit"], currency), used=Money(totals["used"] or Decimal(0), currency))


def organization_open_carts(account: Customer) -> list[OpenCart]:
    """The organization's active cart (at most one: a database constraint), priced for it now."""
    found: list[OpenCart] = []
    buyer = buyer_of(store=account.store, customer=account, account=account)
    for cart in Cart.objects.filter(customer=account, status=Cart.Status.ACTIVE).select_related("store"):
        lines = cart_lines(cart)
        if not lines:
            continue
        priced = priced_cart(buyer, cart, lines)
        found.append(OpenCart(cart=cart, items=sum(line.quantity for line in lines), total=priced.total))
    return found


def year_start(account: Customer, *, now: dt.datetime | None = None) -> dt.datetime:
    """January 1st of this year in the store's time zone (the year a seller means)."""
    zone = ZoneInfo(account.store.time_zone or "UTC")
    local = (now or clock.now()).astimezone(zone)
    return dt.datetime(local.year, 1, 1, tzinfo=zone)


def organization_spend(account: Customer, *, since: dt.datetime) -> list[Money]:
    """What the organization's orders since ``since`` came to, cancelled ones left out, one sum per
    currency (an organization that changed its preferred currency was billed in both)."""
    rows = (
        orders_of_organization(account)
        .filter(placed_at__gte=since)
        .exclude(status=Order.Status.CANCELLED)
        .order_by()
        .values("currency")
        .annotate(spent=Sum("total"))
        .order_by("currency")
    )
    return [Money(row["spent"], row["currency"]) for row in rows]


def organization_summary(account: Customer, *, recent: int = RECENT_ORDERS) -> OrganizationSummary:
    """Everything the Modern Organization View shows beyond the record itself."""
    orders = orders_of_organization(account)
    since = year_start(account)
    return OrganizationSummary(
        account=account,
        credit=organization_credit(account),
        open_carts=organization_open_carts(account),
        recent_orders=list(orders[:recent]),
        order_count=orders.count(),
        spend_this_year=organization_spend(account, since=since),
        year=since.year,
    )
