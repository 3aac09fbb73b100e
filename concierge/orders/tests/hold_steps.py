"""Steps shared by the hold tests: run the settlements the worker would run, in this process."""

from __future__ import annotations

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

SETTLE_HOLD = "concierge.orders.tasks.settle_hold"


def queued_settlements() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SETTLE_HOLD, status=TaskResultStatus.READY).order_by("id"))


def run_settlements() -> list[str]:
    """Claim and run every queued hold settlement as a worker does; their return values."""
    done = []
    for row in queued_settlements():
        row.claim("test-worker")
        result = row.task_result
        value = row.task.call(*result.args, **result.kwargs)
        row.set_successful(value)
        done.append(value)
    return done
