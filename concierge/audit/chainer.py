"""The chainer: links committed, pending audit events into the hash chain (docs/adr/0001-audit-chain.md).

Writers append events unlinked and take no lock (audit/services.py). The chainer takes pending
events in insertion (``id``) order, gives them the next gapless positions after the chain head,
computes each link over the previous one, and moves the head — in one short transaction per batch.
Positions are assigned when linking, so a transaction that commits late simply gets a later
position: no gap, and no waiting for transactions still in flight.

Only one chainer links at a time. On PostgreSQL a chainer that finds another one at work returns at
once (a transaction-scoped advisory lock, tried, never waited for), and the links are written by
``audit_link`` (audit migration 0006), a function that runs with the tables' owner's rights, checks
that the links continue the head gaplessly and sets nothing but a pending event's ``seq``,
``prev_hash`` and ``hash``; the application role has no UPDATE on the log. On SQLite, transactions
are IMMEDIATE, so chainers simply take turns.

It runs after the commit of every audited transaction (:func:`link_after_commit`), on each beat of
every worker (so nothing stays pending when a process dies between its commit and the callback),
and before ``audit_verify`` walks the chain. After the commit it runs in the request by default
(three statements and a commit after the response's change); with
``CONCIERGE_AUDIT_LINK_IN_BACKGROUND`` (the default) a thread per process links instead, woken by
each commit, so the request runs no statement for it at all. Once woken, the thread lets the commits
of the next ``CONCIERGE_AUDIT_LINK_GATHER_MS`` (25 ms) join its pass: a pass costs about as much
for one event as for ten (its transaction, the chainer's turn, two reads and the links' write),
and under load one pass links a whole burst.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from concierge.audit import chain
from concierge.audit.models import ChainHead, Event
from concierge.core.prepared import PreparedQuery

logger = logging.getLogger("concierge.audit")

BATCH_SIZE = 500
# How many events one pass links at most: after a request's commit, and on a worker's beat (which
# must not stall the heartbeat). A backlog (linking stopped for a while) is worked off a bounded
# pass at a time; ``audit_verify`` links it all.
AFTER_COMMIT_LIMIT = 2 * BATCH_SIZE
BEAT_LIMIT = 20 * BATCH_SIZE
# The key of the advisory lock that admits one chainer at a time (PostgreSQL): "audit" in ASCII.
LOCK_KEY = 0x6175646974
# What a link attests, and the head: the columns the chainer reads of each pending event.
_FIELDS = [
    "id", "occurred_at", "actor_id", "actor_label", "on_behalf_of_id", "account_id", "assisted_session_id",
    "subject_kind", "subject_id", "action", "request_id", "payload_digest", "chain_version",
]  # fmt: skip


def link_pending(*, limit: int | None = None, batch_size: int = BATCH_SIZE, wait: bool = False) -> int:
    """Link pending events, oldest first, ``batch_size`` per transaction, until none is left (or
    ``limit`` are linked). Returns how many were linked: 0 also when another chainer is at work
    (it links them; with ``wait``, this one waits for its turn instead, as erasure must) or the
    chain head is missing while linked events exist (``audit_verify`` reports that; linking on
    would hide it).

    Inside a transaction, the chainer's turn is held until that transaction ends."""
    linked = 0
    while limit is None or linked < limit:
        size = batch_size if limit is None else min(batch_size, limit - linked)
        count = _link_batch(size, wait=wait)
        linked += count
        if count < size:
            break
    return linked


def link_after_commit() -> None:
    """After an audited transaction commits: link what is pending (or wake this process's linker
    thread to). Never fails the request whose change has already committed; what is left pending
    is linked by the next pass."""
    if getattr(settings, "CONCIERGE_AUDIT_LINK_IN_BACKGROUND", False):
        background_linker().wake()
        return
    _link_logging_failure(AFTER_COMMIT_LIMIT)


def _link_logging_failure(limit: int | None) -> None:
    try:
        link_pending(limit=limit)
    except Exception:
        logger.exception("Linking pending audit events failed; the next pass links them")


class BackgroundLinker(threading.Thread):
    """Links pending events whenever woken, on a connection of its own: wakes that come while it
    links make one more pass, not one each."""

    def __init__(self) -> None:
        super().__init__(name="audit-chainer", daemon=True)
        self.pid = os.getpid()
        self._woken = threading.Event()
        self._stopped = False

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped = True
        self._woken.set()

    def run(self) -> None:
        try:
            while True:
                self._woken.wait()
                gather = max(0, getattr(settings, "CONCIERGE_AUDIT_LINK_GATHER_MS", 0)) / 1000
                if gather and not self._stopped:
                    # The commits that come in the next few milliseconds join this pass: a pass
                    # costs about as much for one event as for ten.
                    time.sleep(gather)
                self._woken.clear()
                if self._stopped:
                    return
                close_old_connections()
                _link_logging_failure(None)
        finally:
            connection.close()


_linker: BackgroundLinker | None = None
_linker_lock = threading.Lock()


def background_linker() -> BackgroundLinker:
    """This process's linker thread, started on first use (again in a forked child, whose parent's
    threads do not survive the fork)."""
    global _linker
    with _linker_lock:
        if _linker is None or _linker.pid != os.getpid() or not _linker.is_alive():
            _linker = BackgroundLinker()
            _linker.start()
            atexit.register(_link_at_exit)
        return _linker


def _link_at_exit() -> None:
    """A process that exits (a management command, a server stopping) links what its last commits
    left pending rather than leave it to a worker's beat: its linker thread dies with it."""
    if _linker is not None and _linker.pid == os.getpid():
        _linker.stop()
        # At exit the database (or the log) may be gone already: the next worker beat links the rest.
        with contextlib.suppress(Exception):
            link_pending(limit=AFTER_COMMIT_LIMIT)


def link_on_beat(**kwargs: Any) -> None:
    """The worker's periodic pass (connected to ``concierge.core.worker.beat_done``)."""
    _link_logging_failure(BEAT_LIMIT)


def pending_count() -> int:
    return Event.objects.filter(seq__isnull=True).count()


# The head, and the oldest pending events, compiled once per process (core/prepared.py): built and
# compiled as querysets on every pass, these two reads were most of a pass's Python. Read after the
# chainer's turn is taken, the head is the one the last chainer left.
_HEAD = PreparedQuery(lambda: ChainHead.objects.filter(pk=1)[:1])
_PENDING: dict[int, PreparedQuery[Event]] = {}


def _pending_query(size: int) -> PreparedQuery[Event]:
    """The oldest ``size`` pending events (a LIMIT is written into the SQL: one statement per size;
    passes ask for a batch, or for what is left of their limit)."""
    query = _PENDING.get(size)
    if query is None:
        query = PreparedQuery(lambda: Event.objects.filter(seq__isnull=True).order_by("id").only(*_FIELDS)[:size])
        if len(_PENDING) < 16:
            _PENDING[size] = query
    return query


def _link_batch(size: int, *, wait: bool) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if wait:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s), true", [LOCK_KEY])
                else:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                admitted = cursor.fetchone()[-1]
            if not admitted:
                return 0
        rows = _pending_query(size).run()
        if not rows:
            return 0
        head = _HEAD.first()
        head_seq: int | None = head.seq if head is not None else None
        head_hash: str | None = head.hash if head is not None else None
        if head_seq is None or head_hash is None:
            if Event.objects.filter(seq__isnull=False).exists():
                logger.error("The audit chain head is missing while events are linked: not linking")
                return 0
            head_seq, head_hash = 0, chain.GENESIS_HASH  # the first link (the head row is created)
        prev_hash = head_hash
        for offset, event in enumerate(rows, start=1):
            event.seq = head_seq + offset
            event.prev_hash = prev_hash
            event.hash = prev_hash = chain.link_hash(chain.header_fields(event))
        _write_links(rows, head_seq=head_seq, last_hash=prev_hash)
    return len(rows)


# A link written on SQLite (the table is audit_event: the model's db_table, held by a test).
_SQLITE_LINK = 'UPDATE "audit_event" SET "seq" = %s, "prev_hash" = %s, "hash" = %s WHERE "id" = %s'


def _write_links(batch: Sequence[Event], *, head_seq: int, last_hash: str) -> None:
    last_seq = head_seq + len(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT audit_link(%s::bigint[], %s::bigint[], %s::text[], %s::text[])",
                [[e.pk for e in batch], [e.seq for e in batch], [e.prev_hash for e in batch], [e.hash for e in batch]],
            )
        return
    # One prepared UPDATE per link (executemany): bulk_update would build a CASE of every row's
    # values, the larger part of a pass's Python.
    with connection.cursor() as cursor:
        cursor.executemany(_SQLITE_LINK, [(e.seq, e.prev_hash, e.hash, e.pk) for e in batch])
    if not ChainHead.objects.filter(pk=1, seq=head_seq).update(seq=last_seq, hash=last_hash):
        ChainHead.objects.create(pk=1, seq=last_seq, hash=last_hash)
