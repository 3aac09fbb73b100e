from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from concierge.core.worker import Heartbeat


class Command(DbWorkerCommand):
    help = (
        "Run the task worker: django-tasks-db's db_worker with a heartbeat and a reaper that "
        "re-queues tasks whose worker died. It never auto-reloads."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=settings.CONCIERGE_WORKER_HEARTBEAT_SECONDS,
            help="Seconds between heartbeats (and reaper runs) (default: %(default)r).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A reloading worker would run the loop in a child process with another worker id than the
        # one this heartbeat speaks for; restart the worker by hand after code changes instead.
        options["reload"] = False
        heartbeat = Heartbeat(options["worker_id"], interval=options.pop("heartbeat"))
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
