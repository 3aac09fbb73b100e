"""The task worker: django-tasks-db's worker, plus a heartbeat and a reaper.

django-tasks-db leaves a task RUNNING forever when its worker is killed hard. Every Concierge worker
therefore writes a heartbeat, and (any worker, on each beat) hands a RUNNING task back to the queue
when the worker that claimed it has been silent for the stall timeout. Tasks are idempotent, so a
task that is run again after its worker died has one effect (docs/adr/0004-task-reaper.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from concierge.core import clock
from concierge.core.models import WorkerHeartbeat

logger = logging.getLogger("concierge.worker")


def beat(worker_id: str, *, started_at: dt.datetime | None = None) -> None:
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen_at": now, "hostname": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={
            "last_seen_at": now,
            "started_at": started_at or now,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def reap_stalled_tasks(*, stall_timeout: dt.timedelta | None = None) -> list[str]:
    """Put back on the queue every RUNNING task whose worker has been silent past ``stall_timeout``.

    Returns the ids of the tasks handed back. The update is conditional on the task still being
    RUNNING with the same claim, so two reapers never hand one task back twice.
    """
    timeout = stall_timeout or dt.timedelta(seconds=settings.CONCIERGE_WORKER_STALL_SECONDS)
    cutoff = clock.now() - timeout
    alive = set(WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).values_list("worker_id", flat=True))
    reaped: list[str] = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    for task_id, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
        claimant = worker_ids[-1] if worker_ids else None
        if claimant in alive:
            continue
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

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    beat(self.worker_id, started_at=self.started_at)
                    reap_stalled_tasks()
                except Exception:
                    logger.exception("Heartbeat of worker %s failed; trying again", self.worker_id)
                self.stopped.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
