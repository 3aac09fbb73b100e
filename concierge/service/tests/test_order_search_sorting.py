"""The Orders tab's Sorting section (seed 004: "select a field name from the Sort By Column list,
and set the Sort Order") and its Previous page beside Next."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from concierge.core.context import ActingContext
from concierge.orders.selectors import OrderSearch, Sort, search_orders
from concierge.orders.tests.builders import order_row
from concierge.orders.tests.test_console import EXPECTED, rows  # noqa: F401 - the five orders' fixture

pytestmark = pytest.mark.django_db
URL = reverse("service:orders")
NUMBER = re.compile(r'<td><a href="/service/orders/[^"]+/">([A-Z0-9]+)</a></td>')


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content[:400]
    return NUMBER.findall(response.content.decode())


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", list(Sort))
def test_the_sorting_section_orders_the_results(signed_in, supervisor, rows, sort, descending):  # noqa: F811 - rows is the fixture imported above
    # when the supervisor picks a Sort By Column and a Sort Order and clicks Search
    response = signed_in(supervisor).get(URL, {"last_name": "", "sort": sort.value,
                                               "dir": "desc" if descending else "asc"})  # fmt: skip
    # then the results come in that order, and the Sorting section shows the choice
    assert numbers(response) == (EXPECTED[sort][::-1] if descending else EXPECTED[sort])
    page = response.content.decode()
    assert f'<option value="{sort.value}" selected>' in page
    assert f'<option value="{"desc" if descending else "asc"}" selected>' in page


def test_the_form_has_a_sorting_section(signed_in, supervisor, rows):  # noqa: F811 - rows is the fixture imported above
    page = signed_in(supervisor).get(URL).content.decode()
    for words in ("Sorting", "Sort By Column", "Sort Order", "Ascending", "Descending", "Customer Name"):
        assert words in page


def test_previous_goes_back_a_page_and_the_first_has_none(signed_in, supervisor, shopper, store):
    # given 60 orders, totals in a known order (more than two pages of 25)
    made = [order_row(shopper, store, total=Decimal(f"{(n * 37) % 60}.00")) for n in range(60)]
    expected = [o.number for o in sorted(made, key=lambda o: (o.total, o.pk), reverse=True)]
    client = signed_in(supervisor)
    # when they page by Total, descending, to the end and then back with Previous
    first = client.get(URL, {"sort": "total", "dir": "desc"})
    second = client.get(URL + first.context["next_url"])
    third = client.get(URL + second.context["next_url"])
    back = client.get(URL + third.context["previous_url"])
    start = client.get(URL + back.context["previous_url"])
    # then Next gave each order once, in order, and Previous gave the same pages back
    assert numbers(first) + numbers(second) + numbers(third) == expected
    assert third.context["next_url"] == ""
    assert numbers(back) == numbers(second)
    assert numbers(start) == numbers(first)
    assert first.context["previous_url"] == ""
    assert start.context["previous_url"] == ""
    assert "Previous page" in back.content.decode()


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", list(Sort))
def test_every_sort_pages_back_with_previous(rows, supervisor, sort, descending):  # noqa: F811 - rows is the fixture imported above
    # given the five orders, two a page, walked forward to the last page
    ctx = ActingContext(user=supervisor)
    terms = OrderSearch(sort=sort, direction="desc" if descending else "asc", limit=2)
    pages = [search_orders(ctx, terms)]
    while pages[-1].next_cursor:
        pages.append(search_orders(ctx, terms.but(after=pages[-1].next_cursor)))
    # when they go back from the last page with Previous, page by page
    back = [pages[-1]]
    while back[-1].previous_cursor:
        back.append(search_orders(ctx, terms.but(before=back[-1].previous_cursor)))
    # then they see the same pages in reverse, down to the first, which has no Previous
    assert [[o.number for o in p.orders] for p in back] == [[o.number for o in p.orders] for p in reversed(pages)]
    assert [o.number for p in pages for o in p.orders] == (EXPECTED[sort][::-1] if descending else EXPECTED[sort])
