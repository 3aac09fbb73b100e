"""Reads of returns: the Warehouse's Returns search (seed 004 "Searching for a Return or Exchange
Order") and one return with what its page shows.

``search_returns(ctx, criteria)`` is the one search, for the page and the API: every term narrows
(AND), each is answered by an index of the returns table itself (the order's number and customer
are copied onto the return): the RMA (unique), the order number, the customer's last name (and
first name) or email as a prefix of their lowercase keys, the status with the creation date, the
date alone. Staff see only the returns of the stores they serve.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.core.prefixes import starts_with
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.returns.errors import ReturnError
from concierge.returns.models import Return, ReturnLine
from concierge.stores.days import within_store_days

RESULT_LIMIT = 50
# A return's lines with what its page and the API show of each (one query for a page of returns).
RETURN_LINES = Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line", "reason", "exchange_sku"))
_LIMITS = {"rma": 20, "order_number": 20, "name": 160, "email": 254}


@dataclass(frozen=True)
class ReturnCriteria:
    """The Search Terms of the Returns tab; more terms narrow the search."""

    rma: str = ""
    order_number: str = ""
    name: str = ""  # "last", or "first last"
    email: str = ""
    status: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None

    def __bool__(self) -> bool:
        return any((self.rma, self.order_number, self.name, self.email, self.status, self.created_from,
                    self.created_to))  # fmt: skip

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> ReturnCriteria:
        """Terms from a form or query string; bad ones are a 400 ``return.search_invalid`` naming each."""
        values = {name: str(params.get(name) or "").strip() for name in (*_LIMITS, "status")}
        fields: dict[str, list[str]] = {}
        for name, limit in _LIMITS.items():
            if problem := text_problem(values[name], limit=limit):
                fields[name] = [problem]
        if values["status"] and values["status"] not in Return.Status.values:
            fields["status"] = ["Not a status of a return."]
        days: dict[str, dt.date | None] = {}
        for name in ("created_from", "created_to"):
            raw = str(params.get(name) or "").strip()
            days[name] = None
            if raw:
                try:
                    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                        raise ValueError(raw)
                    days[name] = dt.date.fromisoformat(raw)
                except ValueError:
                    fields[name] = ["Not a date: use a day that exists, e.g. 2026-11-30."]
        start, end = days["created_from"], days["created_to"]
        if start and end and end < start:
            fields["created_to"] = ["The end date is before the start date."]
        if fields:
            raise DomainError(ReturnError.SEARCH_INVALID, "Check the search terms.", status=400, fields=fields)
        return cls(rma=values["rma"].upper(), order_number=values["order_number"].upper(), name=values["name"],
                   email=values["email"].lower(), status=values["status"], created_from=start,
                   created_to=end)  # fmt: skip


def _stores(ctx: ActingContext) -> frozenset[int]:
    if not (ctx.has_perm(Priv.RECEIVE_RETURNS) or ctx.has_perm(Priv.USE_SERVICE_CONSOLE)):
        return frozenset()
    return stores_served(ctx)


def search_returns(ctx: ActingContext, criteria: ReturnCriteria) -> list[Return]:
    """The returns matching every term of ``criteria`` in the stores ``ctx`` serves, newest first,
    at most ``RESULT_LIMIT``. No term: none (the page asks for one)."""
    stores = _stores(ctx)
    if not stores or not criteria:
        return []
    q = Q(store_id__in=stores)
    if criteria.rma:
        q &= Q(rma=criteria.rma)
    if criteria.order_number:
        q &= Q(order_number=criteria.order_number)
    if criteria.name:
        first, _, last = criteria.name.lower().rpartition(" ")
        q &= starts_with("customer_last_name_key", last)
        if first.strip():
            q &= starts_with("customer_first_name_key", first.strip())
    if criteria.email:
        q &= starts_with("email_key", criteria.email)
    if criteria.status:
        q &= Q(status=criteria.status)
    if criteria.created_from or criteria.created_to:
        q &= within_store_days(stores, criteria.created_from, criteria.created_to, field="created_at")
    return list(
        Return.objects.filter(q).select_related("store", "exchange_order").prefetch_related(RETURN_LINES)
        .order_by("-created_at", "-id")[:RESULT_LIMIT]
    )  # fmt: skip
