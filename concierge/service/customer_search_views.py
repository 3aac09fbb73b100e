"""The Customers search page (seed 004 "Searching for Users", "Searching for Accounts"): the Users
and Accounts tabs, each with Search Terms, a Sorting section and results whose headers sort too.

The query is the one ``customers.directory.DirectoryQuery`` the API parses; a bad value is a field
error (400) and nothing is searched.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.customers.directory import (
    COLUMNS,
    DEFAULT_SORT,
    SORT_CHOICES,
    TERMS,
    DirectoryQuery,
    Tab,
    Term,
    column,
    search_directory,
)
from concierge.service.views import staff_required


@checks_text
@require_GET
@staff_required
def customer_search(request: ConciergeRequest) -> HttpResponse:
    """One tab of the Customers search. With no terms it lists everyone in the stores served, in
    the chosen order (Shared ID first)."""
    tab = Tab.ACCOUNTS if request.GET.get("tab") == Tab.ACCOUNTS else Tab.USERS
    get = request.GET
    values = {t.key: get.get(t.key, "") for t in TERMS[tab]}
    sort = get.get("sort", "") or DEFAULT_SORT
    order = get.get("order", "") or "asc"
    field_errors: dict[str, list[str]] = {}
    page, status = None, 200
    try:
        query = DirectoryQuery.parse(tab, get)
    except DomainError as exc:
        field_errors, status, query = exc.fields, exc.status, None
    if query is not None:
        page = search_directory(request.ctx, query)
        sort, order = query.sort, "desc" if query.descending else "asc"
    filters = {k: v for k, v in values.items() if v}
    base = {"tab": tab.value, **filters}
    return render(
        request,
        "service/customers/search.html",
        {
            "tab": tab.value,
            "tabs": [(Tab.USERS.value, "Users"), (Tab.ACCOUNTS.value, "Accounts")],
            "terms": [_term_field(t, values, field_errors) for t in TERMS[tab]],
            "sort_choices": [(key, column(tab, key).label) for key in SORT_CHOICES[tab]],
            "sort": sort,
            "order": order,
            "columns": _headers(tab, base, sort, order, valid=query is not None),
            "field_errors": field_errors,
            "page": page,
            "next_url": _page_url(base, sort, order, page.next_cursor) if page else "",
            "previous_url": _page_url(base, sort, order, page.previous_cursor) if page else "",
            "first_url": "?" + urlencode({**base, "sort": sort, "order": order}) if query and query.keyset else "",
        },
        status=status,
    )


def _term_field(term: Term, values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"key": term.key, "label": term.label, "max_length": term.max_length, "value": values[term.key],
            "errors": errors.get(term.key, [])}  # fmt: skip


def _page_url(base: dict[str, str], sort: str, order: str, cursor: str) -> str:
    return "?" + urlencode({**base, "sort": sort, "order": order, "cursor": cursor}) if cursor else ""


def _headers(tab: Tab, base: dict[str, str], sort: str, order: str, *, valid: bool) -> list[dict[str, Any]]:
    """The results' column headers: each sorts by its column, ascending; the active one again
    reverses the order (seed 004: "re-sort the results by clicking a column header")."""
    headers = []
    for c in COLUMNS[tab]:
        active = valid and c.key == sort
        descending = active and order == "desc"
        next_order = "asc" if descending else "desc" if active else "asc"
        headers.append({
            "key": c.key, "label": c.label, "active": active, "descending": descending,
            "url": "?" + urlencode({**base, "sort": c.key, "order": next_order}),
            "aria_sort": ("descending" if descending else "ascending") if active else "none",
        })  # fmt: skip
    return headers
