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


def kept(ttl: float, *, models: Iterable[type]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep ``fn``'s results per process (by its hashable arguments) for ``ttl`` seconds."""

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
                entries[key] = (now + ttl, value)
            return value

        def forget(*_: Any, **__: Any) -> None:
            with lock:
                entries.clear()

        for model in models:
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{fn.__module__}.{fn.__qualname__}.save")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{fn.__module__}.{fn.__qualname__}.del")
        _registry.append(forget)
        return wrapper

    return decorate


def forget_all() -> None:
    """Drop everything kept (tests, whose rows come and go with each transaction)."""
    for forget in _registry:
        forget()
