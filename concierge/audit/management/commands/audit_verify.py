from typing import Any

from django.core.management.base import BaseCommand, CommandError

from concierge.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report the first broken link (exit status 1 if any)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"Audit chain broken at event #{report.broken_at}: {report.reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain verified: {report.checked} events, no broken link."))
