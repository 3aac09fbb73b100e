"""The Customers search page (seed 004 "Searching for Users" / "Searching for Accounts"): Search
Terms, the Sorting section and the headers, keyset pages, store scope and bad input."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from concierge.customers.models import Customer
from concierge.customers.tests.directory_people import ACCOUNT_ORDERS, USER_ORDERS, Directory, build
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db
URL = reverse("service:customers")
SHARED_ID_CELL = re.compile(r'<td data-column="shared_id"><a href="[^"]+">([^<]+)</a>')


@pytest.fixture
def directory(store, other_store) -> Directory:
    return build(store, other_store)


def listed(response) -> list[str]:
    """The Shared IDs in the results table, top to bottom."""
    assert response.status_code == 200, response.content[:500]
    return SHARED_ID_CELL.findall(response.content.decode())


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", list(USER_ORDERS))
def test_users_sorted_by_each_column_both_ways(signed_in, csr, directory, sort, descending):
    # given four users whose every column orders them differently (mixed case)
    client = signed_in(csr)
    # when the CSR picks the Sort By Column and Sort Order and searches with no terms
    response = client.get(URL, {"tab": "users", "sort": sort, "order": "desc" if descending else "asc"})
    # then the table lists them in that order, ignoring case; accounts and other stores are not listed
    expected = directory.shared_ids(USER_ORDERS[sort])
    assert listed(response) == (expected[::-1] if descending else expected)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", list(ACCOUNT_ORDERS))
def test_accounts_sorted_by_each_column_both_ways(signed_in, csr, directory, sort, descending):
    client = signed_in(csr)
    response = client.get(URL, {"tab": "accounts", "sort": sort, "order": "desc" if descending else "asc"})
    expected = directory.shared_ids(ACCOUNT_ORDERS[sort])
    assert listed(response) == (expected[::-1] if descending else expected)


def test_the_default_is_users_by_shared_id_and_the_headers_sort_and_reverse(signed_in, csr, directory):
    client = signed_in(csr)
    first = client.get(URL)
    assert listed(first) == directory.shared_ids("ABCD")
    page = first.content.decode()
    for words in ("Search Terms", "Sorting", "Sort By Column", "Sort Order", "Customer Search Results"):
        assert words in page
    # the Last Name header sorts by it; clicking it again reverses
    by_last = client.get(URL, {"tab": "users", "sort": "last_name", "order": "asc"}).context["columns"]
    header = next(c for c in by_last if c["key"] == "last_name")
    assert header["aria_sort"] == "ascending"
    assert listed(client.get(URL + header["url"])) == directory.shared_ids("ACDB")


def test_each_result_opens_the_record(signed_in, csr, directory):
    page = signed_in(csr).get(URL).content.decode()
    record = reverse("service:customer", args=[directory.people["A"].pk])
    assert f'<tr data-href="{record}"' in page
    assert f'<a href="{record}">S-001</a>' in page


@pytest.mark.parametrize(
    ("terms", "letters"),
    [
        ({"last_name": "AD"}, "B"),  # prefix, ignoring case
        ({"first_name": "b"}, "D"),  # the guest
        ({"email": "ar"}, "C"),
        ({"phone": "555-0104"}, "D"),
        ({"shared_id": "s-00"}, "ABCD"),
        ({"postal_code": "7870"}, "C"),  # of an address
        ({"first_name": "c", "last_name": "ad"}, "B"),
        ({"last_name": "nobody"}, ""),
    ],
)
def test_users_search_terms_match_by_prefix(signed_in, csr, directory, terms, letters):
    assert listed(signed_in(csr).get(URL, {"tab": "users", **terms})) == directory.shared_ids(letters)


@pytest.mark.parametrize(
    ("terms", "letters"),
    [({"business_name": "ac"}, "Q"), ({"business_number": "bn-"}, "PQR"), ({"business_number": "BN-1"}, "R"),
     ({"postal_code": "10001"}, "Q"), ({"shared_id": "A-002"}, "Q")],
)  # fmt: skip
def test_accounts_search_terms_match_by_prefix(signed_in, csr, directory, terms, letters):
    assert listed(signed_in(csr).get(URL, {"tab": "accounts", **terms})) == directory.shared_ids(letters)


def test_staff_see_only_their_stores_records(csr, csr_other_store, supervisor, directory):
    assert listed(browser(csr).get(URL)) == directory.shared_ids("ABCD")
    assert listed(browser(csr_other_store).get(URL)) == ["S-900"]
    assert listed(browser(supervisor).get(URL, {"last_name": "adams"})) == ["S-002", "S-900"]


def test_warehouse_staff_and_shoppers_are_refused(warehouse, shopper, directory):
    assert browser(warehouse).get(URL).status_code == 403
    assert browser(shopper.user).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to sign in


def test_next_and_previous_pages_walk_the_keyset_both_ways(signed_in, csr, store):
    # given 60 guests (more than two pages of 25), emails in mixed case
    Customer.objects.bulk_create(
        Customer(kind=Customer.Kind.SINGLE_SESSION_USER, store=store, shared_id=f"G{n:03d}",
                 email=f"{'P' if n % 2 else 'p'}{n:02d}@x.test")
        for n in range(60)
    )  # fmt: skip
    client = signed_in(csr)
    params = {"tab": "users", "sort": "email", "order": "desc"}
    everyone = [f"G{n:03d}" for n in reversed(range(60))]
    # when they page forward with Next to the end
    first = client.get(URL, params)
    pages = [listed(first)]
    response = first
    while response.context["next_url"]:
        response = client.get(URL + response.context["next_url"])
        pages.append(listed(response))
    # then each row is listed once, in order, and the last page has no Next
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [shared_id for page in pages for shared_id in page] == everyone
    assert first.context["previous_url"] == ""
    assert response.context["previous_url"]
    # when they go back with Previous, they see the same pages, and the first has no Previous
    back = client.get(URL + response.context["previous_url"])
    assert listed(back) == pages[1]
    again = client.get(URL + back.context["previous_url"])
    assert listed(again) == pages[0]
    assert again.context["previous_url"] == ""
    assert listed(client.get(URL + again.context["next_url"])) == pages[1]


def test_a_cursor_of_another_sort_is_refused(signed_in, csr, store):
    Customer.objects.bulk_create(
        Customer(kind=Customer.Kind.SINGLE_SESSION_USER, store=store, shared_id=f"G{n:03d}") for n in range(30)
    )
    client = signed_in(csr)
    cursor = client.get(URL, {"sort": "email"}).context["page"].next_cursor
    assert cursor
    refused = client.get(URL, {"sort": "phone", "cursor": cursor})
    assert refused.status_code == 400
    assert "No such page of results" in refused.content.decode()
    tampered = client.get(URL, {"sort": "email", "cursor": cursor[:-3] + "abc"})
    assert tampered.status_code == 400


def test_bad_input_is_a_field_error_and_nothing_is_searched(signed_in, csr, directory):
    client = signed_in(csr)
    for params, field, message in [
        ({"first_name": "x" * 81}, "first_name", "At most 80 characters. This has 81."),
        ({"sort": "password"}, "sort", "Not a column of this search"),
        ({"order": "sideways"}, "order", "Choose Ascending or Descending."),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"last_name": "!!!"}, "last_name", "Enter letters or digits"),
        ({"cursor": "WyJuIiwiYSIsMV0:forged"}, "cursor", "No such page of results"),
        ({"tab": "accounts", "sort": "email"}, "sort", "Not a column of this search"),
    ]:
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert any(message in e for e in response.context["field_errors"][field]), params
        assert response.context["page"] is None
        assert message.split(":")[0][:20] in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("up_to", [0, 1], ids=["walk-the-sort-index", "intersect-then-sort"])
def test_common_terms_find_the_same_rows_by_the_other_plans(signed_in, csr, directory, monkeypatch, up_to):
    # given terms "common" enough that the search walks the sort index and checks each row instead
    monkeypatch.setattr("concierge.customers.directory.SORT_MATCHES_UP_TO", up_to)
    client = signed_in(csr)
    assert listed(client.get(URL, {"shared_id": "s-00", "sort": "email"})) == directory.shared_ids("CADB")
    assert listed(client.get(URL, {"shared_id": "s-00", "last_name": "ad"})) == directory.shared_ids("B")
    assert listed(client.get(URL, {"shared_id": "s-00", "last_name": "zz"})) == []
