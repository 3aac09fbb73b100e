"""The Users and Accounts search with Search Terms, read by each of its plans (customers/directory.py
``_plan``): the same rows in the same order, page after page, either way — and the term rows' sort
keys kept current by the database (migrations/0010_searchterm_sort_keys.py)."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection

from concierge.core.context import ActingContext
from concierge.customers import directory
from concierge.customers.directory import DirectoryQuery, Tab, search_directory
from concierge.customers.models import Customer
from concierge.customers.search import FIELDS, _prefix, index_customers

pytestmark = pytest.mark.django_db

LAST_NAMES = ["Smith", "smithers", "de la Smit", "Adams", "Šmid", "Moss", "SMALL", "Young"]
FIRST_NAMES = ["ann", "Bea", "Cleo", "dora", "Émile", "Finn"]


@pytest.fixture
def people(store, other_store) -> list[Customer]:
    made = [
        Customer.objects.create(
            kind=Customer.Kind.SINGLE_SESSION_USER if n % 9 == 0 else Customer.Kind.REGISTERED_USER,
            store=store,
            shared_id=f"U-{(n * 7) % 41:03d}",
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(n * 3) % len(LAST_NAMES)],
            email=f"{FIRST_NAMES[(n * 5) % len(FIRST_NAMES)].lower()}.{n}@x.test",
            phone=f"+1 555 01{n % 4}{n:02d}",
            billing_summary=f"{n % 5} Oak St",
        )
        for n in range(40)
    ]
    made.append(Customer.objects.create(kind=Customer.Kind.ACCOUNT, store=store, shared_id="U-900",
                                        organization_name="Smith Supply"))  # fmt: skip
    made.append(Customer.objects.create(store=other_store, shared_id="U-901", last_name="Smith", email="ann.x@x.test"))
    index_customers(made)
    return made


def every_page(ctx: ActingContext, params: dict[str, str]) -> list[str]:
    """Every row, reading Next pages of 4, then back from the last page by Previous: the same rows."""
    query = DirectoryQuery.parse(Tab.USERS, params)
    forward: list[list[str]] = []
    cursor = ""
    while True:
        q = DirectoryQuery.parse(Tab.USERS, {**params, "cursor": cursor}) if cursor else query
        page = search_directory(ctx, dataclasses.replace(q, limit=4))
        forward.append([c.shared_id for c in page.customers])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backward = [forward[-1]]
    cursor = page.previous_cursor
    while cursor:
        q = DirectoryQuery.parse(Tab.USERS, {**params, "cursor": cursor})
        page = search_directory(ctx, dataclasses.replace(q, limit=4))
        backward.append([c.shared_id for c in page.customers])
        cursor = page.previous_cursor
    assert backward[::-1] == forward, params
    return [shared_id for rows in forward for shared_id in rows]


SEARCHES = [
    {"last_name": "smi", "sort": sort, "order": order}
    for sort in ("last_name", "shared_id", "email", "first_name", "phone", "billing_address")
    for order in ("asc", "desc")
] + [
    {"email": "ann", "sort": "email", "order": "desc"},
    {"email": "bea", "sort": "first_name"},
    {"phone": "1 555 010", "sort": "phone"},
    {"phone": "5501", "sort": "last_name", "order": "desc"},
    {"first_name": "emile", "sort": "first_name"},
    {"last_name": "sm", "first_name": "ann", "sort": "last_name"},
    {"shared_id": "u-0", "last_name": "smith", "sort": "shared_id", "order": "desc"},
]


def sorted_by_hand(people: list[Customer], params: dict[str, str]) -> list[str]:
    """What a search must list, worked out here: the store's users whose words match, in order."""
    field = directory.column(Tab.USERS, params["sort"]).field
    query = DirectoryQuery.parse(Tab.USERS, params)
    wanted = {Customer.objects.get(pk=p.pk).pk for p in people}
    for criterion, words in query.criteria.words.items():
        for word in words:
            wanted &= set(_prefix(f"{FIELDS[criterion]}:{word}").values_list("customer_id", flat=True))
    users = Customer.objects.filter(pk__in=wanted, kind__in=directory.KINDS[Tab.USERS], store=people[0].store)
    rows = sorted(users, key=lambda c: (getattr(c, field).lower(), c.pk), reverse=params.get("order") == "desc")
    return [c.shared_id for c in rows]


@pytest.mark.parametrize("plan", ["as-planned", "sort", "walk", "walk-then-sort", "term-order"])
def test_every_plan_lists_the_same_rows_in_the_same_order(csr, people, monkeypatch, plan):
    if plan == "sort":  # every term's matches read and sorted
        monkeypatch.setattr(directory, "FEW_MATCHES", 10**6)
    elif plan in ("walk", "walk-then-sort"):  # the sort index walked, each row's terms checked
        monkeypatch.setattr(directory, "FEW_MATCHES", 0)
        monkeypatch.setattr(directory, "SORTED_AS", {})
        monkeypatch.setattr(directory, "_customers_estimate", lambda: 1)
        # walk-then-sort: the walk gives up after 2 rows and the matches are sorted instead
        monkeypatch.setattr(directory, "WALK_ROWS_AT_LEAST", 2 if plan == "walk-then-sort" else 1000)
        monkeypatch.setattr(directory, "WALK_MARGIN", 0 if plan == "walk-then-sort" else 4)
    elif plan == "term-order":  # a term on the sort column read in its rows' order, even when rare
        monkeypatch.setattr(directory, "FEW_MATCHES", 0)
    ctx = ActingContext(user=csr)
    for params in SEARCHES:
        expected = sorted_by_hand(people, params)
        assert expected, params
        assert every_page(ctx, params) == expected, params


def sort_keys(customer: Customer) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, sort_key FROM customers_customersearchterm WHERE customer_id = %s AND term LIKE 'l:%%'",
            [customer.pk],
        )
        return set(cursor.fetchall())


def test_a_renamed_customer_is_listed_by_the_new_name(csr, people):
    ctx = ActingContext(user=csr)
    smith = next(p for p in people if p.last_name == "Smith")
    assert sort_keys(smith) == {("l:smith", "smith")}
    # renamed without rebuilding the terms, then with: the term rows' key follows the record
    Customer.objects.filter(pk=smith.pk).update(last_name="Smitz")
    assert sort_keys(smith) == {("l:smith", "smitz")}
    smith.refresh_from_db()
    smith.last_name = "Smizzle"
    smith.save()
    index_customers([smith])
    assert sort_keys(smith) == {("l:smizzle", "smizzle")}
    # listed between the Smithers (descending, "smizzle" > "smithers") and "Šmid" (š sorts after z)
    listed = every_page(ctx, {"last_name": "smi", "sort": "last_name", "order": "desc"})
    assert listed == sorted_by_hand(people, {"last_name": "smi", "sort": "last_name", "order": "desc"})
    smids = Customer.objects.filter(last_name="Šmid").count()
    assert listed[smids] == smith.shared_id


def test_the_sort_key_triggers_and_the_sort_indexes_are_in_place():
    # A migration that rebuilds either table on SQLite drops its triggers and raw indexes: it must
    # create them again (0009 dropped the sort indexes; 0010 made them again).
    if connection.vendor == "postgresql":
        triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        indexes = "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'customers_customer%%'"
    else:
        triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index'"
    with connection.cursor() as cursor:
        cursor.execute(triggers)
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute(indexes)
        names |= {row[0] for row in cursor.fetchall()}
    assert {"customers_searchterm_sort_key", "customers_customer_sort_keys", "customers_searchterm_sorted"} <= names
    for tab, columns in (("u", ["shared_id", "first_name", "last_name", "email", "phone", "billing_summary"]),
                         ("a", ["shared_id", "organization_name", "business_number", "billing_summary"])):  # fmt: skip
        assert {f"customers_dir_{tab}_{column}" for column in columns} <= names
