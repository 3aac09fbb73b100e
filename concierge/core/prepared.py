"""Querysets compiled once per process, for the few reads every request makes.

Django builds and compiles a queryset's SQL anew each time it runs: for the acting context's one
read (the session's user with their customer and store, or an API token with all three), that is
three quarters of the read's cost in Python, on every request. ``PreparedQuery`` builds the
queryset once per database with stand-in values for its parameters, keeps the SQL, where each
stand-in sits among the parameters, and how each row becomes objects; each run then executes that
SQL with the real values and builds the same objects a queryset would, related objects of
``select_related`` included.

It takes only what it can do the same way as the queryset: model rows (no ``values()``), no
annotations, prefetches or known related objects, and each stand-in exactly once among the
parameters; anything else is refused when it is first compiled. A test holds the two paths to the
same answer, field by field.

An update is compiled anew on every run as well: ``PreparedUpdate`` does for an
``UPDATE … RETURNING`` what ``PreparedQuery`` does for a read, for the writes every change of a cart
or an order makes first (its row, locked and its version moved on).

On PostgreSQL each runs on a cursor that binds its parameters on the server, so the connection
prepares the statement on its first run and plans it once: planning the order's read (six tables,
one of them with twenty indexes) cost 1.9 ms on every request, its execution 0.2 ms. The ORM's other
statements are bound in the client as Django does by default, and never prepared.

A model's own save compiles its statement on every call as well: ``save_fields`` and ``insert`` write
a row as ``save(update_fields=…)`` and ``save(force_insert=True)`` would, their statements compiled
once per model (and fields). A model with a ``save`` of its own, save signals connected to it, or
another model's table is saved by ``save()`` itself.

A prefetch is a queryset too, built and compiled on every read: ``fill_prefetched`` gives owners
their rows of a reverse foreign key read by a ``PreparedQuery``, as ``prefetch_related`` would
(``owner.<relation>.all()`` answers them with no query).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, NotSupportedError, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.fields import NOT_PROVIDED
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import UpdateQuery


@dataclass(frozen=True)
class _Compiled[M: Model]:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, _Slot]
    rows: Callable[[list[Any]], Iterator[Any]]
    build: Callable[[Any], M]


class PreparedQuery[M: Model]:
    """``build(**stand_ins)`` returns the queryset; ``run(**values)`` answers it for ``values``.

    Stand-ins are ``str`` or ``int`` values no real parameter equals (``"\\x00user-id"``,
    ``-7_000_000_001``): each must reach the SQL's parameters unchanged and exactly once.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], **stand_ins: str | int) -> None:
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[tuple[str, str], _Compiled[M]] = {}

    def run(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[M]:
        connection, compiled, params = self._bound(using, values)
        return self._answer(compiled, _fetched(connection, compiled.sql, params))

    def _bound(self, using: str, values: dict[str, Any]) -> tuple[Any, _Compiled[M], list[Any]]:
        connection, compiled = _compiled_on(self._compiled, using, self._compile)
        params = list(compiled.params)
        for name, (index, wrap) in compiled.slots.items():
            params[index] = wrap(values[name]) if wrap is not None else values[name]
        return connection, compiled, params

    @staticmethod
    def _answer(compiled: _Compiled[M], fetched: list[Any]) -> list[M]:
        return [compiled.build(row) for row in compiled.rows(fetched)]

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> M | None:
        found = self.run(using=using, **values)
        return found[0] if found else None

    def _compile(self, using: str) -> _Compiled[M]:
        queryset = self._build(**self._stand_ins)
        # The queryset's own state, as its ModelIterable reads it (the stubs do not declare it).
        private: Any = queryset
        if (
            private._iterable_class is not ModelIterable
            or private._prefetch_related_lookups
            or private._known_related_objects
        ):
            raise ValueError("PreparedQuery takes a plain model queryset (no values(), prefetches or known objects)")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = _as_sql(compiler)
        if compiler.annotation_col_map:
            raise ValueError("PreparedQuery takes no annotations")
        slots = _slots(params, self._stand_ins)
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)

        def rows(fetched: list[Any]) -> Iterator[Any]:
            return iter(compiler.apply_converters(fetched, converters) if converters else fetched)

        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        fetch_mode = private._fetch_mode
        populators = get_related_populators(klass_info, select, using, fetch_mode)

        def build(row: Any) -> M:
            obj = model_cls.from_db(using, init_list, row[start:end], fetch_mode=fetch_mode)
            for populator in populators:
                populator.populate(row, obj)
            return obj  # type: ignore[no-any-return]  # klass_info's model is the queryset's

        return _Compiled(sql=sql, params=tuple(params), slots=slots, rows=rows, build=build)


def run_together(*reads: tuple[PreparedQuery[Any], dict[str, Any]], using: str = DEFAULT_DB_ALIAS) -> list[list[Any]]:
    """The answers of several reads, each ``(query, values)``, in the order given. On PostgreSQL
    they are sent together in one pipeline and answered in one round trip (a page's child rows:
    an order's shipments, lines, holds and data); elsewhere they run one after another."""
    bound = [query._bound(using, values) for query, values in reads]
    connection = bound[0][0] if bound else None
    if connection is None or connection.vendor != "postgresql" or len(bound) < 2 or not _pipelines():
        return [query._answer(compiled, _fetched(c, compiled.sql, params)) for (query, _), (c, compiled, params)
                in zip(reads, bound, strict=True)]  # fmt: skip
    fetched = _fetched_together(connection, [(compiled.sql, params) for _, compiled, params in bound])
    return [
        query._answer(compiled, rows) for (query, _), (_, compiled, _), rows in zip(reads, bound, fetched, strict=True)
    ]


@dataclass(frozen=True)
class _CompiledUpdate[M: Model]:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, _Slot]  # a filter's stand-in or a set field's name → its parameter
    converters: dict[int, Any]
    attnames: list[str]
    model: type[M]


class PreparedUpdate[M: Model]:
    """``UPDATE … SET … WHERE … RETURNING`` every column of the model, compiled once per database.

    ``build(**stand_ins)`` returns the queryset of the rows to change (filters only, as for
    ``PreparedQuery``). ``sets`` names what each field is set to: an expression (``F("version") +
    1``), the same on every run, or a stand-in value of the field's type that ``run`` replaces by
    the value it is given under the field's name (each must reach the parameters exactly once, as
    the field writes it). ``run`` answers the changed rows as model instances, as ``from_db`` builds
    them; on a database that cannot return rows from an update it is refused when compiled.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *, sets: dict[str, Any], **stand_ins: str | int) -> None:
        if both := set(sets) & set(stand_ins):
            raise ValueError(f"{sorted(both)} named both as a set field and as a filter's stand-in")
        self._build = build
        self._sets = sets
        self._stand_ins = stand_ins
        self._compiled: dict[tuple[str, str], _CompiledUpdate[M]] = {}

    def run(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[M]:
        connection, compiled = _compiled_on(self._compiled, using, self._compile)
        params = list(compiled.params)
        model = compiled.model
        for name, (index, wrap) in compiled.slots.items():
            if name in self._sets:  # written as the field writes it, as the stand-in was
                params[index] = _field(model, name).get_db_prep_save(values[name], connection=connection)
            else:
                params[index] = wrap(values[name]) if wrap is not None else values[name]
        fetched = _fetched(connection, compiled.sql, params)
        found: list[M] = []
        for row in fetched:
            if compiled.converters:
                row = list(row)
                for index, (converters, expression) in compiled.converters.items():
                    for converter in converters:
                        row[index] = converter(row[index], expression, connection)
            found.append(model.from_db(using, compiled.attnames, row))
        return found

    def _compile(self, using: str) -> _CompiledUpdate[M]:
        connection = connections[using]
        if not connection.features.can_return_rows_from_update:
            raise ValueError(f"{connection.vendor} cannot return rows from an UPDATE")
        queryset = self._build(**self._stand_ins)
        model = queryset.model
        meta = model._meta
        query: Any = queryset.query.chain(UpdateQuery)  # the stubs type chain() as the Query it was
        query.add_update_fields([(_field(model, name), None, value) for name, value in self._sets.items()])
        compiler: Any = query.get_compiler(using=using)
        fields = list(meta.concrete_fields)
        compiler.returning_fields = fields
        sql, params = _as_sql(compiler)
        if compiler.returning_params:
            raise ValueError("PreparedUpdate takes no RETURNING parameters (a backend that binds them)")
        wanted: dict[str, Any] = dict(self._stand_ins)
        for name, value in self._sets.items():
            if not hasattr(value, "resolve_expression"):
                wanted[name] = _field(model, name).get_db_prep_save(value, connection=connection)
        slots = _slots(params, wanted)
        columns = [field.get_col(meta.db_table) for field in fields]
        return _CompiledUpdate(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=compiler.get_converters(columns),
            attnames=[field.attname for field in fields],
            model=model,
        )


@dataclass(frozen=True)
class _CompiledWrite:
    sql: str
    fields: tuple[Any, ...]  # the fields whose values are the parameters, in order
    returns_pk: bool  # an insert that answers the new row's primary key


# Each model's compiled writes, by (model, fields or "insert", alias, vendor); None: save() writes it.
_WRITES: dict[tuple[Any, ...], _CompiledWrite | None] = {}


def save_fields(row: Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``row.save(update_fields=fields)``: its ``fields`` written by primary key, each value as the
    field saves it (``pre_save`` included), with the UPDATE compiled once; no row changed is the
    error ``save`` raises."""
    connection = connections[using]
    key = (type(row), tuple(fields), using, connection.vendor)
    if key not in _WRITES:
        _WRITES[key] = _compile_update(type(row), fields, connection)
    compiled = _WRITES[key]
    if compiled is None or _signalled(type(row)):
        row.save(update_fields=fields, using=using)
        return
    values = [f.pre_save(row, False) for f in compiled.fields[:-1]]
    if any(hasattr(v, "resolve_expression") for v in values):  # F(), Now(): save() resolves them
        row.save(update_fields=fields, using=using)
        return
    params = [f.get_db_prep_save(v, connection=connection) for f, v in zip(compiled.fields[:-1], values, strict=True)]
    params.append(compiled.fields[-1].get_db_prep_value(row.pk, connection=connection))
    with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
        cursor.execute(compiled.sql, params)
        if cursor.rowcount == 0:
            # As save() raises it: the model's NotUpdated where Django has one (a DatabaseError).
            raise getattr(type(row), "NotUpdated", DatabaseError)("Save with update_fields did not affect any rows.")
    row._state.db = using
    row._state.adding = False


def insert(row: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``row.save(force_insert=True)`` for a new row of a model with an automatic primary key: its
    fields written as the model saves them (``pre_save`` included), the INSERT compiled once, and
    the new key set on ``row``."""
    connection = connections[using]
    key = (type(row), "insert", using, connection.vendor)
    if key not in _WRITES:
        _WRITES[key] = _compile_insert(type(row), connection)
    compiled = _WRITES[key]
    if compiled is None or row.pk is not None or _signalled(type(row)):
        row.save(force_insert=True, using=using)
        return
    values = [f.pre_save(row, True) for f in compiled.fields]
    if any(hasattr(v, "resolve_expression") for v in values):  # F(), Now(): save() resolves them
        row.save(force_insert=True, using=using)
        return
    params = [f.get_db_prep_save(v, connection=connection) for f, v in zip(compiled.fields, values, strict=True)]
    with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
        cursor.execute(compiled.sql, params)
        row.pk = cursor.fetchone()[0] if compiled.returns_pk else cursor.lastrowid
    row._state.db = using
    row._state.adding = False


def _plainly_saved(model: type[Model]) -> bool:
    """Whether a model's rows may be written without ``save()``: it neither has a ``save`` of its
    own nor inherits another model's table."""
    meta = model._meta
    return model.save is Model.save and not (meta.parents or meta.proxy)


def _signalled(model: type[Model]) -> bool:
    """Whether a save signal is connected to ``model`` (now: a receiver may be connected at any time)."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def _written_as_a_value(field: Any) -> bool:
    """A field whose saved value is one plain parameter (not SQL of its own, nor computed by the
    database)."""
    return not (hasattr(field, "get_placeholder") or field.generated)


def _compile_update(model: type[Model], names: Sequence[str], connection: Any) -> _CompiledWrite | None:
    if not _plainly_saved(model) or not names:
        return None
    meta, quote = model._meta, connection.ops.quote_name
    fields = [_field(model, name) for name in names]
    if any(f.primary_key or not f.concrete for f in fields):
        raise ValueError("save_fields writes concrete fields other than the primary key")
    if not all(_written_as_a_value(f) for f in fields):
        return None
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # Names of the model's own table and columns, quoted by the backend; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    return _CompiledWrite(sql=sql, fields=(*fields, meta.pk), returns_pk=False)


def _compile_insert(model: type[Model], connection: Any) -> _CompiledWrite | None:
    meta, quote = model._meta, connection.ops.quote_name
    if not _plainly_saved(model) or not getattr(meta, "auto_field", None):
        return None
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    # A default the database writes, or a value it computes, is read back by save(): let it.
    if not all(_written_as_a_value(f) and f.db_default is NOT_PROVIDED for f in fields):
        return None
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Names of the model's own table and columns, quoted by the backend; every value is a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    returns_pk = bool(connection.features.can_return_columns_from_insert)
    if returns_pk:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return _CompiledWrite(sql=sql, fields=tuple(fields), returns_pk=returns_pk)


def _as_sql(compiler: Any) -> tuple[str, Sequence[Any]]:
    """The compiler's SQL and parameters. A stand-in out of its column's range (an IntegerField's
    on PostgreSQL) makes Django drop the lookup as matching nothing: refused, with the reason."""
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet as exc:
        raise ValueError("a stand-in matches nothing as written (out of its column's range?): choose another") from exc
    return sql, params


def _fetched(connection: Any, sql: str, params: list[Any]) -> list[Any]:
    """The rows of one compiled statement. On PostgreSQL a statement this connection prepared before
    a migration changed a column it reads (its type, or a varchar's length) fails with "cached plan
    must not change result type" on every run: outside a transaction the connection's prepared
    statements are dropped and it runs once more, prepared anew; inside one the transaction fails,
    and its rollback drops them (psycopg forgets them on every rollback)."""
    with _cursor(connection) as cursor:
        try:
            cursor.execute(sql, params)
        except NotSupportedError as exc:
            if not (_stale_plan(exc) and connection.get_autocommit()):
                raise
            with connection.wrap_database_errors:
                connection.connection.execute("DEALLOCATE ALL")  # psycopg forgets its names too
            cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]  # the stubs' cursor is untyped


def _pipelines() -> bool:
    """Whether psycopg can pipeline here (libpq 14 or later)."""
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


def _fetched_together(connection: Any, statements: list[tuple[str, list[Any]]]) -> list[list[Any]]:
    """The rows of each statement, sent in one psycopg pipeline: one round trip for them all. A
    statement prepared before a migration changed its columns fails as in :func:`_fetched`: outside
    a transaction they run again one by one, prepared anew."""
    connection.ensure_connection()
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            cursors = [_cursor(connection) for _ in statements]
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
            return [cursor.fetchall() for cursor in cursors]
    except NotSupportedError as exc:
        if not (_stale_plan(exc) and connection.get_autocommit()):
            raise
        return [_fetched(connection, sql, params) for sql, params in statements]


def _stale_plan(exc: Exception) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "0A000" and "must not change result type" in str(cause)


def _cursor(connection: Any) -> Any:
    """A cursor of ``connection`` for a compiled statement, wrapped as ``connection.cursor()`` wraps
    its own. On PostgreSQL it binds the parameters on the server: the connection prepares the
    statement when it first runs it (settings.py's ``prepare_threshold``; with none set it is bound
    on the server but not prepared)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql import base

    backend: Any = base  # psycopg 3's names; the stubs know psycopg 2's
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = backend.ServerBindingCursor(connection.connection)
    # As DatabaseWrapper.create_cursor: the connection's time zone where its loader has another.
    loader = connection.connection.adapters.get_loader(backend.TIMESTAMPTZ_OID, backend.Format.TEXT)
    if connection.timezone != loader.timezone:
        backend.register_tzloader(connection.timezone, cursor)
    if connection.queries_logged:
        return _LoggedAsWritten(cursor, connection)
    return connection.make_cursor(cursor)


class _LoggedAsWritten(CursorDebugWrapper):
    """Logs a server-bound statement as the client-bound one would read (its values in place), not
    as the connection last sent it: a prepared statement's execution keeps no query text."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _compiled_on[C](cache: dict[tuple[str, str], C], using: str, compile: Callable[[str], C]) -> tuple[Any, C]:
    """The connection ``using`` and the statement compiled for it, compiled on first use (per alias
    and vendor: a test may point an alias at another database)."""
    connection = connections[using]
    key = (using, connection.vendor)
    compiled = cache.get(key)
    if compiled is None:
        compiled = cache[key] = compile(using)
    return connection, compiled


# Where a value goes among a compiled statement's parameters, and what the backend wraps it in there:
# PostgreSQL's backend passes a BigIntegerField's value as psycopg's Int8, an int of its own type.
type _Slot = tuple[int, Callable[[Any], Any] | None]


def _slots(params: Sequence[Any], stand_ins: dict[str, Any]) -> dict[str, _Slot]:
    """Each stand-in's place among ``params``, where it must be exactly once."""
    slots: dict[str, _Slot] = {}
    for name, stand_in in stand_ins.items():
        at = [i for i, p in enumerate(params) if isinstance(p, type(stand_in)) and p == stand_in]
        if len(at) != 1:
            raise ValueError(f"the stand-in for {name!r} is among the parameters {len(at)} times, not once")
        kind = type(params[at[0]])
        slots[name] = (at[0], kind if kind is not type(stand_in) else None)
    return slots


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise ValueError(f"{model.__name__}.{name} is a relation's other side, not a column")
    return field


def fill_prefetched(owners: Sequence[Model], relation: str, rows: Iterable[Model]) -> None:
    """Give each of ``owners`` (instances of one model) its ``rows`` of the reverse foreign key
    ``relation``, in the order given, as ``prefetch_related`` leaves them: ``owner.<relation>.all()``
    answers them without a query and each row's foreign key holds its owner. Rows of no owner given
    are dropped; an owner with none gets an empty list."""
    if not owners:
        return
    field: Any = getattr(type(owners[0]), relation).field  # the foreign key of the rows' model
    target = field.target_field.attname
    grouped: dict[Any, list[Model]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, field.attname), []).append(row)
    cache_name = field.remote_field.cache_name
    for owner in owners:
        found = grouped.get(getattr(owner, target), [])
        for row in found:
            field.set_cached_value(row, owner)
        cache: Any = owner.__dict__.setdefault("_prefetched_objects_cache", {})
        cache.pop(cache_name, None)  # the manager's own queryset, not a cached one
        queryset: Any = getattr(owner, relation).get_queryset()
        queryset._result_cache = found
        queryset._prefetch_done = True
        cache[cache_name] = queryset
