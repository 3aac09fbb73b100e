"""Loading many rows fast, for the generator: ``COPY`` on PostgreSQL, ``executemany`` on SQLite, in
one transaction.

A load is one step, well defined on both databases: ``bulk_load`` opens a transaction, locks the
tables it writes, and for a large load drops their non-unique secondary indexes (and, on PostgreSQL,
their foreign keys, and the unique constraints and primary keys no table outside the load refers
to) first; the rows are written with ids chosen up front (nothing is read back); then the indexes
are built again and the constraints added again and the sequences moved past the new ids, before
the commit. PostgreSQL checks every row as it adds a constraint again (a duplicate number, a line
of no order), which fails the load; on SQLite unique constraints stay and check every row as it
comes. Building an index whole from the loaded rows costs a fraction of keeping it up to date row
by row (2026-12-04: a million orders' unique numbers and the shipments' keys, some 4.5 s kept
against 1.8 s built; bench/results/postgres-generate-2026-12-04.txt). Both databases drop and
create indexes inside a transaction, so a load that fails anywhere — a constraint, an error,
Ctrl-C — rolls back whole: no row of it stays and every index and constraint is there as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import NOT_PROVIDED, Model

from concierge.core.progress import progress_bar


def is_large(count: int, existing: int) -> bool:
    """Whether a load of ``count`` rows into a table of ``existing`` drops the secondary indexes and
    builds them after: when it adds more than a quarter of what the table holds, building them
    whole is cheaper than keeping them up to date row by row."""
    return count * 4 > existing


def _model(table: str) -> type[Model]:
    return next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)


def model_defaults(table: str, columns: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns of ``table``'s model that ``columns`` leave out and the database cannot fill
    (NOT NULL, no database default), with the model's defaults: a field added to a model later gets
    its default in bulk inserts too, instead of failing them."""
    model = _model(table)
    extra: list[str] = []
    values: list[object] = []
    for f in model._meta.concrete_fields:
        if f.column is None or f.column in columns or f.primary_key or f.null or f.generated:
            continue
        if f.db_default is not NOT_PROVIDED:
            continue
        if not f.has_default() and not (f.blank and f.empty_strings_allowed):
            # A blank-able text field is "" by default, as the ORM writes it; anything else must be given.
            raise ValueError(f"{table}.{f.column} has no default: the bulk insert must give it")
        if f.unique:
            raise ValueError(f"{table}.{f.column} is unique: the bulk insert must give it")
        extra.append(f.column)
        values.append(f.get_db_prep_save(f.get_default(), connection))
    return extra, tuple(values)


@dataclass
class Deferred:
    """What a large load dropped, to build again: indexes (name, table, SQL), unique constraints
    and primary keys, and foreign keys (name, table, definition)."""

    indexes: list[tuple[str, str, str]] = field(default_factory=list)
    unique: list[tuple[str, str, str]] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _deferrable(tables: Sequence[str]) -> Deferred:
    """The non-unique secondary indexes of ``tables`` (and on PostgreSQL their foreign keys, and
    their unique constraints and primary keys that only foreign keys of ``tables`` refer to)."""
    deferred = Deferred()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
                " WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace"
                " AND NOT i.indisunique AND NOT i.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
                " ORDER BY t.relname, c.relname",
                [list(tables)],
            )
            deferred.indexes = list(cursor.fetchall())
            cursor.execute(
                "SELECT k.conname, t.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
                " JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' AND t.relname = ANY(%s)"
                " AND t.relnamespace = current_schema()::regnamespace ORDER BY t.relname, k.conname",
                [list(tables)],
            )
            deferred.foreign_keys = list(cursor.fetchall())
            cursor.execute(
                "SELECT k.conname, t.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
                " JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype IN ('p', 'u') AND t.relname = ANY(%s)"
                " AND t.relnamespace = current_schema()::regnamespace AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint f JOIN pg_class r ON r.oid = f.conrelid"
                "  WHERE f.contype = 'f' AND f.conindid = k.conindid"
                "  AND NOT (r.relname = ANY(%s) AND r.relnamespace = current_schema()::regnamespace))"
                " ORDER BY t.relname, k.conname",
                [list(tables), list(tables)],
            )
            deferred.unique = list(cursor.fetchall())
        else:
            for table in tables:
                cursor.execute(f"PRAGMA index_list({_quote(table)})")
                plain = {row[1] for row in cursor.fetchall() if not row[2] and row[3] == "c"}
                cursor.execute(
                    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                    " AND sql IS NOT NULL ORDER BY name",
                    [table],
                )
                deferred.indexes += [row for row in cursor.fetchall() if row[0] in plain]
    return deferred


def _drop(deferred: Deferred) -> Deferred:
    """Drop what ``deferred`` lists; returns what was dropped. A role that does not own the tables
    (PostgreSQL: insufficient privilege) cannot: the load then keeps every index."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint
            for name, table, _ in [*deferred.foreign_keys, *deferred.unique]:  # a key before what it refers to
                cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
            for name, _, _ in deferred.indexes:
                cursor.execute(f"DROP INDEX {_quote(name)}")
    except ProgrammingError as error:
        if getattr(error.__cause__, "sqlstate", "") != "42501":
            raise
        return Deferred()
    return deferred


def _rebuild(deferred: Deferred, *, progress: bool) -> None:
    steps = len(deferred.indexes) + len(deferred.unique) + len(deferred.foreign_keys)
    with progress_bar("indexes", total=steps, unit="indexes", enabled=progress) as bar, connection.cursor() as cursor:
        # The unique keys first: a duplicate fails the load before the indexes are built; and what a
        # foreign key refers to is there before it.
        for name, table, definition in deferred.unique:
            cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
            bar.update(1)
        for _, _, sql in deferred.indexes:
            cursor.execute(sql)
            bar.update(1)
        for name, table, definition in deferred.foreign_keys:
            cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
            bar.update(1)


@dataclass
class Load:
    """The open load: ids to hand out and the writer of rows."""

    tables: Sequence[str]
    rebuilt: bool
    _next: dict[str, int] = field(default_factory=dict)
    _defaults: dict[tuple[str, tuple[str, ...]], tuple[list[str], tuple]] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    postgres: bool = field(default_factory=lambda: connection.vendor == "postgresql")

    def ids(self, table: str, count: int) -> range:
        """``count`` new ids of ``table``, after every id it holds (the tables are locked)."""
        if table not in self._next:
            with connection.cursor() as cursor:
                # The table is one of the generator's own, quoted; nothing here comes from input.
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_quote(table)}")  # noqa: S608
                self._next[table] = cursor.fetchone()[0] + 1
        first = self._next[table]
        self._next[table] = first + count
        return range(first, first + count)

    def time(self, value: dt.datetime) -> dt.datetime:
        """A time as this database's bulk writer takes it (SQLite: naive UTC, as Django stores it).
        A naive ``value`` is UTC (as SQLite gives times back)."""
        if self.postgres:
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value

    def stamp(self, value: dt.datetime) -> str:
        """A time as text for the bulk writer (formatting a time is the slowest part of a COPY row,
        and a row often has the same one twice)."""
        return str(self.time(value))

    def tail(self, values: tuple) -> Tail:
        """The last columns of many rows alike (a customer's part of each of their orders), made
        ready once for ``write(..., tails=True)``: on PostgreSQL as COPY text."""
        if self.postgres:
            return "\t".join([_copy_text(v) for v in values])
        return values

    def _head(self, table: str, columns: Sequence[str]) -> tuple[str, list[str], tuple]:
        """``table (columns…)`` of a COPY or INSERT, every column named, and the model's defaults of
        those ``columns`` leave out."""
        key = (table, tuple(columns))
        if key not in self._defaults:
            self._defaults[key] = model_defaults(table, columns)
        extra, defaults = self._defaults[key]
        names = [*columns, *extra]
        return f"{_quote(table)} ({', '.join(_quote(c) for c in names)})", names, defaults

    def copy_end(self, table: str, columns: Sequence[str]) -> str:
        """The end of every COPY line of ``table`` written in ``columns``: the defaults of the
        columns left out, and the line break (for COPY text made elsewhere: ``write_copy_text``)."""
        _, _, defaults = self._head(table, columns)
        return "".join("\t" + _copy_text(d) for d in defaults) + "\n"

    def write_copy_text(self, table: str, columns: Sequence[str], text: bytes | str, *, rows: int) -> int:
        """PostgreSQL: write ``rows`` rows given as COPY text (each line ending in ``copy_end``)."""
        head, _, _ = self._head(table, columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {head} FROM STDIN") as copy:
            copy.write(text)
        self.written[table] = self.written.get(table, 0) + rows
        return rows

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple], *, tails: bool = False) -> int:
        """Write ``rows`` (values in ``columns``' order) into ``table``; the model's defaults fill
        the columns left out. With ``tails``, each row is a pair: its first values — numbers, and
        text without tabs, line breaks or backslashes (ids, numbers, statuses, ``stamp`` times) —
        and a ``tail`` holding the rest. Returns how many rows were written."""
        head, names, defaults = self._head(table, columns)
        count = 0
        if self.postgres:
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {head} FROM STDIN") as copy:
                if tails:
                    end = "".join("\t" + _copy_text(d) for d in defaults) + "\n"
                    lines: list[str] = []
                    for first, rest in rows:
                        lines.append("\t".join(map(str, first)) + "\t" + rest + end)
                        if len(lines) == 5000:
                            count += _send(copy, lines)
                            lines = []
                    count += _send(copy, lines)
                else:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row + defaults if defaults else row)
                        count += 1
        else:
            if tails:
                listed = [first + rest + defaults for first, rest in rows]
            else:
                listed = [row + defaults for row in rows] if defaults else list(rows)
            if listed:
                # Table and column names are the generator's own, quoted; every value is a parameter.
                sql = f"INSERT INTO {head} VALUES ({', '.join(['?'] * len(names))})"  # noqa: S608
                connection.ensure_connection()
                raw = connection.connection.cursor()
                try:
                    with connection.wrap_database_errors:  # Django's IntegrityError, as PostgreSQL's load raises
                        raw.executemany(sql, listed)
                finally:
                    raw.close()
            count = len(listed)
        self.written[table] = self.written.get(table, 0) + count
        return count


# A tail of columns: COPY text on PostgreSQL, values on SQLite.
Tail = str | tuple
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _send(copy: Any, lines: list[str]) -> int:
    copy.write("".join(lines))
    return len(lines)


def _copy_text(value: object) -> str:
    """``value`` in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    return str(value)


# Foreign keys are checked once, whole, before the commit (``PRAGMA foreign_key_check``).
_SQLITE_FAST = {"synchronous": "OFF", "cache_size": "-262144", "temp_store": "MEMORY", "foreign_keys": "OFF"}


@contextmanager
def _sqlite_settings() -> Iterator[bool]:
    """The load's own connection writes without waiting for the disk, with a large page cache and
    without checking each row's foreign keys as it comes (yields True: the load checks them whole
    before it commits); its settings are put back after (the connection is kept for requests).
    Inside an enclosing transaction (tests, ``seed_demo``) nothing is changed."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield False
        return
    saved = {}
    with connection.cursor() as cursor:
        for name, value in _SQLITE_FAST.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


@contextmanager
def bulk_load(tables: Sequence[str], *, rebuild_indexes: bool, progress: bool = False) -> Iterator[Load]:
    """One load into ``tables`` (see the module's docstring). ``rebuild_indexes``: drop the
    secondary indexes before and build them after (a large load)."""
    with _sqlite_settings() as check_keys, transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                # Foreign keys left in place are checked row by row at each COPY's end, not queued
                # for the commit (Django's are deferrable, initially deferred).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Other writers wait (their ids would clash with the ones chosen here); readers do not.
                cursor.execute(f"LOCK TABLE {', '.join(_quote(t) for t in tables)} IN SHARE ROW EXCLUSIVE MODE")
        deferred = _drop(_deferrable(tables) if rebuild_indexes else Deferred())
        load = Load(tables=tables, rebuilt=rebuild_indexes)
        yield load
        _rebuild(deferred, progress=progress)
        models = [_model(t) for t in tables]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            if check_keys:
                for table in tables:
                    cursor.execute(f"PRAGMA foreign_key_check({_quote(table)})")
                    broken = cursor.fetchall()
                    if broken:
                        raise IntegrityError(f"{len(broken)} rows of {table} refer to rows that do not exist")
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django's are, for the rest of a transaction
                if rebuild_indexes:
                    for table in tables:
                        cursor.execute(f"ANALYZE {_quote(table)}")
