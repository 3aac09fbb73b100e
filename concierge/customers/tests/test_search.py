"""Find customer: prefix, case and accents ignored, every field of seed 000, store scope, limit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concierge.customers import search
from concierge.customers.models import Customer
from concierge.customers.search import Criteria, find_customers
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def find(store_ids, **criteria):
    return find_customers(Criteria.parse(criteria), store_ids=store_ids)


@pytest.fixture
def people(store, other_store):
    zoe = factories.shopper(store=store, email="Zoe.Pena@Example.com", first_name="Zoë", last_name="de la Peña")
    Customer.objects.filter(pk=zoe.pk).update(phone="+1 (512) 555-0142")
    factories.address(zoe, postal_code="73301", phone="512-555-9999")
    zoe.refresh_from_db()
    from concierge.customers.search import index_customers

    index_customers([zoe])
    other = factories.shopper(store=other_store, email="zoe@elsewhere.ca", first_name="Zoe", last_name="Pena")
    org = factories.organization(store=store, name="Ångström Labs")
    return zoe, other, org


@pytest.mark.parametrize(
    "criteria",
    [
        {"first_name": "ZOE"},
        {"first_name": "zo", "last_name": "pen"},
        {"last_name": "PENA"},
        {"last_name": "de la"},
        {"email": "zoe.pena@EX"},
        {"phone": "512 555 01"},
        {"phone": "5125559999"},
        {"postal_code": "733"},
        {"customer_id": "t0"},
    ],
)
def test_each_field_matches_by_prefix_ignoring_case_and_accents(people, store, criteria):
    zoe, _, _ = people
    result = find([store.pk], **criteria)
    assert zoe in result.customers


def test_organizations_are_found_by_name(people, store):
    _, _, org = people
    assert find([store.pk], organization="angst").customers == [org]


def test_every_criterion_must_match(people, store):
    assert find([store.pk], first_name="zoe", last_name="smith").customers == []


def test_staff_see_only_customers_of_their_stores(people, store, other_store):
    zoe, other, _ = people
    assert find([store.pk], last_name="pena").customers == [zoe]
    assert find([other_store.pk], last_name="pena").customers == [other]
    assert find([], last_name="pena").customers == []


def test_at_most_twenty_and_it_says_when_more_match(store):
    for n in range(23):
        factories.shopper(store=store, first_name="Lee", last_name=f"Many{n:02d}")
    result = find([store.pk], first_name="lee")
    assert len(result.customers) == 20
    assert result.more is True
    exact = find([store.pk], first_name="lee", last_name="many2")
    assert (len(exact.customers), exact.more) == (3, False)


def test_customers_who_hold_most_of_a_prefixs_terms_are_all_found(store):
    """A prefix's range is read first in one statement of four terms per customer asked for; where a
    few customers hold most of its terms, the search reads on until it has found enough."""
    for letter in "abc":
        factories.shopper(store=store, first_name=" ".join(f"ann{letter}{x}" for x in "abcde"), last_name="Few")

    result = find_customers(Criteria.parse({"first_name": "ann"}), store_ids=[store.pk], limit=2)

    assert (len(result.customers), result.more) == (2, True)
    everyone = find_customers(Criteria.parse({"first_name": "ann"}), store_ids=[store.pk], limit=3)
    assert (len(everyone.customers), everyone.more) == (3, False)


def test_each_customer_found_comes_with_their_store(people, store):
    zoe, _, _ = people
    [found] = find([store.pk], email="zoe.pena").customers
    assert found == zoe

    with CaptureQueriesContext(connection) as queries:
        assert found.store.name == store.name
    assert len(queries) == 0


def test_customers_of_stores_newer_than_the_kept_ones_come_with_them_in_one_read(people, store, other_store,
                                                                                monkeypatch):  # fmt: skip
    monkeypatch.setattr(search, "stores_named", lambda ids: [])  # made through another process since

    with CaptureQueriesContext(connection) as queries:
        found = find([store.pk, other_store.pk], last_name="pena").customers
        assert {customer.store.name for customer in found} == {store.name, other_store.name}

    assert sum('FROM "stores_store"' in q["sql"] for q in queries.captured_queries) == 1


def test_no_criteria_finds_nothing(people, store):
    assert Criteria.parse({"first_name": "  ", "email": "!!"}).words == {}
    assert find([store.pk]).customers == []
