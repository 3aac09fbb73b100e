"""Progress bars for long management commands (``generate``, ``index_customers``, ``audit_verify``).

A bar goes to stderr and only when stderr is a terminal, so tests, CI logs and piped output stay
clean; ``--no-progress`` or ``--verbosity 0`` turn it off too. A command adds the option with
``add_progress_argument(parser)``, asks ``progress_wanted(options)`` in ``handle`` and wraps each
long step in ``progress_bar(...)``::

    with progress_bar("events", total=count, unit="events", enabled=progress_wanted(options)) as bar:
        for batch in batches:
            ...
            bar.update(len(batch))

A disabled bar accepts the same calls and draws nothing.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any, Protocol

from tqdm import tqdm


class Bar(Protocol):
    """What a step calls on its bar."""

    def update(self, n: float | None = 1) -> bool | None: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None: ...


def add_progress_argument(parser: Any) -> None:
    """The ``--no-progress`` option of a long command."""
    parser.add_argument(
        "--no-progress", action="store_true", help="Draw no progress bar (none is drawn off a terminal)."
    )


def progress_wanted(options: Mapping[str, Any], stream: IO[str] | None = None) -> bool:
    """Whether a command run with ``options`` draws bars: not with ``--no-progress`` nor at
    verbosity 0, and only on a terminal."""
    if options.get("no_progress") or int(options.get("verbosity", 1)) == 0:
        return False
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(
    desc: str, *, total: int | None, unit: str = "rows", enabled: bool, stream: IO[str] | None = None
) -> Iterator[Bar]:
    """A bar of ``total`` ``unit`` (``None``: a count without an end), with the rate per second;
    closed when the step ends, however it ends."""
    size = shutil.get_terminal_size((100, 24))
    bar = tqdm(
        total=total,
        desc=desc,
        unit=f" {unit}",
        unit_scale=total is None or total >= 10_000,  # 1.2M rather than 1200000; 24/24 rather than 24.0/24.0
        # The terminal's size, or a usual one where it reports none (0 rows would hide the bar).
        ncols=min(size.columns or 100, 120),
        nrows=size.lines or 24,
        smoothing=0.1,
        file=stream if stream is not None else sys.stderr,
        disable=not enabled,
        leave=True,
    )
    try:
        yield bar
    finally:
        bar.close()
