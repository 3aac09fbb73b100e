"""The Users and Accounts search's sort indexes (customers/directory.py).

One partial index per tab and sort column: ``(sort key, id, store_id) WHERE kind IN (…)``, where the
sort key is the column in lower case — on PostgreSQL in the "C" collation, so that both databases
order text alike (code point order) and the index serves the comparison. ``ORDER BY key, id LIMIT
26`` after a keyset predicate walks one index range in either direction, and the store is read from
the index to scope the page. The indexes are not declared on the model: Django cannot say "this
collation on PostgreSQL only", so they are created here in each database's own SQL.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KINDS = {
    "u": "\"kind\" IN ('REGISTERED_USER', 'SINGLE_SESSION_USER')",
    "a": "\"kind\" IN ('ACCOUNT')",
}
COLUMNS = {
    "u": ("shared_id", "first_name", "last_name", "email", "phone", "billing_summary"),
    "a": ("shared_id", "organization_name", "business_number", "billing_summary"),
}


def _indexes(vendor: str) -> list[tuple[str, str]]:
    made = []
    for tab, columns in COLUMNS.items():
        for column in columns:
            key = f'(lower("{column}") COLLATE "C")' if vendor == "postgresql" else f'lower("{column}")'
            name = f"customers_dir_{tab}_{column}"[:63]
            made.append(
                (name, f'CREATE INDEX "{name}" ON "customers_customer" ({key}, "id", "store_id") WHERE {KINDS[tab]}')
            )
    return made


def create(apps: Any, schema_editor: Any) -> None:
    for _name, sql in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    for name, _sql in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_public_segment_billing_summary")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
