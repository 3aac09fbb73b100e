"""The ASGI application `make run` and production serve (granian ``--interface asgi``).

Live event streams (``/live/stream``) are answered here, in the event loop: an open page holds no
thread. Everything else is Django's WSGI application run in a pool of threads (a2wsgi), each with
its persistent database connection, as under a WSGI server (docs/adr/0007-live-events.md).
"""

import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concierge.settings")
django_application = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402 - after Django is set up

from concierge.core import live  # noqa: E402 - imports models: Django must be set up first

LIVE_STREAM_PATH = "/live/stream"
pages = WSGIMiddleware(
    django_application,  # type: ignore[arg-type]  # Django returns its response object, an iterable of bytes
    workers=int(os.environ.get("CONCIERGE_WSGI_THREADS", "8")),
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http" and scope["path"] == LIVE_STREAM_PATH:
        await live.asgi_stream(scope, receive, send)
        return

    async def receive_message() -> Any:
        # a2wsgi hands receive() to run_coroutine_threadsafe, which takes a coroutine; granian's
        # receive() answers with an awaitable of its own.
        return await receive()

    await pages(scope, receive_message, send)  # type: ignore[arg-type]  # a2wsgi types its own Scope; ours is the dict granian passes
