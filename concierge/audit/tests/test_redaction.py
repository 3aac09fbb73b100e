"""Redaction (docs/adr/0001-audit-chain.md): erasure blanks labels and payloads that name a person,
each blanking attested by an ``audit.redacted`` event, and the chain still verifies; blanked text
without its redaction, or a redaction that does not match its event, is a broken link."""

import pytest
from django.db import transaction

from concierge.audit.chainer import link_pending
from concierge.audit.models import Event
from concierge.audit.redaction import ERASED_LABEL, TOMBSTONE_DATA, redact_mentions
from concierge.audit.selectors import verify_chain
from concierge.audit.services import record
from concierge.audit.tests.test_chain import tamper
from concierge.core.context import ActingContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(csr, shopper) -> dict[str, Event]:
    """The shopper acting themself (their name is the label), an agent's edit naming their email,
    and an unrelated edit."""
    with transaction.atomic():
        own = record(ActingContext(user=shopper.user, customer=shopper), action="customer.updated",
                     subject_kind="customer", subject_id=shopper.pk, changes={"phone": ("", "555 0100")})  # fmt: skip
        agent = record(ActingContext(user=csr, customer=shopper), action="customer.updated", subject_kind="customer",
                       subject_id=shopper.pk, changes={"email": ("old@example.com", "jane@example.com")})  # fmt: skip
        other = record(ActingContext(user=csr), action="customer.updated", subject_kind="customer", subject_id=999,
                       changes={"last_name": ("Smith", "Smyth")})  # fmt: skip
    link_pending()  # as after the commit
    for event in (own, agent, other):
        event.refresh_from_db()
    return {"own": own, "agent": agent, "other": other}


def erase(csr, shopper) -> None:
    with transaction.atomic():
        redact_mentions(ActingContext(user=csr), values=["Jane", "Shopper", "jane@example.com", "555 0100"],
                        actor_ids=[shopper.user.pk], on_behalf_of_ids=[shopper.pk], reason="test")  # fmt: skip


def test_the_events_naming_the_person_are_blanked_and_the_chain_verifies(history, csr, shopper):
    erase(csr, shopper)
    own, agent, other = (Event.objects.get(seq=history[k].seq) for k in ("own", "agent", "other"))
    assert (own.actor_label, own.data) == (ERASED_LABEL, TOMBSTONE_DATA)
    assert (agent.actor_label, agent.data, agent.changes) == ("Ann Agent", TOMBSTONE_DATA, {})
    assert other.changes == {"last_name": ["Smith", "Smyth"]}
    assert Event.objects.filter(action="audit.redacted").count() == 2
    assert verify_chain().ok


def test_a_redaction_attests_the_digests_and_names_no_one(history, csr, shopper):
    erase(csr, shopper)
    redaction = Event.objects.get(action="audit.redacted", subject_id=str(history["own"].seq))
    assert redaction.data["payload_digest"] == history["own"].payload_digest
    assert set(redaction.data["fields"]) == {"actor_label", "payload"}
    assert "jane" not in str(redaction.data).lower()


def test_an_erased_label_without_a_redaction_is_a_broken_link(history):
    tamper("UPDATE audit_event SET actor_label = %s WHERE seq = %s", [ERASED_LABEL, history["other"].seq])
    assert verify_chain().broken_at == history["other"].seq


def test_a_tombstone_without_a_redaction_is_a_broken_link(history):
    tamper("UPDATE audit_event SET data = %s, changes = %s WHERE seq = %s",
           ['{"erased": true}', "{}", history["other"].seq])  # fmt: skip
    assert verify_chain().broken_at == history["other"].seq


def test_a_redacted_label_changed_again_is_a_broken_link(history, csr, shopper):
    erase(csr, shopper)
    tamper("UPDATE audit_event SET actor_label = %s WHERE seq = %s", ["Someone Else", history["own"].seq])
    assert verify_chain().broken_at == history["own"].seq


def test_erasing_twice_redacts_nothing_more(history, csr, shopper):
    erase(csr, shopper)
    erase(csr, shopper)
    assert Event.objects.filter(action="audit.redacted").count() == 2
    assert verify_chain().ok
