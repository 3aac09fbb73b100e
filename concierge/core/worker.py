"""The task worker: django-tasks-db's worker, plus a heartbeat, a reaper and fencing.

django-tasks-db leaves a task RUNNING forever when its worker is killed hard. Every Concierge worker
therefore writes a heartbeat, and (any worker, on each beat) hands a RUNNING task back to the queue
when the worker that claimed it has been silent for the stall timeout, or has restarted since it
claimed it. A worker records a task's result only while the task is still its own (fencing), and
stops claiming work when its own heartbeat stops. Tasks are idempotent, so a task run again after
its worker died has one effect (docs/adr/0004-task-reaper.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.dispatch import Signal
from django.tasks import TaskResultStatus
from django.tasks.base import TaskContext
from django.tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from concierge.core import clock
from concierge.core.models import WorkerHeartbeat

logger = logging.getLogger("concierge.worker")

# Sent after each heartbeat (and reaper run), so that apps above the core can hang their own
# periodic upkeep on the worker: the audit chainer links what a dead process left pending.
beat_done = Signal()


def beat(worker_id: str, *, started_at: dt.datetime | None = None) -> None:
    """Record that ``worker_id`` is alive; ``started_at`` (given on a process's first beat) marks
    a new process, so tasks claimed under the same id before it are known to be orphaned."""
    now = clock.now()
    defaults: dict[str, Any] = {"last_seen_at": now, "hostname": socket.gethostname()[:255], "pid": os.getpid()}
    if started_at is not None:
        defaults["started_at"] = started_at
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults=defaults, create_defaults={**defaults, "started_at": started_at or now}
    )


def reap_stalled_tasks(*, stall_timeout: dt.timedelta | None = None) -> list[str]:
    """Put back on the queue every RUNNING task whose worker has been silent past ``stall_timeout``
    or has restarted since it claimed the task. Returns the ids of the tasks handed back.

    The update is conditional on the task still being RUNNING with the same claim, so two reapers
    never hand one task back twice.
    """
    timeout = stall_timeout or dt.timedelta(seconds=settings.CONCIERGE_WORKER_STALL_SECONDS)
    now = clock.now()
    cutoff = now - timeout
    alive = dict(WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).values_list("worker_id", "started_at"))
    reaped: list[str] = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now)
    for task_id, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
        claimant = worker_ids[-1] if worker_ids else None
        if started_at is None:  # not claimed after all (the filter above excludes it; for the type checker)
            continue
        if claimant in alive and alive[claimant] <= started_at:
            continue  # its worker is alive and is the process that claimed it
        if claimant in alive or started_at < cutoff:
            with transaction.atomic():
                handed_back = DBTaskResult.objects.filter(
                    id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
                ).update(status=TaskResultStatus.READY, started_at=None)
            if handed_back:
                logger.warning("Re-queued task %s: its worker %s stopped answering", task_id, claimant)
                reaped.append(str(task_id))
    WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff - timeout).delete()
    return reaped


class Heartbeat(threading.Thread):
    """Beats for one worker and reaps stalled tasks, every ``interval`` seconds, until stopped."""

    def __init__(self, worker_id: str, *, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopped = threading.Event()
        self.started_at = clock.now()
        self.last_beat: dt.datetime | None = None

    def run(self) -> None:
        first = True
        try:
            while not self.stopped.is_set():
                try:
                    close_old_connections()
                    beat(self.worker_id, started_at=self.started_at if first else None)
                    first = False
                    self.last_beat = clock.now()
                    reap_stalled_tasks()
                    for receiver, outcome in beat_done.send_robust(sender=Heartbeat, worker_id=self.worker_id):
                        if isinstance(outcome, Exception):
                            logger.error("Periodic upkeep %r of worker %s failed", receiver, self.worker_id,
                                         exc_info=outcome)  # fmt: skip
                except Exception:
                    logger.exception("Heartbeat of worker %s failed; trying again", self.worker_id)
                self.stopped.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()

    def healthy(self) -> bool:
        """Heard from within the stall timeout: otherwise another worker may take over our tasks.
        (A heartbeat thread that died stops beating, so it turns unhealthy too.)"""
        stall = dt.timedelta(seconds=settings.CONCIERGE_WORKER_STALL_SECONDS)
        return self.last_beat is not None and clock.now() - self.last_beat < stall


class FencedWorker(Worker):
    """django-tasks-db's worker that records a result only while the task is still its own."""

    def __init__(self, *, heartbeat: Heartbeat, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        if not self.heartbeat.healthy() and self.heartbeat.last_beat is not None:
            # Our heartbeat stopped: the task may be handed to another worker; give it back now.
            with transaction.atomic():
                row = DBTaskResult.objects.select_for_update().get(id=db_task_result.id)
                if row.status == TaskResultStatus.RUNNING and row.worker_ids[-1:] == [self.worker_id]:
                    row.status, row.started_at = TaskResultStatus.READY, None
                    row.save(update_fields=["status", "started_at"])
            logger.error(
                "Worker %s lost its heartbeat; handed back task %s and stops", self.worker_id, db_task_result.id
            )
            self.running = False
            return
        try:
            self.running_task = True
            task = db_task_result.task
            result = db_task_result.task_result
            backend = task.get_backend()
            task_started.send(sender=backend, task_result=result)
            failure: Exception | None = None
            value: Any = None
            try:
                if task.takes_context:
                    value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
                else:
                    value = task.call(*result.args, **result.kwargs)
            except Exception as exc:  # the task's own failure is its result
                failure = exc
            self._settle(db_task_result, failure=failure, value=value)
            task_finished.send(
                sender=type(backend), task_result=DBTaskResult.objects.get(id=db_task_result.id).task_result
            )
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _settle(self, db_task_result: DBTaskResult[Any, Any], *, failure: Exception | None, value: Any) -> None:
        with transaction.atomic():
            row = DBTaskResult.objects.select_for_update().get(id=db_task_result.id)
            if row.status == TaskResultStatus.RUNNING and row.worker_ids[-1:] == [self.worker_id]:
                if failure is not None:
                    row.set_failed(failure)
                else:
                    row.set_successful(value)
            else:
                logger.warning(
                    "Task %s was handed to another worker while %s ran it; this result is dropped",
                    row.id,
                    self.worker_id,
                )


class OnTheBeat:
    """A task the workers' beat enqueues every ``interval()`` seconds: once the interval has passed
    in this process (the first beat only starts it), and only when none is waiting or running
    already, so several workers do not pile them up. Connect ``enqueue_on_beat`` to ``beat_done``.
    """

    def __init__(self, task: Callable[[], Any], interval: Callable[[], float]) -> None:
        self._task = task  # called for the task, so the module defining it may import this one
        self._interval = interval
        self.last_enqueued: float | None = None

    def enqueue_on_beat(self, **kwargs: Any) -> bool:
        """Returns whether it enqueued one."""
        now = time.monotonic()
        if self.last_enqueued is None:
            self.last_enqueued = now
            return False
        if now - self.last_enqueued < self._interval():
            return False
        self.last_enqueued = now
        task = self._task()
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).exists()
        if waiting:
            return False
        task.enqueue()
        return True

    def due_at_next_beat(self) -> None:
        """The next beat of this process enqueues it (tests; a process that wants one soon)."""
        self.last_enqueued = float("-inf")  # a monotonic time before any: the next beat is past the interval

    def restart(self) -> None:
        """As a new process: the next beat only starts the interval."""
        self.last_enqueued = None
