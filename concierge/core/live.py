"""Live events: what one request changes, every open page that shows it hears within a second.

A writer ``publish``\\ es an event on a topic (``"order:R-1001"``, ``"customer:42"``, ``"cart:C-7"``)
once its transaction commits. Every web process hears every event: on PostgreSQL through
``LISTEN``/``NOTIFY`` on one channel (one listening connection per process, in a thread), on SQLite
in the process (Concierge on SQLite is one web process). Each process hands an event to the event
streams open in it on that topic.

A page subscribes with a signed stream token (``stream_token``): the view that rendered the page
decided that its user may see those topics, so the stream itself reads no database. The stream is
served through ASGI (``asgi_stream``: an open page holds no worker thread) and, for the
development server and the browser tests' live server, through WSGI (``wsgi_stream``: a thread
per open page). docs/adr/0007-live-events.md records the choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase, JsonResponse, StreamingHttpResponse

logger = logging.getLogger("concierge.live")

CHANNEL = "concierge_live"
TOKEN_SALT = "concierge.live.stream"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 12 * 3600
# A comment line every so often keeps proxies from closing an idle stream, and lets a stream
# notice its page has gone.
KEEPALIVE_SECONDS = 15.0
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
MAX_PAYLOAD = 7900


@dataclass(frozen=True)
class Event:
    topic: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps({"topic": self.topic, "kind": self.kind, "data": self.data}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Event:
        raw = json.loads(text)
        return cls(topic=str(raw["topic"]), kind=str(raw["kind"]), data=dict(raw.get("data") or {}))

    def sse(self) -> str:
        return f"event: {self.kind}\ndata: {json.dumps({'topic': self.topic, **self.data}, separators=(',', ':'))}\n\n"


Deliver = Callable[[Event], None]


class Hub:
    """The event streams open in this process, by topic; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Deliver]] = defaultdict(set)

    def subscribe(self, topics: Iterable[str], deliver: Deliver) -> Callable[[], None]:
        topics = list(topics)
        with self._lock:
            for topic in topics:
                self._subscribers[topic].add(deliver)

        def unsubscribe() -> None:
            with self._lock:
                for topic in topics:
                    self._subscribers[topic].discard(deliver)
                    if not self._subscribers[topic]:
                        del self._subscribers[topic]

        return unsubscribe

    def dispatch(self, event: Event) -> None:
        with self._lock:
            targets = list(self._subscribers.get(event.topic, ()))
        for deliver in targets:
            try:
                deliver(event)
            except Exception:  # a stream that went away must not stop the others
                logger.exception("live: delivering %s on %s failed", event.kind, event.topic)

    def open_streams(self) -> int:
        with self._lock:
            return len({d for subscribers in self._subscribers.values() for d in subscribers})


hub = Hub()


def _uses_notify() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "CONCIERGE_LIVE_NOTIFY", True)


def publish(topic: str, kind: str, data: dict[str, Any] | None = None) -> None:
    """Tell every open page on ``topic`` that ``kind`` happened, once the transaction commits
    (at once outside one). Never raises into the writer: a lost live event costs a refresh."""
    event = Event(topic=topic, kind=kind, data=data or {})
    payload = event.encode()
    if len(payload.encode()) > MAX_PAYLOAD:
        event = Event(topic=topic, kind=kind, data={"truncated": True})
        payload = event.encode()

    def send() -> None:
        try:
            if _uses_notify():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
            else:
                hub.dispatch(event)
        except Exception:
            logger.exception("live: publishing %s on %s failed", kind, topic)

    transaction.on_commit(send)


class _Listener(threading.Thread):
    """One per process on PostgreSQL: LISTENs on the channel and hands each event to the hub."""

    def __init__(self) -> None:
        super().__init__(name="concierge-live-listener", daemon=True)
        self.ready = threading.Event()

    def run(self) -> None:  # pragma: no cover - exercised by the two-server test in a subprocess
        import psycopg
        from psycopg.conninfo import make_conninfo

        db = settings.DATABASES["default"]
        parts: dict[str, object] = {"dbname": db["NAME"], "user": db.get("USER"), "password": db.get("PASSWORD")}
        parts |= {"host": db.get("HOST"), "port": db.get("PORT")}
        conninfo = make_conninfo(**{key: str(value) for key, value in parts.items() if value})
        while True:
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    for notify in conn.notifies():
                        try:
                            hub.dispatch(Event.decode(notify.payload))
                        except (ValueError, KeyError):
                            logger.warning("live: an event that is not ours on %s", CHANNEL)
            except Exception:
                logger.exception("live: the listening connection was lost; reconnecting")
                time.sleep(1.0)


_listener: _Listener | None = None
_listener_lock = threading.Lock()


def ensure_listening(timeout: float = 5.0) -> None:
    """Start this process's listener on PostgreSQL (no-op on SQLite); wait until it listens."""
    global _listener
    if not _uses_notify():
        return
    with _listener_lock:
        if _listener is None:
            _listener = _Listener()
            _listener.start()
    _listener.ready.wait(timeout)


# --- stream tokens ------------------------------------------------------------------------------


def stream_token(user_id: int, topics: Iterable[str]) -> str:
    """A token for an event stream on ``topics``, for a page its view rendered for ``user_id``."""
    return signing.dumps({"u": user_id, "t": sorted(set(topics))}, salt=TOKEN_SALT, compress=True)


def read_stream_token(token: str) -> tuple[int, list[str]] | None:
    try:
        raw = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("t"), list):
        return None
    return int(raw["u"]), [str(t) for t in raw["t"]]


def _refused(message: str) -> dict[str, str]:
    return {"code": "live.stream_refused", "message": message}


HELLO = ": connected\nretry: 2000\n\n"


# --- WSGI stream (development server, browser tests) ----------------------------------------------


def wsgi_stream(request: HttpRequest) -> HttpResponseBase:
    """The event stream of one page, holding a thread while open (development and tests)."""
    read = read_stream_token(request.GET.get("token", ""))
    if read is None:
        return JsonResponse(_refused("This page's live updates have expired: reload the page."), status=403)
    _, topics = read
    ensure_listening()
    inbox: queue.Queue[Event] = queue.Queue(maxsize=1000)

    def deliver(event: Event) -> None:
        with contextlib.suppress(queue.Full):  # a page too slow to read loses events, not the writer
            inbox.put_nowait(event)

    def events() -> Iterator[str]:
        unsubscribe = hub.subscribe(topics, deliver)
        try:
            yield HELLO
            while True:
                try:
                    yield inbox.get(timeout=KEEPALIVE_SECONDS).sse()
                except queue.Empty:
                    yield ": keep-alive\n\n"
        finally:
            unsubscribe()

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


# --- ASGI stream (production: granian serves the ASGI app in concierge/asgi.py) -------------------


async def _asgi_events(topics: list[str]) -> AsyncGenerator[str]:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)

    def deliver(event: Event) -> None:
        def put() -> None:
            if not inbox.full():
                inbox.put_nowait(event)

        loop.call_soon_threadsafe(put)

    await asyncio.to_thread(ensure_listening)
    unsubscribe = hub.subscribe(topics, deliver)
    try:
        yield HELLO
        while True:
            try:
                event = await asyncio.wait_for(inbox.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
            else:
                yield event.sse()
    finally:
        unsubscribe()


async def asgi_stream(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    """The event stream as a bare ASGI app: no Django request, no thread, no database."""
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    read = read_stream_token((query.get("token") or [""])[0])
    if read is None:
        body = json.dumps(_refused("This page's live updates have expired: reload the page.")).encode()
        await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    _, topics = read
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream"),
                (b"cache-control", b"no-store"),
                (b"x-accel-buffering", b"no"),
            ],
        }
    )
    disconnected = asyncio.Event()

    async def watch() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected.set()
                return

    watcher = asyncio.create_task(watch())
    gone = asyncio.create_task(disconnected.wait())
    stream = _asgi_events(topics)
    chunk: asyncio.Future[str] | None = None
    try:
        while True:
            chunk = asyncio.ensure_future(anext(stream))
            done, _ = await asyncio.wait({chunk, gone}, return_when=asyncio.FIRST_COMPLETED)
            if chunk not in done:
                break
            await send({"type": "http.response.body", "body": chunk.result().encode(), "more_body": True})
    finally:
        gone.cancel()
        watcher.cancel()
        if chunk is not None and not chunk.done():
            # The page went while the stream waited: end the wait (the stream unsubscribes) first.
            chunk.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await chunk
        await stream.aclose()
