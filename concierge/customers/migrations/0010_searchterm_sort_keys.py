"""The Users and Accounts search's sort key on the Find customer terms (customers/directory.py).

A term searched and sorted on the same column ("smi" in Last Name, sorted by Last Name) has its
matches bunched together in the sort order, thousands of them: walking the column's sort index
(0008) from the start reads everything before them, and reading the matches' customers to sort
them costs a row fetch each (docs/performance.md, "Users and Accounts search at 1M customers").
So each term row carries ``sort_key``: its customer's sort key of the column the term comes from —
``lower(last_name)`` for an ``l:`` term, ``lower(first_name)`` for ``f:``, ``lower(email)``,
``lower(shared_id)`` (``i:``), ``lower(phone)``, ``lower(organization_name)`` (``o:``); empty for a
postal code. The index ``(term, store_id, sort_key, customer_id)`` then answers "this prefix's
customers in that column's order" from the index alone.

The key is kept by the database, not by the code that writes terms (``customers.search``, the
bulk generator, SQL): a trigger fills it on every insert of a term from its customer's row, and
another rewrites a customer's terms' keys when one of those columns changes (an erasure too). The
column is in the column's sort order: on PostgreSQL ``COLLATE "C"``, as the sort indexes are.

Neither column nor triggers are declared on the model (Django cannot say either). On SQLite a later
migration that rebuilds ``customers_customer`` or the term table drops the triggers and the raw
indexes with it; it must create them again — ``test_directory_sorted_terms.py`` checks that they
are there. 0009 did rebuild ``customers_customer`` on SQLite and so dropped the sort indexes of
0008: they are created again here where they are missing.
"""

# ruff: noqa: S608 - every statement is built from the constants below, never from input
from __future__ import annotations

import importlib
from typing import Any

from django.db import migrations

# The term's tag → the customer column whose sort key its rows carry.
COLUMNS = {
    "l:": "last_name",
    "f:": "first_name",
    "e:": "email",
    "i:": "shared_id",
    "p:": "phone",
    "o:": "organization_name",
}


def _key(term: str, row: str) -> str:
    """SQL: the sort key of the term ``term`` (an SQL expression) from the customer row ``row``."""
    cases = " ".join(f"WHEN '{tag}' THEN {row}.\"{column}\"" for tag, column in COLUMNS.items())
    return f"coalesce(lower(CASE substr({term}, 1, 2) {cases} END), '')"


WATCHED = ", ".join(f'"{c}"' for c in COLUMNS.values())
CHANGED = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in COLUMNS.values())

POSTGRESQL = [
    """ALTER TABLE "customers_customersearchterm" ADD COLUMN "sort_key" varchar(254) COLLATE "C" NOT NULL
       DEFAULT ''""",
    f"""UPDATE "customers_customersearchterm" t SET "sort_key" = {_key("t.term", "c")}
        FROM "customers_customer" c WHERE c.id = t.customer_id AND substr(t.term, 1, 2) IN
        ({", ".join(f"'{tag}'" for tag in COLUMNS)})""",
    f"""CREATE FUNCTION "customers_searchterm_sort_key"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.sort_key := coalesce((SELECT {_key("NEW.term", "c")} FROM "customers_customer" c
                                    WHERE c.id = NEW.customer_id), '');
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER "customers_searchterm_sort_key" BEFORE INSERT OR UPDATE OF "term", "customer_id"
       ON "customers_customersearchterm" FOR EACH ROW EXECUTE FUNCTION "customers_searchterm_sort_key"()""",
    f"""CREATE FUNCTION "customers_customer_sort_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE "customers_customersearchterm" SET "sort_key" = {_key("term", "NEW")}
           WHERE "customer_id" = NEW.id AND "sort_key" IS DISTINCT FROM {_key("term", "NEW")};
          RETURN NULL;
        END $$""",
    f"""CREATE TRIGGER "customers_customer_sort_keys" AFTER UPDATE OF {WATCHED} ON "customers_customer"
        FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION "customers_customer_sort_keys"()""",
    """CREATE INDEX "customers_searchterm_sorted" ON "customers_customersearchterm"
       ("term" varchar_pattern_ops, "store_id", "sort_key", "customer_id")""",
]
POSTGRESQL_DROP = [
    'DROP INDEX IF EXISTS "customers_searchterm_sorted"',
    'DROP TRIGGER IF EXISTS "customers_customer_sort_keys" ON "customers_customer"',
    'DROP FUNCTION IF EXISTS "customers_customer_sort_keys"()',
    'DROP TRIGGER IF EXISTS "customers_searchterm_sort_key" ON "customers_customersearchterm"',
    'DROP FUNCTION IF EXISTS "customers_searchterm_sort_key"()',
    'ALTER TABLE "customers_customersearchterm" DROP COLUMN IF EXISTS "sort_key"',
]

SQLITE = [
    """ALTER TABLE "customers_customersearchterm" ADD COLUMN "sort_key" varchar(254) NOT NULL DEFAULT ''""",
    f"""UPDATE "customers_customersearchterm" SET "sort_key" = coalesce((SELECT
        {_key('"customers_customersearchterm"."term"', "c")} FROM "customers_customer" c
        WHERE c.id = "customers_customersearchterm"."customer_id"), '')""",
    f"""CREATE TRIGGER "customers_searchterm_sort_key" AFTER INSERT ON "customers_customersearchterm"
        FOR EACH ROW BEGIN
          UPDATE "customers_customersearchterm" SET "sort_key" = coalesce((SELECT {_key("NEW.term", "c")}
            FROM "customers_customer" c WHERE c.id = NEW.customer_id), '') WHERE "id" = NEW.id;
        END""",
    f"""CREATE TRIGGER "customers_searchterm_sort_key_update" AFTER UPDATE OF "term", "customer_id"
        ON "customers_customersearchterm" FOR EACH ROW BEGIN
          UPDATE "customers_customersearchterm" SET "sort_key" = coalesce((SELECT {_key("NEW.term", "c")}
            FROM "customers_customer" c WHERE c.id = NEW.customer_id), '') WHERE "id" = NEW.id;
        END""",
    f"""CREATE TRIGGER "customers_customer_sort_keys" AFTER UPDATE OF {WATCHED} ON "customers_customer"
        FOR EACH ROW WHEN {CHANGED.replace("IS DISTINCT FROM", "IS NOT")} BEGIN
          UPDATE "customers_customersearchterm" SET "sort_key" = {_key("term", "NEW")}
           WHERE "customer_id" = NEW.id;
        END""",
    """CREATE INDEX "customers_searchterm_sorted" ON "customers_customersearchterm"
       ("term", "store_id", "sort_key", "customer_id")""",
]
SQLITE_DROP = [
    'DROP INDEX IF EXISTS "customers_searchterm_sorted"',
    'DROP TRIGGER IF EXISTS "customers_customer_sort_keys"',
    'DROP TRIGGER IF EXISTS "customers_searchterm_sort_key_update"',
    'DROP TRIGGER IF EXISTS "customers_searchterm_sort_key"',
    'ALTER TABLE "customers_customersearchterm" DROP COLUMN "sort_key"',
]


def _sort_indexes(vendor: str) -> list[str]:
    """0008's sort indexes, each created only where it is missing."""
    made = importlib.import_module("concierge.customers.migrations.0008_directory_indexes")._indexes(vendor)
    return [sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1) for _name, sql in made]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in [*_sort_indexes(vendor), *(POSTGRESQL if vendor == "postgresql" else SQLITE)]:
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    for sql in POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_organizations")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
