"""Leases: the one lock mechanism for carts and orders (DESIGN.md principle 4).

A leased row carries its holder, a random token and an expiry. Whoever acquires the lease gets the
token; every write under the lease names it, so a former holder (after a takeover, a supervisor's
unlock or an expiry) is refused instead of overwriting. A holder that goes idle loses the lease at
its expiry, never before; each write or renewal by the holder pushes the expiry out again.

The functions here only move the lease columns of one row, inside the caller's transaction and
under its row lock; the domain service that calls them records the audit event, so "cart.locked"
and "order.unlocked" read as what they are.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from concierge.core import clock, prepared
from concierge.core.errors import DomainError

if TYPE_CHECKING:
    from enum import StrEnum

    from concierge.identity.models import User


class Leased(models.Model):
    """Abstract: the lease columns of a lockable row."""

    UNLOCKED_ACTION: ClassVar[StrEnum]  # the declared audit action of letting go of the lease

    lease_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lease_token = models.CharField(max_length=43, blank=True, default="")
    lease_acquired_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def lease_is_live(self, now: dt.datetime | None = None) -> bool:
        return bool(self.lease_holder_id and self.lease_expires_at and self.lease_expires_at > (now or clock.now()))

    def lease_held_by(self, user: User | None, now: dt.datetime | None = None) -> bool:
        return user is not None and self.lease_is_live(now) and self.lease_holder_id == user.pk

    def lease_holder_name(self, viewer: User | None = None) -> str:
        """Who holds the lease, by name; ``viewer`` (the person asking, often the holder) saves
        reading the holder's row again."""
        if viewer is not None and viewer.pk == self.lease_holder_id:
            return viewer.display_name
        holder = self.lease_holder
        if self.lease_holder_id is not None and (holder is None or holder.pk != self.lease_holder_id):
            # The holder joined to a row read under FOR UPDATE can be stale on PostgreSQL: a row
            # that changed while this reader waited is re-read, the joined holder is not.
            holder = (
                cast("type[User]", apps.get_model(settings.AUTH_USER_MODEL))
                ._default_manager.filter(pk=self.lease_holder_id)
                .first()
            )
        return holder.display_name if holder is not None else "someone"

    def lease_subject_kind(self) -> str:
        """The audit subject of the leased row ("cart", "order")."""
        return str(self._meta.model_name)  # set on every concrete model

    def lease_unlocked_action(self) -> StrEnum:
        """The audit action of letting go of the row's lease (``CartAction.UNLOCKED``,
        ``OrderAction.UNLOCKED``): each leased model names its declared action as ``UNLOCKED_ACTION``."""
        return self.UNLOCKED_ACTION


@dataclass(frozen=True, slots=True)
class LeaseCodes:
    """The error codes a leased kind answers with (each domain owns its own)."""

    held: StrEnum  # another holder has a live lease (409)
    lost: StrEnum  # the token named is no longer the lease's (409)
    noun: str  # "cart", "order": used in messages


@dataclass(frozen=True, slots=True)
class Grant:
    token: str
    expires_at: dt.datetime
    previous_holder_id: int | None  # set when the grant took over someone else's live lease


def _require_locked(row: Leased) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("leases move inside the caller's transaction, on a row it has locked")


def acquire(row: Leased, *, holder: User, ttl: dt.timedelta, codes: LeaseCodes, takeover: bool = False) -> Grant:
    """Give ``holder`` the lease of ``row`` (locked by the caller with ``select_for_update``).

    The holder's own live lease is renewed and keeps its token (a second tab, or a reopened browser,
    carries on). Someone else's live lease is refused, naming them, unless ``takeover``; an expired
    lease is free.
    """
    _require_locked(row)
    now = clock.now()
    previous = None
    if row.lease_is_live(now):
        if row.lease_holder_id == holder.pk:
            row.lease_expires_at = now + ttl
            _save(row)
            return Grant(token=row.lease_token, expires_at=row.lease_expires_at, previous_holder_id=None)
        if not takeover:
            raise held_error(row, codes)
        previous = row.lease_holder_id
    row.lease_holder = holder
    row.lease_token = secrets.token_urlsafe(32)
    row.lease_acquired_at = now
    row.lease_expires_at = now + ttl
    _save(row)
    return Grant(token=row.lease_token, expires_at=row.lease_expires_at, previous_holder_id=previous)


RENEW_SLACK = dt.timedelta(seconds=30)


def _slack(ttl: dt.timedelta) -> dt.timedelta:
    return min(RENEW_SLACK, ttl / 10)


def check(row: Leased, token: str | None, *, codes: LeaseCodes, ttl: dt.timedelta | None = None) -> None:
    """Refuse a write under ``token`` unless it is the live lease of ``row``; renew it when ``ttl``
    (which, being a write, needs the caller's transaction and row lock)."""
    if ttl is not None:
        _require_locked(row)
    now = clock.now()
    if token and row.lease_token and secrets.compare_digest(token, row.lease_token) and row.lease_is_live(now):
        # Renewed by the write, unless it was renewed a moment ago: back-to-back writes (an agent
        # adding items one after another) then cost no UPDATE each, and the lease ends at most
        # RENEW_SLACK earlier than it would have.
        if ttl is not None and row.lease_expires_at is not None and now + ttl - row.lease_expires_at > _slack(ttl):
            row.lease_expires_at = now + ttl
            _save(row)
        return
    raise lost_error(row, codes, now=now)


def release(row: Leased, token: str | None, *, codes: LeaseCodes) -> None:
    """The holder lets go. Only the token's bearer may; an expired lease of theirs is simply gone."""
    _require_locked(row)
    if not token or not row.lease_token or not secrets.compare_digest(token, row.lease_token):
        raise lost_error(row, codes, now=clock.now())
    clear(row)


def clear(row: Leased) -> int | None:
    """Drop the lease whoever holds it (a supervisor's unlock, the end of a takeover). Returns the
    previous holder's id when the lease was live."""
    _require_locked(row)
    previous = row.lease_holder_id if row.lease_is_live() else None
    row.lease_holder = None
    row.lease_token = ""
    row.lease_acquired_at = None
    row.lease_expires_at = None
    _save(row)
    return previous


def held_error(row: Leased, codes: LeaseCodes) -> DomainError:
    name = row.lease_holder_name()
    return DomainError(
        codes.held,
        f"This {codes.noun} is locked by {name}.",
        status=409,
        data={"locked_by": name, "locked_until": row.lease_expires_at.isoformat() if row.lease_expires_at else None},
    )


def lost_error(row: Leased, codes: LeaseCodes, *, now: dt.datetime) -> DomainError:
    if row.lease_is_live(now):
        name = row.lease_holder_name()
        message = f"You no longer hold the lock on this {codes.noun}: it is now locked by {name}."
        data: dict[str, str | None] = {"locked_by": name}
    else:
        message = f"You no longer hold the lock on this {codes.noun}: it was unlocked or your lock expired."
        data = {"locked_by": None}
    return DomainError(codes.lost, message, status=409, data=data)


_LEASE_FIELDS = ("lease_holder", "lease_token", "lease_acquired_at", "lease_expires_at")


def _save(row: Leased) -> None:
    prepared.save_fields(row, _LEASE_FIELDS)


def leased_models() -> list[type[Leased]]:
    return [m for m in apps.get_models() if issubclass(m, Leased)]


def live_leases_of(user: User) -> list[Leased]:
    """Every live lease ``user`` holds, of every leased kind (for signing out)."""
    now = clock.now()
    return [
        row
        for model in leased_models()
        for row in model._default_manager.filter(lease_holder=user, lease_expires_at__gt=now).order_by("pk")
    ]
