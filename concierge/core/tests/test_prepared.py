"""A query compiled once per process answers what its queryset answers, object for object."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concierge.core.context import ActingContext
from concierge.core.prepared import PreparedQuery
from concierge.identity.models import ApiToken, User
from concierge.identity.services import api_token_create, api_token_revoke, api_token_user
from concierge.testing import factories

pytestmark = pytest.mark.django_db

WITH_CUSTOMER = PreparedQuery(
    lambda pk: User.objects.select_related("customer__store").filter(pk=pk).order_by("pk")[:1],
    pk=-7_000_000_001,
)


def fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_user_with_their_customer_and_store_is_the_querysets_answer(store):
    customer = factories.shopper(store=store)
    assert customer.user is not None
    expected = User.objects.select_related("customer__store").get(pk=customer.user.pk)

    with CaptureQueriesContext(connection) as queries:
        user = WITH_CUSTOMER.first(pk=customer.user.pk)
        # the customer and the store came with the user: reading them asks nothing more
        assert user.customer.store.name == store.name

    assert len(queries) == 1
    assert fields(user) == fields(expected)
    assert fields(user.customer) == fields(expected.customer)
    assert fields(user.customer.store) == fields(expected.customer.store)
    assert user.last_login == expected.last_login
    assert user.date_joined == expected.date_joined


def test_a_staff_user_without_a_customer_reads_none_without_another_query(store):
    agent = factories.staff("CSR", stores=[store])

    user = WITH_CUSTOMER.first(pk=agent.pk)

    with CaptureQueriesContext(connection) as queries, pytest.raises(User.customer.RelatedObjectDoesNotExist):
        _ = user.customer
    assert len(queries) == 0
    assert fields(user) == fields(User.objects.get(pk=agent.pk))


def test_each_run_takes_its_own_values_and_an_unknown_one_finds_nothing(store):
    first, second = factories.staff("CSR", stores=[store]), factories.staff("CSR", stores=[store])

    assert WITH_CUSTOMER.first(pk=first.pk).email == first.email
    assert WITH_CUSTOMER.first(pk=second.pk).email == second.email
    assert WITH_CUSTOMER.first(pk=999_999_999) is None


def test_a_token_read_through_the_prepared_query_is_refused_once_revoked(store):
    agent = factories.staff("CSR", stores=[store])
    token, key = api_token_create(ActingContext(user=agent), name="desk")
    assert api_token_user(key) == agent

    api_token_revoke(ActingContext(user=agent), token_id=token.pk)

    assert api_token_user(key) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_a_stand_in_the_sql_does_not_take_exactly_once_is_refused():
    twice = PreparedQuery(lambda pk: User.objects.filter(pk=pk) | User.objects.filter(id=pk), pk=-7_000_000_002)
    with pytest.raises(ValueError, match="2 times"):
        twice.run(pk=1)
    values: PreparedQuery[User] = PreparedQuery(
        lambda pk: User.objects.filter(pk=pk).values("email"),  # type: ignore[arg-type,return-value]  # refused: what this test shows
        pk=-7_000_000_003,
    )
    with pytest.raises(ValueError, match="plain model queryset"):
        values.run(pk=1)
