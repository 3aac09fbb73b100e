"""Live events: published after commit, heard by the streams open on the topic, only with a token."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.test import RequestFactory

from concierge.core import live


def settled(heard: list[live.Event], count: int) -> list[live.Event]:
    """What was heard once ``count`` events arrived (PostgreSQL hands them over from its listener
    thread) or a second passed, and a moment more for any that should not have come."""
    deadline = time.monotonic() + 1
    while len(heard) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    return heard


def publish_then_fail() -> None:
    with transaction.atomic():
        live.publish("order:R-1", "changed", {"what": "never"})
        raise RuntimeError("rolled back")


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_is_heard_and_a_rolled_back_one_is_not():
    live.ensure_listening()
    heard: list[live.Event] = []
    unsubscribe = live.hub.subscribe(["order:R-1"], heard.append)
    try:
        with transaction.atomic():
            live.publish("order:R-1", "changed", {"what": "address"})
            live.publish("order:R-2", "changed", {"what": "shipping"})
            assert settled(heard, 0) == []  # nothing before the writer's transaction commits
        with pytest.raises(RuntimeError, match="rolled back"):
            publish_then_fail()
        settled(heard, 2)
    finally:
        unsubscribe()
    assert [(e.topic, e.kind, e.data) for e in heard] == [("order:R-1", "changed", {"what": "address"})]
    assert live.hub.open_streams() == 0


def test_a_stream_token_names_its_user_and_topics_and_cannot_be_altered():
    token = live.stream_token(7, ["order:R-1", "customer:3"])
    assert live.read_stream_token(token) == (7, ["customer:3", "order:R-1"])
    assert live.read_stream_token(token[:-2] + "xx") is None
    assert live.read_stream_token("") is None


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_stream_sends_what_is_published_on_its_topics():
    request = RequestFactory().get("/live/stream", {"token": live.stream_token(1, ["cart:C-1"])})
    response = live.wsgi_stream(request)
    assert isinstance(response, StreamingHttpResponse)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    chunks = iter(response.streaming_content)  # type: ignore[arg-type]  # a sync stream under WSGI
    assert next(chunks).startswith(b": connected")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(next(chunks)))
    reader.start()
    # the stream has subscribed once its first chunk was read
    live.publish("cart:C-2", "changed", {"line": "other cart"})
    live.publish("cart:C-1", "changed", {"line": "Canyon Base Layer"})
    reader.join(timeout=5)
    response.close()
    assert len(got) == 1
    assert got[0].startswith(b"event: changed\n")
    assert b'"line":"Canyon Base Layer"' in got[0]


def test_the_stream_refuses_a_page_without_a_valid_token():
    response = live.wsgi_stream(RequestFactory().get("/live/stream", {"token": "forged"}))
    assert isinstance(response, JsonResponse)
    assert response.status_code == 403
    assert b"live.stream_refused" in response.content


def test_the_asgi_stream_sends_its_token_refusal_and_unsubscribes_when_the_page_goes():
    import asyncio

    async def serve(token: str, leave_after: float) -> list[dict]:
        sent: list[dict] = []
        gone = asyncio.Event()

        async def receive() -> dict:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "query_string": f"token={token}".encode()}
        task = asyncio.create_task(live.asgi_stream(scope, receive, send))
        await asyncio.sleep(leave_after)
        assert live.hub.open_streams() == (1 if sent[0]["status"] == 200 else 0)
        gone.set()
        await asyncio.wait_for(task, timeout=5)
        return sent

    refused = asyncio.run(serve("forged", 0.1))
    assert refused[0]["status"] == 403
    served = asyncio.run(serve(live.stream_token(1, ["cart:C-1"]), 0.3))
    assert served[0]["status"] == 200
    assert served[1]["body"].startswith(b": connected")
    assert live.hub.open_streams() == 0
