# 500 open live pages (issue 17, PERFORMANCE.md "live"): event streams held open against the ASGI
# server, and the latency of an event from the write that causes it to every page that shows it.
# Run inside Django by bench/live_streams.sh (`manage.py shell -c`); settings from the environment:
# BASE (the server), STREAMS (500), TOPICS (50: ten pages per record), WRITES (300), SERVER_PIDS
# (the server's worker pids, for their memory). Prints one JSON line.
#
# A write is a console page arriving on a record (POST /service/live/here, the presence heartbeat of
# an order page): the server records the viewer and publishes on the record's topic after commit;
# every stream on that topic hears it (through LISTEN/NOTIFY on PostgreSQL, whichever worker holds
# the stream; in the process on SQLite). Writes go one at a time; each is timed from just before its
# request to the moment each of the topic's streams has read the event.
import asyncio
import json
import os
import platform
import statistics
import time
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils.crypto import get_random_string

from concierge.core import live
from concierge.identity.models import User
from concierge.stores.models import Store

BASE = os.environ.get("BASE", "http://127.0.0.1:8106")
STREAMS = int(os.environ.get("STREAMS", "500"))
TOPICS = int(os.environ.get("TOPICS", "50"))
WRITES = int(os.environ.get("WRITES", "300"))
PIDS = [int(p) for p in os.environ.get("SERVER_PIDS", "").split() if p]
HOST, PORT = urlparse(BASE).hostname or "127.0.0.1", urlparse(BASE).port or 80

store, _ = Store.objects.get_or_create(code="bl", defaults={"name": "Live bench store", "currency": "USD"})
email = "bench.live@concierge.test"
user = User.objects.filter(email=email).first() or User.objects.create_user(
    email, "bench-password-123", first_name="Bench", last_name="Live"
)
user.groups.add(Group.objects.get(name="CSR"))
user.stores.set([store])
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
csrf = get_random_string(32)
cookies = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
topics = [f"order:BL-{n:04d}" for n in range(TOPICS)]
write_token = {topic: live.stream_token(user.pk, [topic]) for topic in topics}
connection.close()


def rss_mb() -> float:
    total = 0
    for pid in PIDS:
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return round(total / 1024, 1)


received: dict[str, list[float]] = {topic: [] for topic in topics}
arrived: dict[str, asyncio.Event] = {}


async def stream(topic: str, ready: asyncio.Event, opened: list[int]) -> None:
    reader, writer = await asyncio.open_connection(HOST, PORT)
    token = live.stream_token(user.pk, [topic])
    request = f"GET /live/stream?token={token} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    kind = ""
    while True:
        line = await reader.readline()
        if not line:
            return
        text = line.decode().rstrip("\r\n")
        if text == ": connected":
            opened.append(1)
            if len(opened) == STREAMS:
                ready.set()
        elif text.startswith("event:"):
            kind = text.split(":", 1)[1].strip()
        elif text.startswith("data:") and kind == "presence":
            received[topic].append(time.perf_counter())
            event = arrived.get(topic)
            if event is not None and len(received[topic]) >= expected[topic]:
                event.set()


expected: dict[str, int] = {topic: 0 for topic in topics}
per_topic = STREAMS // TOPICS


async def post_here(topic: str, page: str) -> int:
    body = f"token={write_token[topic]}&page={page}&editing=0"
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write(
        (
            f"POST /service/live/here HTTP/1.1\r\nHost: {HOST}\r\nCookie: {cookies}\r\nX-CSRFToken: {csrf}\r\n"
            f"Referer: {BASE}/service/\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
        ).encode()
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


async def main() -> dict:
    rss_before = rss_mb()
    ready, opened = asyncio.Event(), []
    started = time.perf_counter()
    tasks = [asyncio.create_task(stream(topics[n % TOPICS], ready, opened)) for n in range(STREAMS)]
    await asyncio.wait_for(ready.wait(), timeout=120)
    open_seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    rss_open = rss_mb()
    latencies, lost, refused = [], 0, 0
    for n in range(WRITES):
        topic = topics[n % TOPICS]
        listeners = per_topic + (1 if n % TOPICS < STREAMS % TOPICS else 0)
        arrived[topic] = asyncio.Event()
        expected[topic] = len(received[topic]) + listeners
        before = len(received[topic])
        t0 = time.perf_counter()
        status = await post_here(topic, f"bench-{n}")
        if status != 200:
            refused += 1
            continue
        try:
            await asyncio.wait_for(arrived[topic].wait(), timeout=5)
        except TimeoutError:
            lost += expected[topic] - len(received[topic])
        latencies += [(t - t0) * 1000 for t in received[topic][before:]]
    rss_after = rss_mb()
    for task in tasks:
        task.cancel()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "workload": "live streams",
        "database": connection.vendor,
        "streams": STREAMS,
        "topics": TOPICS,
        "writes": WRITES,
        "deliveries": len(latencies),
        "lost": lost,
        "refused_writes": refused,
        "open_all_s": round(open_seconds, 2),
        "write_to_page_p50_ms": round(q[49], 1),
        "write_to_page_p95_ms": round(q[94], 1),
        "write_to_page_max_ms": round(max(latencies), 1) if latencies else None,
        "server_rss_mb_idle": rss_before,
        "server_rss_mb_500_open": rss_open,
        "server_rss_mb_after_writes": rss_after,
        "server_workers": len(PIDS),
        "load_1m": os.getloadavg()[0],
        "python": platform.python_version(),
    }


print(json.dumps(asyncio.run(main())))
