"""Reference data kept per process for a short time (stores, tax rates, price lists, promotions).

Such rows change rarely, by an administrator, and are read by nearly every request. A function
decorated with :func:`kept` keeps its results for ``ttl`` seconds per process and forgets them at
once when a row of one of the ``models`` is saved or deleted in this process; another process sees
the change within ``ttl``. Only for data where that short delay is acceptable: never for what a
person may do (identity/access.py) or anything a lock or a version protects.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.db.models.signals import post_delete, post_save

P = ParamSpec("P")
R = TypeVar("R")

_registry: list[Callable[[], None]] = []
# Each kept function's forget, by the wrapper callers hold (``forget``).
_forgets: dict[Callable[..., Any], Callable[..., None]] = {}


def _forget_on_change(forget: Callable[..., None], models: Iterable[type], uid: str) -> None:
    for model in models:
        post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}.del")
    _registry.append(forget)


def _make_room(entries: dict[Any, tuple[float, Any]], now: float, max_entries: int | None) -> None:
    """Keep a cache of many keys bounded: past ``max_entries``, drop what expired, then everything."""
    if max_entries is not None and len(entries) >= max_entries:
        for key in [k for k, (until, _) in entries.items() if until <= now]:
            del entries[key]
        if len(entries) >= max_entries:
            entries.clear()


def kept(
    ttl: float, *, models: Iterable[type], max_entries: int | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep ``fn``'s results per process (by its hashable arguments) for ``ttl`` seconds, at most
    ``max_entries`` of them when given. ``forget(wrapper)`` drops them all (for a change no save
    signal announces)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        entries: dict[Hashable, tuple[float, R]] = {}
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = (args, tuple(sorted(kwargs.items())))
            now = time.monotonic()
            found = entries.get(key)
            if found is not None and found[0] > now:
                return found[1]
            value = fn(*args, **kwargs)
            with lock:
                _make_room(entries, now, max_entries)
                entries[key] = (now + ttl, value)
            return value

        def forget(*_: Any, **__: Any) -> None:
            with lock:
                entries.clear()

        _forget_on_change(forget, models, f"{fn.__module__}.{fn.__qualname__}")
        _forgets[wrapper] = forget
        return wrapper

    return decorate


class KeptRows[K: Hashable, V]:
    """Rows kept per process by key for ``ttl`` seconds, looked up many keys at a time: the keys not
    kept are filled by one call (one query) for all of them. A key the fill leaves out is kept as
    absent too. Forgotten at once when a row of one of ``models`` is saved or deleted in this
    process, and by ``forget()``; at most ``max_entries`` keys are kept."""

    def __init__(self, name: str, ttl: float, *, models: Iterable[type], max_entries: int = 100_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V | None]] = {}
        self._lock = threading.Lock()
        _forget_on_change(self.forget, models, f"KeptRows.{name}")

    def get_many(self, keys: Iterable[K], fill: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
        """The value of each of ``keys`` that has one; ``fill(missing)`` reads those not kept."""
        now = time.monotonic()
        found: dict[K, V] = {}
        missing: list[K] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                missing.append(key)
            elif entry[1] is not None:
                found[key] = entry[1]
        if missing:
            filled = fill(missing)
            with self._lock:
                _make_room(self._entries, now, self.max_entries)
                for key in missing:
                    value = filled.get(key)
                    self._entries[key] = (now + self.ttl, value)
                    if value is not None:
                        found[key] = value
        return found

    def forget(self, *_: Any, **__: Any) -> None:
        with self._lock:
            self._entries.clear()


def forget(kept_function: Callable[..., Any]) -> None:
    """Drop everything ``kept_function`` (a :func:`kept` wrapper) keeps, in this process."""
    _forgets[kept_function]()


def forget_all() -> None:
    """Drop everything kept (tests, whose rows come and go with each transaction)."""
    for forget in _registry:
        forget()
