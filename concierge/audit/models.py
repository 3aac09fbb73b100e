"""The audit log: one append-only, hash-chained table of every change (docs/adr/0001-audit-chain.md).

The audit domain depends on nothing: people, customers and sessions are referred to by id, so an
event outlives whatever it names, and erasing a customer never breaks the chain.
"""

from __future__ import annotations

from django.db import models


class Event(models.Model):
    seq = models.BigIntegerField(unique=True, help_text="Position in the hash chain, gapless from 1.")
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    chain_version = models.PositiveSmallIntegerField(
        default=2, help_text="What the link attests: 2 covers the actor's label too (audit/chain.py)."
    )

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id", "-seq"], name="audit_subject_seq"),
            models.Index(fields=["actor_id", "-seq"], name="audit_actor_seq"),
            models.Index(fields=["on_behalf_of_id", "-seq"], name="audit_on_behalf_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_kind}:{self.subject_id}"


class ChainHead(models.Model):
    """One row: the last link of the chain. Locking it serializes appends, so the chain never
    forks; it also lets ``audit_verify`` notice events cut from the end."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
