"""A task the worker tests run in real worker processes.

It leaves traces in a folder so the test can see each start and each completion: ``starts`` gets a
line per run, ``effects`` a line per completed effect — which, being idempotent by key, happens once.
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
    deadline = time.monotonic() + 60
    while (base / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    done = base / f"done-{key}"
    try:
        # The effect, keyed: a second delivery of the same task finds it done and adds nothing.
        with done.open("x"):
            pass
    except FileExistsError:
        return "already done"
    with (base / "effects").open("a") as effects:
        effects.write(f"{key}\n")
    return "done"
