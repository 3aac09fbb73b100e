"""The Orders tab of the search pane and the Order Search Results (seed 004), sortable by column
header or by the Sorting section, paged Next and Previous. The terms are the one ``OrderSearch``
the API parses too; a bad term is a field error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.identity.policies import stores_served
from concierge.orders.models import Order
from concierge.orders.selectors import SORT_LABELS, OrderSearch, Sort, search_orders
from concierge.service.views import staff_required
from concierge.stores.selectors import stores_named

FIELDS = ("number", "first_name", "last_name", "email", "phone", "postal_code", "status", "store", "placed_from",
          "placed_to")  # fmt: skip


@checks_text
@require_GET
@staff_required
def order_search(request: ConciergeRequest) -> HttpResponse:
    get = request.GET
    ctx = request.ctx
    values = {f: get.get(f, "") for f in FIELDS}
    params: dict[str, Any] = {**values, "sort": get.get("sort") or Sort.NUMBER, "after": get.get("after", ""),
                              "before": get.get("before", "")}  # fmt: skip
    params["direction"] = "desc" if get.get("dir") == "desc" else "asc"
    field_errors: dict[str, list[str]] = {}
    error, status = "", 200
    try:
        terms = OrderSearch.parse(params)
    except DomainError as exc:
        # Nothing is searched on terms that do not mean anything: the form says which to fix.
        field_errors, error, status, terms = exc.fields, exc.message, exc.status, None
    page = None
    if terms is not None:
        try:
            page = search_orders(ctx, terms)
        except DomainError as exc:  # a damaged page cursor: the first page instead, with the message
            error, page = exc.message, search_orders(ctx, terms.but(after="", before=""))
    sort = terms.sort if terms is not None else Sort.NUMBER
    descending = terms.descending if terms is not None else False
    filters = {k: v for k, v in values.items() if v}
    columns = []
    for column in Sort:
        active = column == sort
        next_dir = "asc" if active and descending else "desc" if active else "asc"
        columns.append({
            "label": SORT_LABELS[column], "active": active, "descending": descending,
            "url": "?" + urlencode({**filters, "sort": column.value, "dir": next_dir}),
            "aria_sort": ("descending" if descending else "ascending") if active else "none",
        })  # fmt: skip
    base = {**filters, "sort": sort.value, "dir": "desc" if descending else "asc"}
    return render(
        request,
        "service/orders/search.html",
        {
            "page": page,
            "values": values,
            "field_errors": field_errors,
            "statuses": Order.Status.choices,
            "stores": stores_named(stores_served(ctx)),
            "columns": columns,
            "searched": bool(filters) or "sort" in get,
            "next_url": "?" + urlencode({**base, "after": page.next_cursor}) if page and page.next_cursor else "",
            "previous_url": "?" + urlencode({**base, "before": page.previous_cursor})
            if page and page.previous_cursor
            else "",
            "first_url": "?" + urlencode(base) if terms is not None and (terms.after or terms.before) else "",
            # The Sorting section (seed 004: "select a field name from the Sort By Column list, and
            # set the Sort Order"), beside the clickable headers.
            "sort_choices": [(column.value, SORT_LABELS[column]) for column in Sort],
            "sort": sort.value,
            "descending": descending,
            "error": error,
        },
        status=status,
    )
