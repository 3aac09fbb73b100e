"""Concierge's own processes for tests: web servers and workers against the test's database.

A web server is granian serving ``concierge.asgi`` as ``make run`` and production do; a worker is
``manage.py worker``. Both run the production settings (``concierge.settings``) with the caller's
database named by ``DATABASE_URL`` (or ``SQLITE_PATH``) and the caller's secret key, so a session or
a token made in the test process is good in every one of them, and a row one of them writes is seen
by all. Each process starts in a session of its own and writes its output to a log file, whose end
a failing test can show; ``stop`` ends the process and everything it started (granian's workers).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Concierge process that uses the caller's database and secret key."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}}
    # Compiled once into var/, not at every start of every process (PYTHONDONTWRITEBYTECODE, where set).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(settings.VAR_DIR) / "pycache")
    env["DJANGO_SETTINGS_MODULE"] = "concierge.settings"
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    env["CONCIERGE_LOG_LEVEL"] = "WARNING"
    # No collectstatic before tests: static files come from the apps' folders.
    env["CONCIERGE_PLAIN_STATIC"] = "1"
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    env.update(extra or {})
    return env


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Response:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        """The error code of an API error answer."""
        return self.body.get("code") if isinstance(self.body, dict) else None


@dataclass
class Process:
    """A process this test started, with its log."""

    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def signal(self, sig: signal.Signals) -> None:
        """``sig`` to the process's own session: it and whatever it started (granian's workers)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if it lingers past ``timeout`` seconds."""
        stop_all([self], timeout=timeout)


@dataclass
class WebServer(Process):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        """One HTTP request, its JSON body (if any) sent and answered as data."""
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)  # noqa: S310 - http://127.0.0.1 only
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http://127.0.0.1 only
                status, raw, got = answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), dict(error.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Response(status, parsed, got)


def stop_all(processes: Iterable[Process], *, timeout: float = 10) -> None:
    """Stop the processes together: SIGTERM to each, then SIGKILL to those still running after
    ``timeout`` seconds."""
    running = [p for p in processes if p.alive()]
    for process in running:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.signal(signal.SIGKILL)
            process.popen.wait(5)


def _spawn(name: str, command: list[str], *, env: Mapping[str, str], log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603 - our own programs with fixed arguments
            command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return popen, log


def start_web_server(name: str, *, env: Mapping[str, str], log_dir: Path, threads: int = 4) -> WebServer:
    """granian on a free loopback port serving ``concierge.asgi`` as ``make run`` does: one worker
    process, its pages on ``threads`` threads, its live event streams in the event loop; call
    ``wait_until_serving`` before sending it requests."""
    port = free_port()
    command = [str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--log-level", "warning", "concierge.asgi:application"]  # fmt: skip
    popen, log = _spawn(name, command, env={**env, "CONCIERGE_WSGI_THREADS": str(threads)}, log_dir=log_dir)
    return WebServer(name=name, popen=popen, log=log, port=port)


def start_worker(
    name: str, *, env: Mapping[str, str], log_dir: Path, interval: float = 0.1, heartbeat: float = 0.5
) -> Process:
    """``manage.py worker`` under the worker id ``name``, polling every ``interval`` seconds."""
    command = [sys.executable, "manage.py", "worker", "--interval", str(interval), "--heartbeat", str(heartbeat),
               "--worker-id", name, "--no-startup-delay"]  # fmt: skip
    popen, log = _spawn(name, command, env=env, log_dir=log_dir)
    return Process(name=name, popen=popen, log=log)


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, processes: Iterable[Process] = ()) -> None:
    """Poll ``condition`` until it holds; fails after ``timeout`` seconds, or at once when one of
    ``processes`` has died, with the end of their logs."""
    watched = list(processes)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if dead := [p for p in watched if not p.alive()]:
            logs = "\n".join(p.log_tail() for p in dead)
            raise AssertionError(f"{', '.join(p.name for p in dead)} stopped while waiting for {what}\n{logs}")
        time.sleep(0.05)
    logs = "\n".join(p.log_tail() for p in watched)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs}")


def wait_until_serving(servers: Iterable[WebServer], *, timeout: float = 60) -> None:
    """Wait until every server answers ``/healthz`` (which reads the database) with 200."""
    for server in servers:

        def healthy(server: WebServer = server) -> bool:
            try:
                return server.request("GET", "/healthz", timeout=2).status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=timeout, what=f"{server.name} to serve {server.url}", processes=[server])
