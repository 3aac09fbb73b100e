from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from concierge.core.worker import FencedWorker, Heartbeat


class Command(DbWorkerCommand):
    help = (
        "Run the task worker: django-tasks-db's worker with a heartbeat, a reaper that re-queues "
        "tasks whose worker died, and fencing of results. It never auto-reloads."
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
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        heartbeat = Heartbeat(options["worker_id"], interval=options["heartbeat"])
        worker = FencedWorker(
            heartbeat=heartbeat,
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        # A reloading worker would run its loop in a child process under another worker id than
        # the one its heartbeat speaks for; restart the worker after code changes instead.
        heartbeat.start()
        try:
            worker.configure_signals()
            worker.run()
        finally:
            heartbeat.stop()
