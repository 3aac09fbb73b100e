"""Ingest of device sightings: verify a signed batch, map tokens to customers, store each event
once, and move each customer's whereabouts (``InStore``) forward. One path for HTTP and MQTT.

A batch is the JSON body ``{"device": key_id, "sent_at": ISO time, "events": [{"event_id", "token",
"zone"?, "seen_at"}, …]}``, signed as ``presence.credentials`` says. Per event:

* an unknown or revoked token, or a time further ahead than the signature window, is **rejected**
  (counted; nothing is stored, never the raw token);
* a customer without consent to the in-store presence data policy
  (``settings.PRESENCE_CONSENT_POLICY``, reference key ``in-store-presence`` by default, active in
  the device's store) is **dropped**: acknowledged, counted, not stored;
* an event id the device sent before (or twice in the batch) is a **duplicate**: stored once;
* the rest are **accepted**: one ``Sighting`` each, in one ``INSERT … ON CONFLICT DO NOTHING``.

``InStore`` is upserted per (store, customer) in one statement: a sighting older than the
customer's ``last_seen_at`` does not move them back; one after a gap longer than the store's quiet
time starts a new visit (``since``); a change of zone sets ``zone_since``.
"""

# ruff: noqa: S608 - statements are built from table names and placeholders, never from input
from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.customers.models import CustomerConsent, DataPolicy
from concierge.presence import credentials
from concierge.presence.device_errors import DeviceError
from concierge.presence.models import CustomerToken, Device, InStore, Sighting

MAX_EVENTS = 500
MAX_BODY_BYTES = 256 * 1024
CONSENT_POLICY = "in-store-presence"

_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
EventId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE)]
TokenText = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE)]
ZoneText = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=_PRINTABLE)]
KeyId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=_PRINTABLE)]


class SightingEvent(BaseModel):
    """One device event: a customer's token seen (in ``zone``, else the device's zone) at ``seen_at``."""

    model_config = ConfigDict(extra="ignore")

    event_id: EventId = Field(description="Unique per device: an event sent again is stored once.")
    token: TokenText = Field(description="The loyalty card number or app id the device read.")
    zone: ZoneText | None = Field(default=None, description="Where in the store; the device's zone when absent.")
    seen_at: AwareDatetime = Field(description="When the customer was seen, with its UTC offset.")


class SightingBatch(BaseModel):
    """The signed body a device sends (over HTTP, or as ``body`` of an MQTT message)."""

    model_config = ConfigDict(extra="ignore")

    device: KeyId = Field(description="The device's key id.")
    sent_at: AwareDatetime
    events: list[SightingEvent] = Field(max_length=MAX_EVENTS, description=f"At most {MAX_EVENTS} events.")


@dataclass(slots=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0

    def add(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.dropped += other.dropped


# --- Verification ---------------------------------------------------------------------------------


def _invalid(message: str, fields: dict[str, list[str]] | None = None) -> DomainError:
    return DomainError(DeviceError.BATCH_INVALID, message, status=400, fields=fields)


def _fields_of(exc: PydanticValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        key = ".".join(str(part) for part in error.get("loc", ())) or "__all__"
        fields.setdefault(key, []).append(str(error.get("msg", "Invalid value.")))
    return fields


def verify_batch(body: bytes, signature_value: str | None, *, now: float | None = None) -> tuple[Device, SightingBatch]:
    """The device that signed ``body`` and the batch it holds; refuses with a ``DomainError``:
    413 over the size or event limit, 401 for a missing or wrong signature, a time outside the
    window, an unknown or revoked device, 400 for a body that is not a batch."""
    if len(body) > MAX_BODY_BYTES:
        raise DomainError(CommonError.REQUEST_TOO_LARGE,
                          f"The batch is over the size limit of {MAX_BODY_BYTES // 1024} KB: send fewer at once.",
                          status=413)  # fmt: skip
    parsed = credentials.parse_signature(signature_value)
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid("The body is not JSON.") from None
    key_id = data.get("device") if isinstance(data, dict) else None
    if not isinstance(key_id, str) or not key_id:
        raise _invalid("The body must be an object naming its device.", {"device": ["Field required."]})
    device = Device.objects.select_related("store").filter(key_id=key_id[:40]).first()
    if device is None:
        raise credentials.refused(DeviceError.UNKNOWN, "No device has this key id.")
    if device.is_revoked:
        raise credentials.refused(DeviceError.REVOKED, "This device is revoked.")
    credentials.check_signature(credentials.derive_secret(device.key_id, device.secret_salt), body, parsed)
    credentials.check_timestamp(parsed.timestamp, now=time.time() if now is None else now)
    events = data.get("events")
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        message = f"A batch holds at most {MAX_EVENTS} events; this one has {len(events)}."
        raise DomainError(DeviceError.BATCH_TOO_LARGE, message, status=413)
    try:
        batch = SightingBatch.model_validate(data)
    except PydanticValidationError as exc:
        raise _invalid("The batch is not valid.", _fields_of(exc)) from None
    return device, batch


# --- Ingest ------------------------------------------------------------------------------------------


def consent_policy_key() -> str:
    return str(getattr(settings, "PRESENCE_CONSENT_POLICY", CONSENT_POLICY))


def _consent_policies(store_id: int) -> list[int]:
    """The in-store presence policies in force in the store (normally one)."""
    policies = DataPolicy.objects.filter(Q(stores__isnull=True) | Q(stores=store_id),
                                         reference_key=consent_policy_key(), state=DataPolicy.State.ACTIVE)  # fmt: skip
    return sorted(set(policies.values_list("pk", flat=True)))


def _select(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def consenting_customers(store_id: int, customer_ids: set[int]) -> set[int]:
    """Of ``customer_ids``, those who consent to the in-store presence policy in force in the store."""
    policies = _consent_policies(store_id)
    if not customer_ids or not policies:
        return set()
    ids = sorted(customer_ids)
    table = connection.ops.quote_name(CustomerConsent._meta.db_table)
    found: set[int] = set()
    for start in range(0, len(ids), MAX_EVENTS):
        chunk = ids[start : start + MAX_EVENTS]
        rows = _select(f"SELECT customer_id FROM {table} WHERE given = %s AND policy_id IN {_in(policies)} "
                       f"AND customer_id IN {_in(chunk)}", [True, *policies, *chunk])  # fmt: skip
        found.update(int(r[0]) for r in rows)
    return found


def _token_owners(tokens: Sequence[str]) -> dict[str, int]:
    """The customers of the tokens not revoked (one ``SELECT`` per 500 tokens)."""
    table = connection.ops.quote_name(CustomerToken._meta.db_table)
    owners: dict[str, int] = {}
    for start in range(0, len(tokens), MAX_EVENTS):
        chunk = tokens[start : start + MAX_EVENTS]
        rows = _select(f"SELECT token, customer_id FROM {table} WHERE revoked_at IS NULL AND token IN {_in(chunk)}",
                       chunk)  # fmt: skip
        owners.update((str(t), int(c)) for t, c in rows)
    return owners


def _sqlite_time(value: dt.datetime) -> str:
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _as_is(value: dt.datetime) -> dt.datetime:
    return value


def _db_time_adapter() -> Callable[[dt.datetime], Any]:
    """How a datetime goes into a raw statement: aware on PostgreSQL; on SQLite the naive UTC text
    Django writes (``connection.ops.adapt_datetimefield_value``, without its per-call overhead)."""
    return _sqlite_time if connection.vendor == "sqlite" else _as_is


def _from_db_time(value: Any) -> dt.datetime:
    """A datetime read by raw SQL: SQLite answers Django's naive UTC text."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def _insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], tail: str) -> list[tuple[Any, ...]]:
    """One multi-row ``INSERT … <tail>`` (the same SQL on PostgreSQL and SQLite), answering what it returns."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES {', '.join([one] * len(rows))} {tail}"
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def ingest(device: Device, events: Sequence[SightingEvent], *, received_at: dt.datetime | None = None) -> IngestResult:
    """Store a verified batch of ``device``'s events (see the module docstring); returns the counts."""
    now = received_at or clock.now()
    result = IngestResult()
    unique: dict[str, SightingEvent] = {}
    for event in events:
        if event.event_id in unique:
            result.duplicates += 1
        else:
            unique[event.event_id] = event
    token_owner = _token_owners(sorted({e.token for e in unique.values()}))
    consenting = consenting_customers(device.store_id, set(token_owner.values()))
    latest = now + dt.timedelta(seconds=int(getattr(settings, "PRESENCE_SIGNATURE_WINDOW_SECONDS", 300)))
    rows: list[tuple[str, int, str, dt.datetime]] = []
    for event in unique.values():
        customer_id = token_owner.get(event.token)
        if customer_id is None or event.seen_at > latest:
            result.rejected += 1
        elif customer_id not in consenting:
            result.dropped += 1
        else:
            rows.append((event.event_id, customer_id, event.zone or device.zone, event.seen_at))
    accepted = _store(device, rows, now)
    result.accepted += accepted
    result.duplicates += len(rows) - accepted
    return result


# A deadlock between two batches touching the same customers (PostgreSQL picks one to fail) is
# retried: the batch's statements are all idempotent.
ATTEMPTS = 3


def _store(device: Device, rows: Sequence[tuple[str, int, str, dt.datetime]], now: dt.datetime) -> int:
    """Insert the events once each and move the whereabouts, in one transaction; the count stored."""
    for attempt in range(ATTEMPTS):
        try:
            return _store_once(device, rows, now)
        except OperationalError:
            if connection.in_atomic_block or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _store_once(device: Device, rows: Sequence[tuple[str, int, str, dt.datetime]], now: dt.datetime) -> int:
    with transaction.atomic():
        stored: set[str] = set()
        _db_time = _db_time_adapter()
        received = _db_time(now)
        for start in range(0, len(rows), MAX_EVENTS):
            chunk = rows[start : start + MAX_EVENTS]
            returned = _insert(
                Sighting._meta.db_table,
                ["device_id", "store_id", "customer_id", "event_id", "zone", "seen_at", "received_at"],
                [(device.pk, device.store_id, c, e, z, _db_time(s), received) for e, c, z, s in chunk],
                "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING event_id",
            )
            stored.update(str(r[0]) for r in returned)
        accepted = [row for row in rows if row[0] in stored]
        _move_in_store(device, accepted)
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return len(accepted)


def _move_in_store(device: Device, rows: Sequence[tuple[str, int, str, dt.datetime]]) -> None:
    """Apply accepted sightings to each customer's ``InStore`` row, in time order (one upsert)."""
    if not rows:
        return
    store = device.store
    quiet = dt.timedelta(minutes=store.presence_quiet_minutes)
    table = connection.ops.quote_name(InStore._meta.db_table)
    _db_time = _db_time_adapter()
    by_customer: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for _, customer_id, zone, seen_at in rows:
        by_customer[customer_id].append((seen_at, zone))
    # customer id -> [zone, since, zone_since, last_seen_at], locked (PostgreSQL) until the commit
    ids = sorted(by_customer)
    lock = "" if connection.vendor == "sqlite" else " ORDER BY customer_id FOR UPDATE"
    current: dict[int, list[Any]] = {}
    for start in range(0, len(ids), MAX_EVENTS):
        chunk = ids[start : start + MAX_EVENTS]
        for customer_id, zone, *times in _select(
            f"SELECT customer_id, zone, since, zone_since, last_seen_at FROM {table} "
            f"WHERE store_id = %s AND customer_id IN {_in(chunk)}{lock}", [store.pk, *chunk]
        ):  # fmt: skip
            current[int(customer_id)] = [zone, *(_from_db_time(t) for t in times)]
    upserts = []
    for customer_id in sorted(by_customer):
        row = current.get(customer_id)
        moved = False
        for seen_at, zone in sorted(by_customer[customer_id]):
            if row is None:
                row = [zone, seen_at, seen_at, seen_at]
            elif seen_at < row[3]:
                continue  # an older sighting never moves a customer back
            elif seen_at - row[3] > quiet:
                row = [zone, seen_at, seen_at, seen_at]  # a new visit
            else:
                if zone != row[0]:
                    row[0], row[2] = zone, seen_at
                row[3] = seen_at
            moved = True
        if moved and row is not None:
            upserts.append((store.pk, customer_id, row[0], _db_time(row[1]), _db_time(row[2]), _db_time(row[3])))
    _insert(
        InStore._meta.db_table,
        ["store_id", "customer_id", "zone", "since", "zone_since", "last_seen_at"],
        upserts,
        "ON CONFLICT (store_id, customer_id) DO UPDATE SET zone = excluded.zone, since = excluded.since, "
        "zone_since = excluded.zone_since, last_seen_at = excluded.last_seen_at "
        f"WHERE {table}.last_seen_at <= excluded.last_seen_at",
    )


def ingest_signed(body: bytes, signature_value: str | None) -> IngestResult:
    """Verify and ingest one signed batch (HTTP and MQTT)."""
    device, batch = verify_batch(body, signature_value)
    return ingest(device, batch.events)
