"""The demo fills every queue of the desk, for the demo supervisor, and loading it again adds nothing
while its rows are there."""

import io

import pytest
from django.core.management import call_command

from concierge.assist.models import AssistedSession
from concierge.core.context import ActingContext
from concierge.desk.queues import desk_scope, queue_counts
from concierge.identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_row_in_every_queue_and_adds_none_twice():
    call_command("seed_demo", customers=40, stdout=io.StringIO())
    sam = User.objects.get(email="sam.supervisor@concierge.test")
    counts = queue_counts(desk_scope(ActingContext(user=sam)))
    assert all(count >= 1 for count in counts.values()), counts
    sessions = AssistedSession.objects.count()
    call_command("seed_demo", customers=40, stdout=io.StringIO())
    assert AssistedSession.objects.count() == sessions
    assert queue_counts(desk_scope(ActingContext(user=sam))) == counts
