"""The worker's heartbeat and reaper (RELIABILITY bar 22): a task whose worker died is run again."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from concierge.core.models import WorkerHeartbeat
from concierge.core.worker import FencedWorker, Heartbeat, beat, reap_stalled_tasks
from concierge.testing.tasks import probe

ROOT = Path(__file__).resolve().parents[3]


def claimed_task(worker_id: str, *, started: dt.datetime) -> DBTaskResult:
    result = probe.enqueue("/nonexistent", "k")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(id=row.id).update(started_at=started)
    return row


@pytest.mark.django_db
class TestReaper:
    def test_a_task_whose_worker_is_silent_goes_back_to_the_queue(self, clock):
        # given a task claimed a minute ago by a worker that never beat since
        task = claimed_task("dead-worker", started=clock.now() - dt.timedelta(minutes=1))
        # when the reaper runs
        reaped = reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30))
        # then the task is READY again
        assert reaped == [str(task.id)]
        assert DBTaskResult.objects.get(id=task.id).status == TaskResultStatus.READY

    def test_a_long_task_of_a_live_worker_is_left_alone(self, clock):
        beat("busy-worker", started_at=clock.now() - dt.timedelta(hours=2))
        task = claimed_task("busy-worker", started=clock.now() - dt.timedelta(hours=1))
        beat("busy-worker")
        assert reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30)) == []
        assert DBTaskResult.objects.get(id=task.id).status == TaskResultStatus.RUNNING

    def test_a_worker_is_dead_only_after_the_stall_timeout(self, clock):
        beat("quiet-worker", started_at=clock.now() - dt.timedelta(minutes=10))
        task = claimed_task("quiet-worker", started=clock.now() - dt.timedelta(minutes=5))
        beat("quiet-worker")
        clock.advance(dt.timedelta(seconds=29))
        assert reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30)) == []
        clock.advance(dt.timedelta(seconds=2))
        assert reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30)) == [str(task.id)]

    def test_a_task_of_a_worker_that_restarted_under_the_same_id_is_reaped(self, clock):
        # given a task claimed by worker "w" ...
        task = claimed_task("w", started=clock.now() - dt.timedelta(seconds=5))
        # ... which then restarted (a new process beats with a new start time)
        beat("w", started_at=clock.now())
        assert reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30)) == [str(task.id)]

    def test_a_worker_does_not_record_a_result_for_a_task_handed_to_another(self, clock, tmp_path):
        # given a task claimed by w1, reaped, and claimed again by w2
        result = probe.enqueue(str(tmp_path), "k")
        DBTaskResult.objects.get(id=result.id).claim("w1")
        DBTaskResult.objects.filter(id=result.id).update(status=TaskResultStatus.READY)
        DBTaskResult.objects.get(id=result.id).claim("w2")
        # when w1 finishes running it
        heartbeat = Heartbeat("w1", interval=1)
        heartbeat.last_beat = clock.now()
        worker = FencedWorker(heartbeat=heartbeat, queue_names=["default"], interval=1, batch=False,
                              backend_name="default", startup_delay=False, max_tasks=None, worker_id="w1",
                              excluded_queue_names=[])  # fmt: skip
        worker.run_task(DBTaskResult.objects.get(id=result.id))
        # then the task is still w2's, still running
        row = DBTaskResult.objects.get(id=result.id)
        assert (row.status, row.worker_ids) == (TaskResultStatus.RUNNING, ["w1", "w2"])

    def test_long_dead_heartbeats_are_cleared(self, clock):
        beat("gone")
        clock.advance(dt.timedelta(minutes=10))
        reap_stalled_tasks(stall_timeout=dt.timedelta(seconds=30))
        assert not WorkerHeartbeat.objects.filter(worker_id="gone").exists()


def worker_env() -> dict[str, str]:
    """The environment of a worker process that uses this test's database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "concierge.settings"
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    env["CONCIERGE_WORKER_STALL_SECONDS"] = "2"
    return env


def start_worker(name: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "worker", "--interval", "0.1", "--heartbeat", "0.25", "--worker-id", name,
         "--no-startup-delay"],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_completes_exactly_once(tmp_path):
    stall = 2.0
    # given a task that makes its effect and then holds until released, and two workers
    (tmp_path / "hold").touch()
    result = probe.enqueue(str(tmp_path), "order-42")
    first = start_worker("worker-first")
    second = None
    try:
        wait_for(lambda: len(lines(tmp_path / "starts")) == 1, 60, "the first worker to start the task")
        claimed_by = DBTaskResult.objects.get(id=result.id).worker_ids
        second = start_worker("worker-second")
        wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="worker-second").exists(), 60, "the second worker")
        # when the worker running it is killed hard after the effect, and the task may finish
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        (tmp_path / "hold").unlink()
        # then the second worker runs it again within twice the stall timeout of the kill
        took = wait_for(lambda: len(lines(tmp_path / "starts")) == 2, 2 * stall + 1, "the task to be run again")
        wait_for(
            lambda: DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL,
            30,
            "the task to finish",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
    final = DBTaskResult.objects.get(id=result.id)
    assert claimed_by == ["worker-first"]
    assert final.worker_ids == ["worker-first", "worker-second"]
    assert lines(tmp_path / "effects") == ["order-42"]  # delivered twice, one effect
    assert final.return_value == "already done"
    assert took <= 2 * stall + 1  # measured from the kill, not from the start
