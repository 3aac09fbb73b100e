"""Run a function in N separate OS processes released together (RELIABILITY.md: "N processes").

Each process is started fresh ("spawn": forking a test runner that has threads can deadlock the
child), sets Django up against the caller's database, and opens its own connection, so row locks,
constraints and leases are exercised as between separate web workers. Functions (importable at
module level) and results must be picklable; a function runs as ``func(*args)`` once per item of
``calls``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections


def _child_init(barrier: Any, settings_module: str, database: dict[str, Any]) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.conf import settings as child_settings

    # The caller's database (a test database has its own name), before any connection opens.
    child_settings.DATABASES["default"]["NAME"] = database["NAME"]
    barrier.wait()


def run_in_processes(func: Callable[..., Any], calls: Sequence[tuple[Any, ...]], *, processes: int = 8) -> list[Any]:
    """``[func(*call) for call in calls]``, spread over ``processes`` fresh processes."""
    connections.close_all()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "concierge.settings_test")
    database = {"NAME": settings.DATABASES["default"]["NAME"]}
    with context.Pool(processes, initializer=_child_init, initargs=(barrier, settings_module, database)) as pool:
        return pool.starmap(func, calls, chunksize=1)
