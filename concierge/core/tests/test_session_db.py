"""The session engine: a signed-in page finds its session, an expired or unknown key finds none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from concierge.core.session_cached_db import SessionStore as CachedSessionStore
from concierge.core.session_db import SessionStore
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("engine", [SessionStore, CachedSessionStore])
def test_a_saved_session_is_read_back_and_an_unknown_key_starts_empty(engine):
    session = engine()
    session["cart"] = "C-7"
    session.create()

    assert engine(session.session_key)["cart"] == "C-7"
    unknown = engine("x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


@pytest.mark.parametrize("engine", [SessionStore, CachedSessionStore])
def test_an_expired_session_is_not_read(engine):
    session = SessionStore()
    session["cart"] = "C-8"
    session.create()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    stale = engine(session.session_key)
    assert stale.load() == {}
    assert stale.session_key is None


def test_a_signed_in_console_page_and_its_sign_out(client, store, settings):
    settings.SESSION_ENGINE = "concierge.core.session_db"
    agent = factories.staff("CSR", stores=[store])
    client.force_login(agent)
    assert client.get("/service/").status_code == 200

    client.post("/account/sign-out/")

    assert client.get("/service/").status_code == 302
