"""A task the worker tests run in real worker processes.

It leaves traces in a folder: ``starts`` gets a line per run, ``effects`` a line per effect made.
The effect comes first and is keyed, so a second delivery finds it made and adds nothing; then the
task holds while a ``hold`` file exists, so a test can kill its worker after the effect and before
the worker records the result.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.tasks import task


@task()
def probe(folder: str, key: str) -> str:
    base = Path(folder)
    with (base / "starts").open("a") as starts:
        starts.write(f"{os.getpid()}\n")
    outcome = "done"
    try:
        with (base / f"done-{key}").open("x"):
            pass
    except FileExistsError:
        outcome = "already done"
    else:
        with (base / "effects").open("a") as effects:
            effects.write(f"{key}\n")
    deadline = time.monotonic() + 60
    while (base / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return outcome
