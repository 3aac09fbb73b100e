"""The audit log: one append-only, hash-chained table of every change (docs/adr/0001-audit-chain.md).

A writer appends an event unlinked ("pending": no ``seq``, ``prev_hash`` or ``hash``); its ``id``
orders it in timelines at once. The chainer (audit/chainer.py) links committed pending events into
the chain shortly after, in batches, so writers never wait on one another.

The audit domain depends on nothing: people, customers and sessions are referred to by id, so an
event outlives whatever it names, and erasing a customer never breaks the chain.
"""

from __future__ import annotations

from django.db import models


class Event(models.Model):
    # ``id`` is the insertion order (timelines); ``seq`` the position in the chain, set on linking.
    seq = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="Position in the hash chain, gapless from 1 (empty until linked)."
    )
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="The user who acted.")
    # Long enough for any display name (first and last name, or a 254-character email address),
    # so a label is stored whole, as the chain attests it.
    actor_label = models.CharField(max_length=320, help_text="Who acted, as shown in timelines.")
    on_behalf_of_id = models.BigIntegerField(null=True, blank=True, help_text="The customer served.")
    account_id = models.BigIntegerField(null=True, blank=True, help_text="The B2B account in use.")
    assisted_session_id = models.BigIntegerField(null=True, blank=True)
    subject_kind = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    action = models.CharField(max_length=80)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    payload_digest = models.CharField(max_length=64)
    # NULL (not "") until linked: a pending event has no link yet, and hashes are unique.
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    chain_version = models.PositiveSmallIntegerField(
        default=3,
        help_text="What the link attests: 2 covers the actor's label too, 3 the insertion id (audit/chain.py).",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id", "-id"], name="audit_subject_id"),
            models.Index(fields=["actor_id", "-id"], name="audit_actor_id"),
            models.Index(fields=["on_behalf_of_id", "-id"], name="audit_on_behalf_id"),
            # The chainer's work list: small, as events are linked shortly after they commit.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_pending"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True)
                    | models.Q(seq__isnull=False, prev_hash__isnull=False, hash__isnull=False)
                ),
                name="audit_event_linked_whole",
            ),
        ]

    def __str__(self) -> str:
        position = f"#{self.seq}" if self.seq is not None else f"pending {self.pk}"
        return f"{position} {self.action} {self.subject_kind}:{self.subject_id}"


class ChainHead(models.Model):
    """One row: the last link of the chain. Only the chainer moves it (one at a time), so the chain
    never forks; it also lets ``audit_verify`` notice events cut from the end. Writers never touch it."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
