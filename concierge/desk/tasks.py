"""The worker's upkeep of the desk's rollup: every closed day of every store rolled up, and the last
few recomputed (``concierge.desk.rollup.refresh``).

The worker's beat (``concierge.core.worker.beat_done``) enqueues :func:`refresh_rollup_task` at
most every ``DESK_ROLLUP_INTERVAL_SECONDS`` (15 minutes by default) when none is waiting. Idempotent:
a day computed again replaces its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from concierge.core.worker import OnTheBeat
from concierge.desk.rollup import refresh


@task()
def refresh_rollup_task() -> int:
    """One refresh; returns the days computed."""
    return refresh().days


def _interval() -> float:
    return float(getattr(settings, "DESK_ROLLUP_INTERVAL_SECONDS", 900))


on_the_beat = OnTheBeat(lambda: refresh_rollup_task, _interval)
enqueue_on_beat = on_the_beat.enqueue_on_beat
due_at_next_beat = on_the_beat.due_at_next_beat
