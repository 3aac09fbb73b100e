"""Sessions in the database, as Django's ``db`` engine keeps them, read through a query compiled
once per process (core/prepared.py): every signed-in page reads its session first."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from concierge.core.prepared import PreparedQuery

_SESSION = PreparedQuery(
    lambda key: Session.objects.filter(session_key=key).order_by("pk")[:1],
    key="\x00session-key",
)


class PreparedSessionRead:
    """Django's read of the session row (``session_key`` and ``expire_date`` in the future), with
    the expiry compared here rather than in the SQL, so the one parameter is the key."""

    session_key: str | None
    _session_key: str | None

    def _get_session_from_db(self) -> Any:
        session = _SESSION.first(key=self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session


class SessionStore(PreparedSessionRead, db.SessionStore):
    pass
