"""``{% order_result_rows page.orders %}``: the rows of the Order Search Results (seed 004) —
number, store, customer, placed, total, status and the padlock of an order someone is editing.

A page shows up to a hundred orders, and each row written in the template language cost some
220 µs (a URL reversed, a date filter, the time in the store's zone, the money, seven variables
escaped one by one): most of the page's render. Here a row is one ``format_html`` of values
worked out once per page where they can be (the order view's address, the padlock), the rest
through the same display functions as ``|when`` and ``|money``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from concierge.core.display import format_amount, format_when
from concierge.orders.models import Order

register = template.Library()

# Stands for the order's number in its reversed address: no order number holds it.
_NUMBER = "~number~"
_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}, {}{}</td>'
    '<td><time datetime="{}">{}</time></td><td class="num">{}</td>'
    '<td><span class="status status-{}">{}</span></td><td>{}</td></tr>\n'
)


@register.simple_tag
def order_result_rows(orders: Iterable[Order]) -> SafeString:
    """The orders' rows (``orders`` as ``search_orders`` reads them: with store and placed_by)."""
    address = reverse("service:order", args=[_NUMBER])
    padlock = render_to_string("_padlock.html", {"padlock_label": "Locked"})
    rows = []
    for order in orders:
        attribution = (
            format_html(' <span class="muted attribution">created by {}</span>', order.placed_by.display_name)
            if order.from_draft and order.placed_by
            else ""
        )
        rows.append((
            address.replace(_NUMBER, quote(order.number)), order.number, order.store.name,
            order.billing_last_name, order.billing_first_name, attribution,
            localtime(order.placed_at).isoformat(), format_when(order.placed_at, order.store),
            format_amount(order.total, order.currency),
            order.status.lower(), order.get_status_display(),
            padlock if order.lease_is_live() else "",  # render_to_string's output is safe: not escaped again
        ))  # fmt: skip
    return format_html_join("", _ROW, rows)
