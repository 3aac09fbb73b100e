"""Run a function in N separate OS processes released together (RELIABILITY.md: "N processes").

Each process opens its own database connection, so row locks, constraints and leases are
exercised as between separate web workers. Functions and results must be picklable; a function
runs as ``func(*args)`` once per item of ``calls``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def _child_init(barrier: Any) -> None:
    # The parent closed its connections before forking: each child connects on first use.
    barrier.wait()


def run_in_processes(func: Callable[..., Any], calls: Sequence[tuple[Any, ...]], *, processes: int = 8) -> list[Any]:
    """``[func(*call) for call in calls]``, spread over ``processes`` forked processes."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    with context.Pool(processes, initializer=_child_init, initargs=(barrier,)) as pool:
        return pool.starmap(func, calls, chunksize=1)
