"""Appends that do not queue on one row (docs/adr/0001-audit-chain.md): a writer appends with one
INSERT and takes no lock; the chainer links committed events after the commit, gaplessly, once and
in insertion order, whoever commits first; ``audit_verify`` links first and reports what linking
has left behind."""

import datetime as dt
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext

from concierge.audit import chain, chainer
from concierge.audit.chainer import link_pending, pending_count
from concierge.audit.models import ChainHead, Event
from concierge.audit.selectors import timeline, verify_chain
from concierge.audit.services import record
from concierge.audit.tests.test_chain import ON_POSTGRES, acting, tamper, write_events
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.worker import beat_done

pytestmark = pytest.mark.django_db
__all__ = ["acting"]  # the fixture
only_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite admits one writer at a time and has no triggers: PostgreSQL's behaviour"
)


def append(ctx: ActingContext, note: str, *, subject_id: int = 1) -> Event:
    with transaction.atomic():
        return record(ctx, action="customer.updated", subject_kind="customer", subject_id=subject_id,
                      data={"note": note})  # fmt: skip


def chain_positions() -> list[tuple[int, int | None]]:
    """(id, seq) of every event, in chain order."""
    return list(Event.objects.filter(seq__isnull=False).order_by("seq").values_list("id", "seq"))


def test_an_audited_write_appends_with_one_insert_and_touches_no_shared_row(acting):
    head_before = ChainHead.objects.values_list("seq", "hash").first()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        event = record(acting, action="customer.updated", subject_kind="customer", subject_id=1,
                       changes={"last_name": ("Smith", "Smyth")})  # fmt: skip
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1
    assert statements[0].startswith('INSERT INTO "audit_event"')
    assert event.seq is None  # pending: linked after the commit
    assert ChainHead.objects.values_list("seq", "hash").first() == head_before


def test_a_pending_event_shows_in_its_timeline_at_once_and_is_linked_after(acting):
    # given
    event = append(acting, "just now")
    # then: in the timeline before it is linked
    assert [e.pk for e in timeline(subject_kind="customer", subject_id=1)] == [event.pk]
    assert verify_chain().pending == 1
    # when
    assert link_pending() == 1
    # then
    event.refresh_from_db()
    assert (event.seq, event.prev_hash) == (1, chain.GENESIS_HASH)
    assert ChainHead.objects.values_list("seq", "hash").get(pk=1) == (1, event.hash)
    assert verify_chain().pending == 0


def test_linking_in_batches_gives_gapless_positions_in_insertion_order(acting):
    with transaction.atomic():
        events = [record(acting, action="customer.updated", subject_kind="customer", subject_id=1,
                         data={"note": str(n)}) for n in range(7)]  # fmt: skip
    assert link_pending(batch_size=3) == 7
    assert chain_positions() == [(e.pk, n) for n, e in enumerate(events, start=1)]
    report = verify_chain()
    assert (report.ok, report.checked) == (True, 7)


def test_a_batch_is_linked_with_one_statement_per_link_on_sqlite_and_one_call_on_postgresql(acting):
    with transaction.atomic():
        events = [append(acting, str(n)) for n in range(5)]
    with CaptureQueriesContext(connection) as captured:
        assert link_pending() == 5
    sql = [q["sql"] for q in captured.captured_queries]
    if ON_POSTGRES:
        assert sum(s.startswith("SELECT audit_link") for s in sql) == 1
    else:
        assert Event._meta.db_table == "audit_event"  # the table the SQLite link statement names
        # one prepared UPDATE run for each link (Django logs an executemany as "N times: …")
        assert sum(s.startswith('5 times: UPDATE "audit_event" SET "seq"') for s in sql) == 1
        assert not any("CASE" in s for s in sql)
    assert chain_positions() == [(e.pk, n) for n, e in enumerate(events, start=1)]
    assert verify_chain().ok


def test_a_transaction_records_one_link_pass_however_many_events(acting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            record(acting, action="customer.updated", subject_kind="customer", subject_id=1, data={"n": n})
    assert callbacks == [chainer.link_after_commit]


def test_the_worker_beat_links_what_a_process_left_pending(acting):
    # given: a process committed an event and died before its after-commit pass
    event = append(acting, "orphan")
    # when
    beat_done.send(sender=None, worker_id="worker-1")
    # then
    event.refresh_from_db()
    assert event.seq == 1
    assert pending_count() == 0


def test_audit_verify_links_pending_events_first(acting):
    write_events(acting, 2)
    append(acting, "pending")
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "3 events" in out.getvalue()
    assert "1 pending events linked first" in out.getvalue()
    assert pending_count() == 0


def test_audit_verify_fails_on_an_event_left_pending_too_long(acting):
    # given: an event that has waited two minutes to be linked (the chainer is not running)
    write_events(acting, 2)
    stale = append(acting, "stale")
    tamper("UPDATE audit_event SET occurred_at = %s WHERE id = %s", [clock.now() - dt.timedelta(minutes=2), stale.pk])
    # then
    with pytest.raises(CommandError, match=rf"1 events are not linked, the oldest \(id {stale.pk}\)"):
        call_command("audit_verify", "--no-link", stdout=io.StringIO())
    # and linking it puts it right
    call_command("audit_verify", stdout=io.StringIO())


def test_a_young_pending_event_is_counted_not_failed(acting):
    write_events(acting, 2)
    append(acting, "just now")
    out = io.StringIO()
    call_command("audit_verify", "--no-link", stdout=out)
    assert "2 events, no broken link" in out.getvalue()
    assert "1 events not linked yet" in out.getvalue()


def test_the_chainer_does_not_link_past_a_deleted_head(acting):
    # given
    write_events(acting, 2)
    tamper("DELETE FROM audit_chainhead", [])
    event = append(acting, "after the damage")
    # then: linking on from a new head would hide the damage
    assert link_pending() == 0
    event.refresh_from_db()
    assert event.seq is None
    assert "head is missing" in verify_chain().reason


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_commit_into_one_gapless_chain(acting):
    workers, each = 6, 8
    barrier = threading.Barrier(workers)

    def write(n: int) -> str:
        try:
            barrier.wait()
            for i in range(each):
                append(acting, f"{n}-{i}")  # each commit runs the chainer after it
            return "ok"
        except Exception as exc:  # a deadlock or a refused link is the finding
            return repr(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        assert list(pool.map(write, range(workers))) == ["ok"] * workers
    link_pending()  # what a chainer that found another at work left
    assert [seq for _, seq in chain_positions()] == list(range(1, workers * each + 1))
    report = verify_chain()
    assert (report.ok, report.checked, report.pending) == (True, workers * each, 0)


@pytest.mark.django_db(transaction=True)
def test_chainers_at_once_never_fork_the_chain(acting, monkeypatch):
    # given: 120 committed events nobody has linked
    monkeypatch.setattr(chainer, "link_after_commit", lambda: None)
    with transaction.atomic():
        for n in range(120):
            record(acting, action="customer.updated", subject_kind="customer", subject_id=1, data={"n": n})
    monkeypatch.undo()
    assert pending_count() == 120
    # when: four chainers start at once
    barrier = threading.Barrier(4)

    def chain_them(_: int) -> int:
        try:
            barrier.wait()
            return link_pending(batch_size=10)
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        linked = list(pool.map(chain_them, range(4)))
    linked.append(link_pending())  # any left by a chainer that stood aside
    # then: each event linked once, one chain
    assert sum(linked) == 120
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert chain_positions() == [(pk, n) for n, pk in enumerate(ids, start=1)]
    assert verify_chain().ok


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_an_uncommitted_audited_write_holds_up_no_other_and_commits_into_a_later_position(acting):
    # given: a transaction that has recorded an event and not committed yet
    recorded, release = threading.Event(), threading.Event()
    first: list[Event] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                first.append(record(acting, action="customer.updated", subject_kind="customer", subject_id=1,
                                    data={"note": "slow"}))  # fmt: skip
                recorded.set()
                release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert recorded.wait(20)
        # when: another writer records and commits meanwhile (a wait on any lock fails it)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            second = record(acting, action="customer.updated", subject_kind="customer", subject_id=1,
                            data={"note": "quick"})  # fmt: skip
        # then: it is committed and linked without waiting for the first
        second.refresh_from_db()
        assert second.seq == 1
    finally:
        release.set()
        thread.join()
    # and the first, inserted earlier but committed later, is linked after it
    slow = Event.objects.get(pk=first[0].pk)
    assert slow.pk < second.pk
    assert slow.seq == 2
    assert [e.data["note"] for e in timeline(subject_kind="customer", subject_id=1)] == ["quick", "slow"]
    assert verify_chain().ok


@only_postgres
def test_the_database_refuses_an_event_inserted_already_linked(acting):
    event = Event(occurred_at=clock.now(), actor_label="x", subject_kind="customer", subject_id="1",
                  action="customer.updated", payload_digest="d", seq=1, prev_hash=chain.GENESIS_HASH,
                  hash="f" * 64)  # fmt: skip
    with pytest.raises(DatabaseError, match="appended unlinked"), transaction.atomic():
        event.save(force_insert=True)


@only_postgres
def test_the_database_refuses_an_event_with_an_id_picked_by_hand(acting):
    # given: a gap in the ids (a rolled-back append), which would be the past of a timeline
    write_events(acting, 2)
    event = Event(pk=1, occurred_at=clock.now(), actor_label="x", subject_kind="customer", subject_id="1",
                  action="customer.updated", payload_digest="d")  # fmt: skip
    with pytest.raises(DatabaseError, match="id its sequence gives it"), transaction.atomic():
        event.save(force_insert=True)


@only_postgres
@pytest.mark.parametrize(
    "statement",
    [
        # linking that changes something else too
        "UPDATE audit_event SET seq = 99, prev_hash = 'p', hash = 'h', action = 'x' WHERE seq IS NULL",
        # moving a linked event
        "UPDATE audit_event SET seq = seq + 100 WHERE seq IS NOT NULL",
        # unlinking one
        "UPDATE audit_event SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq IS NOT NULL",
    ],
)
def test_the_database_admits_no_update_but_linking_a_pending_event(acting, statement):
    write_events(acting, 1)
    append(acting, "pending")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@only_postgres
def test_audit_link_refuses_links_that_do_not_continue_the_head(acting):
    write_events(acting, 2)
    event = append(acting, "pending")
    for seq, prev in ((5, ChainHead.objects.get(pk=1).hash), (3, chain.GENESIS_HASH)):
        with pytest.raises(DatabaseError, match="do not continue"), transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT audit_link(%s, %s, %s, %s)", [[event.pk], [seq], [prev], ["e" * 64]])
    assert Event.objects.get(pk=event.pk).seq is None


def wait_until_linked(timeout: float = 20) -> bool:
    """Whether every event is linked within ``timeout`` seconds (another thread links them)."""
    deadline = time.monotonic() + timeout
    while pending_count():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.django_db(transaction=True)
def test_with_background_linking_a_request_runs_no_statement_for_the_chain(acting, settings):
    settings.CONCIERGE_AUDIT_LINK_IN_BACKGROUND = True
    try:
        with CaptureQueriesContext(connection) as queries:
            append(acting, "first")  # commits, then wakes this process's linker
            append(acting, "second")
        audit = [q["sql"] for q in queries.captured_queries if "audit" in q["sql"] or "advisory" in q["sql"]]
        assert len(audit) == 2
        assert all(sql.startswith('INSERT INTO "audit_event"') for sql in audit)
        assert wait_until_linked()
        assert [seq for _, seq in chain_positions()] == [1, 2]
        assert verify_chain().ok
    finally:
        linker = chainer.background_linker()
        linker.stop()
        linker.join(10)


@pytest.mark.django_db(transaction=True)
def test_commits_that_come_together_are_linked_in_one_background_pass(acting, settings, monkeypatch):
    settings.CONCIERGE_AUDIT_LINK_IN_BACKGROUND = True
    settings.CONCIERGE_AUDIT_LINK_GATHER_MS = 400
    passes: list[int] = []
    link_pending = chainer.link_pending

    def counted(**kwargs):
        passes.append(link_pending(**kwargs))
        return passes[-1]

    monkeypatch.setattr(chainer, "link_pending", counted)
    try:
        for n in range(4):
            append(acting, f"together {n}")  # four commits, each waking the linker
        assert wait_until_linked()
        assert passes == [4]  # one pass linked all four
        assert verify_chain().ok
    finally:
        linker = chainer.background_linker()
        linker.stop()
        linker.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_worker_s_heartbeat_links_what_a_dead_process_left_pending(acting, monkeypatch):
    from concierge.core.worker import Heartbeat

    # given: committed events whose writer died before its after-commit pass
    monkeypatch.setattr(chainer, "link_after_commit", lambda: None)
    for n in range(3):
        append(acting, f"orphan {n}")
    monkeypatch.undo()
    assert pending_count() == 3
    # when: a worker beats
    heartbeat = Heartbeat("worker-chainer-test", interval=0.1)
    heartbeat.start()
    try:
        # then
        assert wait_until_linked()
    finally:
        heartbeat.stop()
        heartbeat.join(10)
    assert verify_chain().ok
