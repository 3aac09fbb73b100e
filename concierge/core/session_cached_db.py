"""Sessions read from the shared cache first, then from the database, as Django's ``cached_db``
engine does; the database read is the prepared one of ``session_db``."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from concierge.core.session_db import PreparedSessionRead


class SessionStore(PreparedSessionRead, cached_db.SessionStore):
    pass
