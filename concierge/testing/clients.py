"""Test clients: a browser of its own signed in as one person, for tests with two people at once."""

from __future__ import annotations

from django.test import Client

from concierge.identity.models import User

SIGN_IN_BACKEND = "concierge.identity.backends.EmailBackend"


def browser(user: User) -> Client:
    """A browser of its own, signed in as ``user`` (signing another browser out would release
    that person's locks, so each person gets one)."""
    client = Client()
    client.force_login(user, backend=SIGN_IN_BACKEND)
    return client
