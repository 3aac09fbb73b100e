"""Hold settlement survives a worker killed mid-task (RELIABILITY bars 21 and 22, docs/adr/0004).

A real worker process settles an unresolvable hold: the order is cancelled and its stock returned in
one committed transaction, then the payment authorization is reversed. The test stops the worker
between the two — after the effect, before the task's result — by holding a table lock that the
reversal's insert waits for (no hook in the product: PostgreSQL shows the waiting backend in
``pg_locks``), kills it with SIGKILL, and lets a second worker pick the task up. The task runs
again and everything happens once: one cancellation, the stock back once, one reversal. The second
test kills the worker in the middle of the settlement's own transaction (waiting for the order's
row): nothing of it commits, and the second worker makes the whole effect, once.
"""

from __future__ import annotations

import signal

import psycopg
import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.core.models import WorkerHeartbeat
from concierge.core.tests.test_worker import start_worker, wait_for
from concierge.orders import locks
from concierge.orders.editing import EditGuard
from concierge.orders.holds import hold_decide
from concierge.orders.models import Hold, Order
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.hold_steps import SETTLE_HOLD
from concierge.payments.models import PaymentTransaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker is paused at an exact point by a table lock another process waits for, which "
        "PostgreSQL has and shows in pg_locks; SQLite has one lock for the whole file (the worker's "
        "reaping itself is also shown on SQLite by core/tests/test_worker.py)",
    ),
]


def _lock_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           dbname=db["NAME"], autocommit=False)  # fmt: skip


def _waiting_for(lock: psycopg.Connection, table: str) -> int:
    """How many other backends wait for a lock on ``table``."""
    with lock.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _blocked_by(lock: psycopg.Connection) -> int:
    """How many other backends wait for a lock ``lock`` holds."""
    with lock.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is read once per transaction
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _stop(*processes) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)


def test_a_hold_settlement_whose_worker_is_killed_after_its_effect_completes_once(shopper, store, csr):
    stall = 2.0
    # given an order on hold, one of its holds marked unresolvable (its settlement queued)
    order = held_order(shopper, store)
    hold = order.holds.first()
    stock_before = dict(Sku.objects.values_list("pk", "stock_on_hand"))
    ctx = ActingContext(user=csr)
    token = locks.order_lock(ctx, order_id=order.pk).token
    hold_decide(ctx, hold_id=hold.pk, decision="unresolvable", comment="Card holder denies the order.",
                guard=EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token))  # fmt: skip
    task = DBTaskResult.objects.get(task_path=SETTLE_HOLD)
    # and payments held still: the reversal that follows the cancellation will wait
    table = PaymentTransaction._meta.db_table
    lock = _lock_connection()
    lock.execute(f"LOCK TABLE {table} IN SHARE MODE")
    first = start_worker("holds-first")
    second = None
    try:
        # when the first worker has made the effect and waits to reverse the payment
        wait_for(lambda: _waiting_for(lock, table) == 1, 60, "the first worker to reach the reversal")
        assert Hold.objects.get(pk=hold.pk).status == Hold.Status.UNRESOLVABLE
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
        assert DBTaskResult.objects.get(id=task.id).status == TaskResultStatus.RUNNING
        second = start_worker("holds-second")
        wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="holds-second").exists(), 60, "the second worker")
        # and it is killed there
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        lock.rollback()  # payments move again
        # then the second worker runs the task again within twice the stall timeout, to its end
        took = wait_for(lambda: DBTaskResult.objects.get(id=task.id).worker_ids[-1:] == ["holds-second"],
                        2 * stall + 1, "the task to be handed to the second worker")  # fmt: skip
        wait_for(lambda: DBTaskResult.objects.get(id=task.id).status == TaskResultStatus.SUCCESSFUL, 30,
                 "the settlement to finish")  # fmt: skip
    finally:
        lock.close()
        _stop(first, second)
    # and everything happened once
    final = DBTaskResult.objects.get(id=task.id)
    assert final.worker_ids == ["holds-first", "holds-second"]
    assert final.return_value == Hold.Status.UNRESOLVABLE
    assert took <= 2 * stall + 1
    assert Event.objects.filter(action="hold.unresolvable", subject_id=order.pk).count() == 1
    assert Event.objects.filter(action="order.cancelled", subject_id=order.pk).count() == 1
    reversals = PaymentTransaction.objects.filter(order=order, kind=PaymentTransaction.Kind.REVERSE)
    assert list(reversals.values_list("status", flat=True)) == [PaymentTransaction.Status.SUCCEEDED]
    quantities = {line.sku_id: line.quantity for line in order.lines.all()}
    stock_after = dict(Sku.objects.filter(pk__in=quantities).values_list("pk", "stock_on_hand"))
    assert stock_after == {pk: stock_before[pk] + quantity for pk, quantity in quantities.items()}


def test_a_hold_settlement_whose_worker_is_killed_inside_its_transaction_completes_once(shopper, store, csr):
    stall = 2.0
    # given an order on hold whose two holds are marked resolved (two settlements queued)
    order = held_order(shopper, store)
    ctx = ActingContext(user=csr)
    token = locks.order_lock(ctx, order_id=order.pk).token
    for hold in order.holds.all():
        hold_decide(ctx, hold_id=hold.pk, decision="resolved", comment="Checked.",
                    guard=EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token))  # fmt: skip
    tasks = list(DBTaskResult.objects.filter(task_path=SETTLE_HOLD).order_by("id"))
    # and the order's row held by someone else: a settlement waits inside its transaction
    lock = _lock_connection()
    lock.execute("SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [order.pk])
    first = start_worker("holds-first")
    second = None
    try:
        wait_for(lambda: _blocked_by(lock) == 1, 60, "the first worker to wait for the order")
        claimed = DBTaskResult.objects.get(status=TaskResultStatus.RUNNING)
        # when it is killed there, a second worker starts, and the order is let go
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = start_worker("holds-second")
        lock.rollback()
        # (a process's start-up is not what this measures: on a loaded machine it alone took the
        # whole allowance once, so the clock starts when the second worker is up)
        wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="holds-second").exists(), 60, "the second worker")
        # then both settlements finish, the killed one run again by the second worker
        took = wait_for(lambda: DBTaskResult.objects.get(id=claimed.id).worker_ids[-1:] == ["holds-second"],
                        2 * stall + 5, "the killed task to be handed to the second worker")  # fmt: skip
        wait_for(lambda: all(DBTaskResult.objects.get(id=t.id).status == TaskResultStatus.SUCCESSFUL for t in tasks),
                 30, "both settlements to finish")  # fmt: skip
    finally:
        lock.close()
        _stop(first, second)
    assert DBTaskResult.objects.get(id=claimed.id).worker_ids == ["holds-first", "holds-second"]
    assert took <= 2 * stall + 5  # from the second worker's first heartbeat
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS
    assert set(order.holds.values_list("status", flat=True)) == {Hold.Status.RESOLVED}
    assert Event.objects.filter(action="hold.resolved", subject_id=order.pk).count() == 2
    assert Event.objects.filter(action="order.holds_resolved", subject_id=order.pk).count() == 1
