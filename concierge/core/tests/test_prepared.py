"""A query compiled once per process answers what its queryset answers, object for object."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.core.prepared import PreparedQuery, PreparedUpdate, insert, run_together, save_fields
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


# --- PreparedUpdate -------------------------------------------------------------------------------

TOUCHED = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
MOVE_ON = PreparedUpdate(
    lambda customer_id: Cart.objects.filter(customer_id=customer_id, status=Cart.Status.ACTIVE),
    sets={"version": F("version") + 1, "updated_at": TOUCHED},
    customer_id=-7_000_000_001,
)


def test_an_update_compiled_once_changes_the_rows_and_answers_them_as_saved(store, shopper, other_shopper):
    cart = Cart.objects.create(store=store, customer=shopper, code="C-PREP-1", currency="USD")
    other = Cart.objects.create(store=store, customer=other_shopper, code="C-PREP-2", currency="USD")
    when = dt.datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=dt.UTC)

    with CaptureQueriesContext(connection) as queries:
        changed = MOVE_ON.run(customer_id=shopper.pk, updated_at=when)
        again = MOVE_ON.run(customer_id=shopper.pk, updated_at=when + dt.timedelta(seconds=1))

    assert len(queries) == 2  # one statement each, no read after the write
    cart.refresh_from_db()
    assert [c.pk for c in changed] == [cart.pk]
    assert (changed[0].version, again[0].version, cart.version) == (2, 3, 3)
    assert changed[0].updated_at == when  # the value given, not the stand-in
    assert fields(again[0]) == fields(cart)  # every column, as a read of the row answers it
    other.refresh_from_db()
    assert other.version == 1  # another customer's cart is not touched


def test_an_update_of_no_row_answers_none(store, shopper):
    assert MOVE_ON.run(customer_id=shopper.pk, updated_at=TOUCHED) == []


def test_a_stand_in_that_is_not_among_the_parameters_is_refused_when_compiled(shopper):
    wrong = PreparedUpdate(
        lambda customer_id: Cart.objects.filter(customer_id=7), sets={"version": F("version") + 1},
        customer_id=-7_000_000_001,
    )  # fmt: skip
    with pytest.raises(ValueError, match="'customer_id' is among the parameters 0 times"):
        wrong.run(customer_id=shopper.pk)


BY_ACTOR = PreparedQuery(
    lambda actor_id: Event.objects.filter(actor_id=actor_id).order_by("-id"), actor_id=-7_000_000_001
)


def test_a_big_integer_columns_stand_in_is_found_as_the_backend_passes_it(csr):
    """PostgreSQL's backend passes a BigIntegerField's value in a type of its own (psycopg's Int8):
    the stand-in is still found, and the value given is passed the same way."""
    record(ActingContext(user=csr), action="customer.updated", subject_kind="customer", subject_id=1)
    found = BY_ACTOR.run(actor_id=csr.pk)
    assert [e.actor_id for e in found] == [csr.pk]
    assert BY_ACTOR.run(actor_id=csr.pk + 1000) == []


def test_a_name_both_set_and_filtered_on_is_refused():
    with pytest.raises(ValueError, match="named both as a set field and as a filter's stand-in"):
        PreparedUpdate(
            lambda version: Cart.objects.filter(version=version), sets={"version": 2}, version=-7_000_000_001
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite plans each statement as it reads it")
def test_on_postgresql_a_compiled_read_is_prepared_on_its_connection_and_planned_there_once(store):
    """Planning the order's read took 1.9 ms of its 2.1 on every request (docs/performance.md)."""
    agent = factories.staff("CSR", stores=[store])
    read = PreparedQuery(lambda pk: User.objects.filter(pk=pk, is_active=True).order_by("pk")[:1], pk=-7_000_000_002)

    for _ in range(3):
        assert read.first(pk=agent.pk).email == agent.email

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "identity_user" WHERE ("identity_user"."is_active" AND "identity_user"."id" = $1)%'],
        )
        assert [row[0] for row in cursor.fetchall()] == [3]  # one statement, run three times


def test_a_compiled_statement_is_logged_with_its_values_as_any_other(store):
    agent = factories.staff("CSR", stores=[store])

    with CaptureQueriesContext(connection) as queries:
        WITH_CUSTOMER.first(pk=agent.pk)

    [logged] = [q["sql"] for q in queries.captured_queries]
    assert logged.startswith('SELECT "identity_user"."id"')
    assert f'"identity_user"."id" = {agent.pk}' in logged


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite prepares nothing across statements")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_read_prepared_before_a_migration_widened_its_column_runs_again(store):
    """A deploy migrates while the running processes still serve: their connections' prepared reads
    would fail on every run ("cached plan must not change result type") until each connection went."""
    agent = factories.staff("CSR", stores=[store])
    read = PreparedQuery(lambda pk: User.objects.filter(pk=pk).order_by("pk")[:1], pk=-7_000_000_003)
    assert read.first(pk=agent.pk).email == agent.email  # prepared on this connection
    length = User._meta.get_field("first_name").max_length
    assert length is not None

    def first_name_length(n: int) -> None:  # as a migration on another connection would
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            other.execute(f"ALTER TABLE identity_user ALTER COLUMN first_name TYPE varchar({n})")

    first_name_length(length + 1)
    try:
        assert read.first(pk=agent.pk).email == agent.email
        assert read.first(pk=agent.pk).email == agent.email
    finally:
        first_name_length(length)


# --- Writes compiled once: save_fields and insert --------------------------------------------------


def test_saved_fields_are_written_as_save_writes_them_and_nothing_else(store, shopper, csr):
    cart = Cart.objects.create(store=store, customer=shopper, code="C-PREP-W", currency="USD")
    Cart.objects.filter(pk=cart.pk).update(currency="EUR")  # changed elsewhere, not by this row
    cart.lease_holder = csr
    cart.lease_token = "token-1"
    cart.lease_expires_at = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)

    with CaptureQueriesContext(connection) as queries:
        save_fields(cart, ["lease_holder", "lease_token", "lease_expires_at"])

    assert len(queries) == 1
    cart.refresh_from_db()
    assert (cart.lease_holder_id, cart.lease_token, cart.currency) == (csr.pk, "token-1", "EUR")
    assert cart.lease_expires_at == dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)


def test_saving_fields_of_a_row_that_is_gone_is_the_error_save_raises(store, shopper):
    cart = Cart.objects.create(store=store, customer=shopper, code="C-PREP-G", currency="USD")
    Cart.objects.filter(pk=cart.pk).delete()
    cart.lease_token = "token-2"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(cart, ["lease_token"])


def test_an_inserted_row_has_its_new_key_and_reads_back_as_written(csr):
    event = Event(occurred_at=TOUCHED, actor_id=csr.pk, actor_label="Casey", subject_kind="order", subject_id="7",
                  action="order.locked", changes={}, data={"number": "G1"}, payload_digest="d" * 64)  # fmt: skip

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        insert(event)

    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in {"SAVEPOINT", "RELEASE"}] == ["INSERT"]  # no read after it
    assert event.pk is not None
    assert not event._state.adding
    assert fields(Event.objects.get(pk=event.pk)) == fields(event)


def test_a_model_a_save_signal_is_connected_to_is_saved_by_save_itself(store, shopper):
    seen = []

    def saw(sender, instance, **kwargs):
        seen.append((instance.pk, kwargs.get("update_fields")))

    cart = Cart.objects.create(store=store, customer=shopper, code="C-PREP-S", currency="USD")
    post_save.connect(saw, sender=Cart)
    try:
        cart.lease_token = "token-3"
        save_fields(cart, ["lease_token"])
    finally:
        post_save.disconnect(saw, sender=Cart)

    assert seen == [(cart.pk, frozenset({"lease_token"}))]
    cart.refresh_from_db()
    assert cart.lease_token == "token-3"


def test_a_failed_compiled_write_inside_a_transaction_marks_it_for_rollback(store, shopper, other_shopper):
    Cart.objects.create(store=store, customer=other_shopper, code="CPTAKEN", currency="USD")
    cart = Cart.objects.create(store=store, customer=shopper, code="CPMINE", currency="USD")
    cart.code = "CPTAKEN"  # another cart's: the unique code refuses it

    with transaction.atomic():
        with pytest.raises(IntegrityError):
            save_fields(cart, ["code"])
        marked = transaction.get_rollback()
        transaction.set_rollback(True)  # whatever it said, the failed block is rolled back

    assert marked  # as save() leaves it: the block's later statements are not run on a failed transaction


# --- Reads sent together ----------------------------------------------------------------------------

CARTS_OF = PreparedQuery(lambda customer_id: Cart.objects.filter(customer_id=customer_id).order_by("pk"),
                         customer_id=-7_000_000_001)  # fmt: skip


@pytest.mark.parametrize("in_transaction", [False, True])
def test_reads_sent_together_answer_what_each_answers_alone(store, shopper, other_shopper, csr, in_transaction):
    mine = Cart.objects.create(store=store, customer=shopper, code="C-TOG-1", currency="USD")
    theirs = Cart.objects.create(store=store, customer=other_shopper, code="C-TOG-2", currency="USD")
    reads: list[tuple[PreparedQuery[Any], dict[str, Any]]] = [
        (CARTS_OF, {"customer_id": shopper.pk}),
        (WITH_CUSTOMER, {"pk": csr.pk}),
        (CARTS_OF, {"customer_id": other_shopper.pk}),
        (CARTS_OF, {"customer_id": -1}),
    ]

    with CaptureQueriesContext(connection) as queries:
        if in_transaction:
            with transaction.atomic():
                together = run_together(*reads)
        else:
            together = run_together(*reads)

    assert [[fields(row) for row in rows] for rows in together] == [
        [fields(mine)],
        [fields(User.objects.get(pk=csr.pk))],
        [fields(theirs)],
        [],
    ]
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 4  # each is logged


def test_a_model_with_a_save_of_its_own_is_saved_by_it(store, shopper, monkeypatch):
    cart = Cart.objects.create(store=store, customer=shopper, code="CPOWN", currency="USD")
    saved = []
    monkeypatch.setattr(Cart, "save", lambda self, *args, **kwargs: saved.append(kwargs.get("update_fields")))
    monkeypatch.setattr("concierge.core.prepared._WRITES", {})  # compiled afresh, with the override in place

    cart.lease_token = "token-4"
    save_fields(cart, ["lease_token"])

    assert saved == [["lease_token"]]
    cart.refresh_from_db()
    assert cart.lease_token == ""  # the model's own save (here: one that writes nothing) decided
