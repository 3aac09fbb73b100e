"""Every field a person reads in a timeline is covered by the chain (RELIABILITY bar 26)."""

import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from concierge.audit import chain
from concierge.audit.models import ChainHead, Event
from concierge.audit.selectors import verify_chain
from concierge.audit.tests.test_chain import acting, tamper, write_events
from concierge.core import clock

pytestmark = pytest.mark.django_db
__all__ = ["acting"]  # the fixture
upgrade = importlib.import_module("concierge.audit.migrations.0004_attest_actor_labels")


def as_before_the_chainer() -> None:
    """Write as the code before audit migration 0006 did, linking at the insert: PostgreSQL's
    triggers refuse that now, so pass them for this transaction (a superuser may)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


def write_legacy_event(label: str, *, version: int = 1) -> Event:
    """An event as written before links attested labels (chain version 1), or before they
    attested the insertion id (version 2): linked by its writer, under the head's lock."""
    with transaction.atomic():
        as_before_the_chainer()
        head = ChainHead.objects.select_for_update().get(pk=1)
        event = Event(
            seq=head.seq + 1, occurred_at=clock.now(), actor_id=7, actor_label=label, subject_kind="order",
            subject_id="1", action="order.cancelled", changes={}, data={"reason": "asked"}, request_id="r",
            payload_digest=chain.payload_digest(changes={}, data={"reason": "asked"}), prev_hash=head.hash,
            chain_version=version,
        )  # fmt: skip
        event.hash = chain.link_hash(chain.header_fields(event))
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_label", "Someone Else"),
        ("action", "order.note_added"),
        ("subject_id", "999"),
        ("subject_kind", "order"),
        ("on_behalf_of_id", 424242),
        ("occurred_at", "2001-01-01 00:00:00"),
        ("changes", '{"status": ["A", "B"]}'),
        ("data", '{"note": "rewritten"}'),
    ],
)
def test_audit_verify_fails_when_a_field_shown_in_a_timeline_is_changed(acting, column, value):
    # given
    events = write_events(acting, 3)
    call_command("audit_verify")
    # when: someone with database access rewrites what a timeline shows
    # the column comes from the fixed parametrize list above, never from input; values are bound
    tamper(f"UPDATE audit_event SET {column} = %s WHERE seq = %s", [value, events[1].seq])  # noqa: S608
    # then
    with pytest.raises(CommandError, match=f"broken at event #{events[1].seq}"):
        call_command("audit_verify")


def test_events_from_before_the_upgrade_have_their_labels_attested_by_the_migration(acting):
    # given: events written before the upgrade, then the upgrade's attestation, then new events
    legacy = [write_legacy_event("Ann Agent"), write_legacy_event("Bob Agent")]
    assert verify_chain().reason == "the labels of older events are not attested"
    with transaction.atomic():
        as_before_the_chainer()
        upgrade.attest_labels(apps, None)
    write_events(acting, 2)
    attestation = Event.objects.get(action=chain.LABELS_ATTESTED)
    assert attestation.data["through_seq"] == legacy[-1].seq
    assert verify_chain().ok
    # when: an old event's label is changed
    tamper("UPDATE audit_event SET actor_label = %s WHERE seq = %s", ["Mallory", legacy[0].seq])
    # then
    report = verify_chain()
    assert report.broken_at == attestation.seq
    assert "labels" in report.reason


def test_the_upgrade_appends_nothing_to_an_empty_log():
    with transaction.atomic():
        upgrade.attest_labels(apps, None)
    assert not Event.objects.exists()


def test_an_event_cannot_be_downgraded_to_an_older_link_version(acting):
    events = write_events(acting, 2)
    tamper("UPDATE audit_event SET chain_version = 1 WHERE seq = %s", [events[1].seq])
    assert verify_chain().broken_at == events[1].seq


def test_a_long_label_is_stored_whole_as_the_chain_attests_it():
    # given: someone whose display name is a 254-character email address
    from concierge.audit.services import record
    from concierge.core.context import ActingContext

    label = "a" * 240 + "@example.test"
    with transaction.atomic():
        event = record(ActingContext.system(label), action="customer.updated", subject_kind="customer", subject_id=1)
    # then
    assert Event.objects.get(pk=event.pk).actor_label == label
    assert verify_chain().ok


def test_links_written_before_the_chainer_verify_with_the_chainers_after_them(acting):
    # given: a log as migrated from before audit migration 0006 (version 2 links, made by their
    # writers), then events linked by the chainer (version 3)
    old = [write_legacy_event("Ann Agent", version=2), write_legacy_event("Bob Agent", version=2)]
    new = write_events(acting, 2)
    assert [e.chain_version for e in old + new] == [2, 2, 3, 3]
    assert [e.seq for e in old + new] == [1, 2, 3, 4]
    # then
    assert verify_chain().checked == 4
    assert verify_chain().ok
    # and a version 2 link is still checked
    tamper("UPDATE audit_event SET data = %s WHERE seq = %s", ['{"reason": "other"}', old[1].seq])
    assert verify_chain().broken_at == old[1].seq
