from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "PostgreSQL: let the application's database role only read and append to the audit log. "
        "Run it as the owner of the tables (the role that runs migrations), naming the role the "
        "web and worker processes connect as."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--role", required=True, help="The role the application connects as.")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("audit_lockdown is for PostgreSQL; SQLite has no roles.")
        quoted = connection.ops.quote_name(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"No role {role!r}.")
            if row[0]:
                raise CommandError(f"{role!r} is a superuser: a superuser can always change the log. Use another.")
            cursor.execute(f"REVOKE ALL ON audit_event, audit_chainhead FROM {quoted}")
            cursor.execute(f"GRANT SELECT, INSERT ON audit_event TO {quoted}")
            # The head moves only through audit_link (audit migration 0006): no UPDATE on it either.
            cursor.execute(f"GRANT SELECT ON audit_chainhead TO {quoted}")
            cursor.execute(f"GRANT USAGE ON SEQUENCE audit_event_id_seq TO {quoted}")
            # Erasure: the owner's function that applies recorded redactions, and nothing else
            # (audit migration 0005).
            cursor.execute(f"GRANT EXECUTE ON FUNCTION audit_redact(bigint) TO {quoted}")
            # Linking: the owner's function that sets a pending event's link and moves the head.
            cursor.execute(f"GRANT EXECUTE ON FUNCTION audit_link(bigint[], bigint[], text[], text[]) TO {quoted}")
        self.stdout.write(self.style.SUCCESS(f"{role} may now only read and append to the audit log."))
