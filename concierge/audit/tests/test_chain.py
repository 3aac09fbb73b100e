"""The audit log: attributed, hash-chained, append-only, and verifiable (RELIABILITY bar 26)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from concierge.audit import chain
from concierge.audit.chainer import link_pending
from concierge.audit.models import ChainHead, Event
from concierge.audit.selectors import timeline, verify_chain
from concierge.audit.services import record
from concierge.core.context import ActingContext

pytestmark = pytest.mark.django_db
ON_POSTGRES = connection.vendor == "postgresql"


def write_events(ctx: ActingContext, count: int) -> list[Event]:
    """``count`` audited changes, each linked by the chainer after its transaction, as production
    links them after the commit (the test's own transaction never commits)."""
    events = []
    for i in range(count):
        with transaction.atomic():
            events.append(
                record(
                    ctx,
                    action="customer.updated",
                    subject_kind="customer",
                    subject_id=ctx.customer.pk if ctx.customer else 1,
                    changes={"last_name": ("Smith", f"Smith-{i}")},
                    data={"note": f"change {i}"},
                )
            )
        link_pending()
    for event in events:
        event.refresh_from_db()
    return events


def tamper(sql: str, params: list) -> None:
    """Change the table behind the service's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            # A superuser may switch triggers off for this transaction; the application role may not.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if ON_POSTGRES:
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def acting(csr, shopper) -> ActingContext:
    return ActingContext(user=csr, customer=shopper)


def test_an_event_carries_the_actor_and_the_customer_served(acting, csr, shopper):
    [event] = write_events(acting, 1)
    assert (event.actor_id, event.actor_label, event.on_behalf_of_id) == (csr.pk, "Ann Agent", shopper.pk)
    assert event.changes == {"last_name": ["Smith", "Smith-0"]}


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction(acting):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(acting, action="customer.updated", subject_kind="customer", subject_id=1)


def test_an_event_rolls_back_with_the_change_it_records(acting):
    def change_that_fails() -> None:
        with transaction.atomic():
            record(acting, action="customer.updated", subject_kind="customer", subject_id=1)
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        change_that_fails()
    assert not Event.objects.filter(action="customer.updated").exists()
    assert verify_chain().ok


def test_timeline_lists_a_subjects_events_newest_first(acting, shopper):
    write_events(acting, 3)
    assert [e.data["note"] for e in timeline(subject_kind="customer", subject_id=shopper.pk)] == [
        "change 2",
        "change 1",
        "change 0",
    ]


def test_an_untouched_chain_verifies(acting):
    write_events(acting, 5)
    report = verify_chain()
    assert report.ok
    assert report.checked == Event.objects.count()


def test_a_modified_payload_is_detected(acting):
    events = write_events(acting, 5)
    tamper("UPDATE audit_event SET data = %s WHERE seq = %s", ['{"note": "nothing happened"}', events[2].seq])
    report = verify_chain()
    assert report.broken_at == events[2].seq
    assert "changed" in report.reason


def test_a_modified_header_is_detected(acting):
    events = write_events(acting, 5)
    tamper("UPDATE audit_event SET actor_id = %s WHERE seq = %s", [999_999, events[1].seq])
    assert verify_chain().broken_at == events[1].seq


def test_a_deleted_event_is_detected(acting):
    events = write_events(acting, 5)
    tamper("DELETE FROM audit_event WHERE seq = %s", [events[3].seq])
    report = verify_chain()
    assert report.broken_at == events[3].seq
    assert "missing" in report.reason


def test_a_deleted_last_event_is_detected(acting):
    events = write_events(acting, 5)
    tamper("DELETE FROM audit_event WHERE seq = %s", [events[-1].seq])
    assert verify_chain().broken_at == events[-1].seq


def test_reordered_events_are_detected(acting):
    events = write_events(acting, 5)
    a, b = events[1].seq, events[2].seq
    tamper("UPDATE audit_event SET seq = -1 WHERE seq = %s", [a])
    tamper("UPDATE audit_event SET seq = %s WHERE seq = %s", [a, b])
    tamper("UPDATE audit_event SET seq = %s WHERE seq = -1", [b])
    assert verify_chain().broken_at == a


def test_events_reordered_in_a_timeline_are_detected(acting, shopper):
    # given: timelines list events by their insertion id
    events = write_events(acting, 5)
    a, b = events[1].pk, events[2].pk
    # when: two events swap ids, so a timeline shows them the other way round
    tamper("UPDATE audit_event SET id = -1 WHERE id = %s", [a])
    tamper("UPDATE audit_event SET id = %s WHERE id = %s", [a, b])
    tamper("UPDATE audit_event SET id = %s WHERE id = -1", [b])
    assert [e.data["note"] for e in timeline(subject_kind="customer", subject_id=shopper.pk)][2:4] == [
        "change 1",
        "change 2",
    ]
    # then: the links attest the ids
    report = verify_chain()
    assert report.broken_at == events[1].seq
    assert "changed" in report.reason


def test_an_inserted_event_is_detected(acting):
    # given
    events = write_events(acting, 4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    # when: someone makes room after the second event and slips in one of their own, linked to
    # it as the chainer would link it, and moves the head on so the chain seems to end well
    tamper("UPDATE audit_event SET seq = seq + 1000 WHERE seq > 2", [])
    tamper("UPDATE audit_event SET seq = seq - 999 WHERE seq > 1000", [])
    forged = Event(
        pk=events[-1].pk + 100, seq=3, occurred_at=events[1].occurred_at, actor_id=events[1].actor_id,
        actor_label="Ann Agent", subject_kind="customer", subject_id="1", action="customer.updated", changes={},
        data={}, payload_digest=chain.payload_digest(changes={}, data={}), prev_hash=events[1].hash, chain_version=3,
    )  # fmt: skip
    forged.hash = chain.link_hash(chain.header_fields(forged))
    with transaction.atomic():
        if ON_POSTGRES:  # past the triggers, as a superuser could
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        forged.save(force_insert=True)
    tamper("UPDATE audit_chainhead SET seq = seq + 1", [])
    # then: the event after it (the third, now fourth) no longer links to its predecessor
    report = verify_chain()
    assert report.broken_at == 4
    assert "does not link" in report.reason


def test_audit_verify_command_reports_the_first_broken_link(acting):
    events = write_events(acting, 3)
    call_command("audit_verify")
    tamper("UPDATE audit_event SET action = %s WHERE seq = %s", ["nothing", events[0].seq])
    with pytest.raises(CommandError, match=f"broken at event #{events[0].seq}"):
        call_command("audit_verify")


@pytest.mark.skipif(
    not ON_POSTGRES, reason="the append-only triggers are PostgreSQL's; SQLite is the embedded dev store"
)
@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_or_delete_events(acting, statement):
    write_events(acting, 2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert Event.objects.filter(action="customer.updated").count() == 2


@pytest.mark.skipif(
    not ON_POSTGRES, reason="the append-only triggers are PostgreSQL's; SQLite is the embedded dev store"
)
def test_truncate_is_refused_without_the_maintenance_setting(acting):
    write_events(acting, 1)

    def truncate() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL concierge.audit_maintenance = 'off'")
            cursor.execute("TRUNCATE audit_event")

    with pytest.raises(DatabaseError, match="append-only"):
        truncate()
    assert Event.objects.exists()


def test_the_head_follows_the_last_event(acting):
    events = write_events(acting, 2)
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_a_deleted_chain_head_is_detected(acting):
    write_events(acting, 2)
    tamper("DELETE FROM audit_chainhead", [])
    report = verify_chain()
    assert not report.ok
    assert "head is missing" in report.reason


def test_floats_are_refused_in_audit_data(acting):
    with pytest.raises(TypeError, match="no floats"), transaction.atomic():
        record(acting, action="customer.updated", subject_kind="customer", subject_id=1, data={"amount": 1e16})


@pytest.mark.skipif(
    not ON_POSTGRES, reason="the append-only triggers are PostgreSQL's; SQLite is the embedded dev store"
)
def test_the_chain_head_cannot_move_back(acting):
    write_events(acting, 2)

    def rewind() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_chainhead SET seq = 0")

    with pytest.raises(DatabaseError, match="only moves forward"):
        rewind()


@pytest.mark.skipif(not ON_POSTGRES, reason="database roles exist only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_audit_lockdown_leaves_the_app_role_read_and_append_only(acting):
    import psycopg
    from django.core.management import call_command

    write_events(acting, 1)
    role = "concierge_app_lockdown_test"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    try:
        call_command("audit_lockdown", role=role, stdout=io.StringIO())
        settings = connection.settings_dict
        with psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                             dbname=settings["NAME"], user=role, autocommit=True) as app:  # fmt: skip
            assert app.execute("SELECT count(*) FROM audit_event").fetchone() == (1,)
            for statement in (
                "DELETE FROM audit_event",
                "TRUNCATE audit_event",
                "ALTER TABLE audit_event DISABLE TRIGGER ALL",
                "UPDATE audit_event SET seq = NULL, prev_hash = NULL, hash = NULL",
                "UPDATE audit_chainhead SET seq = seq + 1",  # the head moves only by audit_link
            ):
                with pytest.raises(psycopg.Error):
                    app.execute(statement)
            # it appends, and links through audit_link (as its chainer does), with no UPDATE right
            inserted = app.execute(
                "INSERT INTO audit_event (occurred_at, actor_label, subject_kind, subject_id, action, changes, data,"
                " request_id, payload_digest, chain_version) VALUES (now(), 'App', 'customer', '1',"
                " 'customer.updated', '{}', '{}', '', 'd', 3) RETURNING id"
            ).fetchone()
            head = app.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1").fetchone()
            assert inserted is not None
            assert head is not None
            (pending,), (head_seq, head_hash) = inserted, head
            app.execute("SELECT audit_link(%s::bigint[], %s::bigint[], %s::text[], %s::text[])",
                        [[pending], [head_seq + 1], [head_hash], ["a" * 64]])  # fmt: skip
        assert Event.objects.count() == 2
        assert Event.objects.get(pk=pending).seq == head_seq + 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
