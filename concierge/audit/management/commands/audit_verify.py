from typing import Any

from django.core.management.base import BaseCommand, CommandError

from concierge.audit.chainer import link_pending
from concierge.audit.models import Event
from concierge.audit.selectors import verify_chain
from concierge.core.progress import add_progress_argument, progress_bar, progress_wanted


class Command(BaseCommand):
    help = (
        "Link the audit events still pending, then walk the audit log's hash chain and report the first "
        "broken link (exit status 1 if any, or if an event has waited too long to be linked)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-link", action="store_true", help="Only verify: leave pending events to the chainer (read-only)."
        )
        add_progress_argument(parser)

    def handle(self, *args: Any, no_link: bool = False, **options: Any) -> None:
        linked = 0 if no_link else link_pending(wait=True)
        total = Event.objects.filter(seq__isnull=False).count() if progress_wanted(options) else 0
        with progress_bar("events", total=total, unit="events", enabled=progress_wanted(options)) as bar:
            report = verify_chain(progress=bar.update)
        if not report.ok:
            raise CommandError(f"Audit chain broken at event #{report.broken_at}: {report.reason}.")
        message = f"Audit chain verified: {report.checked} events, no broken link."
        if linked:
            message += f" ({linked} pending events linked first.)"
        if report.pending:
            age = int(report.oldest_pending.total_seconds()) if report.oldest_pending else 0
            message += f" {report.pending} events not linked yet (the oldest for {age} s)."
        self.stdout.write(self.style.SUCCESS(message))
