"""Who else has a record open: the staff viewing or editing an order, a customer, a cart now.

Each open page says it is there every few seconds (``here``) and that it has gone when it closes
(``leave``). A page that stops saying so (a closed laptop) drops out after ``STALE_SECONDS``. When
the set of people on a record changes, every open page on it hears a ``presence`` event
(``core/live.py``), so a second CSR shows up on the first one's screen within a second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from concierge.core import clock, live
from concierge.core.models import LiveViewer

# A page says it is there every 5 s; three missed beats and it is gone.
HEARTBEAT_SECONDS = 5
STALE_SECONDS = 16
MAX_TOPICS = 8


@dataclass(frozen=True)
class Viewer:
    page: str
    user_id: int
    name: str
    mode: str
    since: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "user": self.user_id,
            "name": self.name,
            "mode": self.mode,
            "editing": self.mode == LiveViewer.Mode.EDITING,
            "since": self.since.isoformat(),
        }


def viewers(topic: str, *, now: dt.datetime | None = None) -> list[Viewer]:
    """Who has a page open on ``topic`` now, the earliest first."""
    cutoff = (now or clock.now()) - dt.timedelta(seconds=STALE_SECONDS)
    rows = LiveViewer.objects.filter(topic=topic, last_seen_at__gte=cutoff).order_by("since", "pk")
    return [Viewer(r.page, r.user_id, r.name, r.mode, r.since) for r in rows]


def _announce(topic: str, now: dt.datetime) -> None:
    live.publish(topic, "presence", {"viewers": [v.as_json() for v in viewers(topic, now=now)]})


def here(*, topics: list[str], page: str, user_id: int, name: str, editing: bool) -> dict[str, list[Viewer]]:
    """``page`` of ``user_id`` is open on ``topics`` (viewing, or editing when it holds the lock).
    Returns who is on each topic; tells the other pages when someone arrived or changed mode."""
    now = clock.now()
    mode = LiveViewer.Mode.EDITING if editing else LiveViewer.Mode.VIEWING
    cutoff = now - dt.timedelta(seconds=STALE_SECONDS)
    answer: dict[str, list[Viewer]] = {}
    for topic in topics[:MAX_TOPICS]:
        with transaction.atomic():
            # The dropped-out pages of this topic go first, so a returning page counts as arriving.
            gone = LiveViewer.objects.filter(topic=topic, last_seen_at__lt=cutoff).delete()[0]
            updated = LiveViewer.objects.filter(topic=topic, page=page, mode=mode).update(last_seen_at=now)
            changed = bool(gone)
            if not updated:
                changed = True
                moved = LiveViewer.objects.filter(topic=topic, page=page).update(mode=mode, last_seen_at=now)
                if not moved:
                    try:
                        with transaction.atomic():
                            LiveViewer.objects.create(
                                topic=topic,
                                page=page,
                                user_id=user_id,
                                name=name,
                                mode=mode,
                                since=now,
                                last_seen_at=now,
                            )
                    except IntegrityError:  # the same page's beat raced itself
                        LiveViewer.objects.filter(topic=topic, page=page).update(mode=mode, last_seen_at=now)
            if changed:
                _announce(topic, now)
        answer[topic] = viewers(topic, now=now)
    return answer


def leave(*, topics: list[str], page: str, user_id: int) -> None:
    """``page`` was closed: it is no longer on ``topics``; the others hear it at once."""
    now = clock.now()
    for topic in topics[:MAX_TOPICS]:
        with transaction.atomic():
            if LiveViewer.objects.filter(topic=topic, page=page, user_id=user_id).delete()[0]:
                _announce(topic, now)
