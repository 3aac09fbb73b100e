"""The one source of "now" for domain code, so tests move time instead of sleeping.

Services call :func:`now`; tests use :func:`frozen` (or ``clock`` fixture) to pin or advance it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_override: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, aware, in UTC."""
    return _override if _override is not None else timezone.now()


def set_now(value: dt.datetime | None) -> None:
    """Pin the clock to ``value`` (aware), or release it with ``None``."""
    global _override
    if value is not None and timezone.is_naive(value):
        raise ValueError("the clock takes aware datetimes")
    _override = value


def advance(delta: dt.timedelta) -> dt.datetime:
    """Move a pinned clock forward (pins it at the real time first if it was free)."""
    set_now(now() + delta)
    return now()


@contextlib.contextmanager
def frozen(value: dt.datetime | None = None) -> Iterator[None]:
    previous = _override
    set_now(value or timezone.now())
    try:
        yield
    finally:
        set_now(previous)
