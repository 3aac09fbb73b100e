"""Data policy retention: a policy's ``retention_days`` enforced (seed 004 "Customer Data Policies";
RELIABILITY bar 25).

A data policy says how long the data it covers is kept *after consent ends*. Consent ends when the
customer withdraws it: their ``CustomerConsent`` to the policy says ``given=False`` and when
(``updated_at``). Once ``retention_days`` have passed since then — consent withdrawn 31 days ago on
a 30-day policy, not 29 — retention erases, for that customer, the data points the policy covers:

* only those points, and of them only the ones no other *active* policy the customer still
  consents to also covers (that policy keeps them);
* each through the data point's own eraser in the catalogue (``privacy.CATALOGUE``): the values in
  the customer's own rows (the record, its sign-in's name, addresses, payment sources) are blanked,
  never the orders, payments or refunds, which keep their copies as records of the sale (bar 25);
  the sign-in email address is kept while the customer signs in with it (``privacy.KEPT_BECAUSE``);
* the audit log's events about the customer that name a removed value are redacted the way Remove
  customer data redacts them (``audit.redaction.redact_mentions``), so the chain still verifies;
* recorded as Concierge itself (``ActingContext.system("data retention")``) in one event
  ``customer.retention_enforced`` naming the policy's reference key and the data point keys
  removed and kept — never the values. The record's version moves on (an open console editor is
  refused rather than saving the old values back), and the Customer Data Policies tab says when.

A customer who never answered a policy (no consent row) is not erased by it: nothing has ended,
and the seed's tab tells "whether a customer has given consent" apart from a policy that merely
applies. Erasure of everything on request is Remove customer data (``privacy.customer_erase``).
Draft and disabled policies are not enforced; a policy that is active again is.

Idempotent and safe under several workers: a withdrawal is enforced once (its event, newer than the
consent's ``updated_at``, marks it done — a later withdrawal after consent was given again is
enforced again); each customer is handled in its own transaction with the record locked
(``customer_edit`` with ``SYSTEM``) and the consent row locked and checked again, so a second
worker waits and then finds it done, and consent given again meanwhile stops it. Work comes in
bounded batches: the worker's beat enqueues a task at most every
``CONCIERGE_RETENTION_INTERVAL_SECONDS`` (an hour by default), which handles up to ``BATCH``
withdrawals and enqueues itself again while more are due; ``manage.py enforce_retention`` runs
them all now.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.tasks import task

from concierge.audit.models import Event
from concierge.audit.redaction import redact_mentions
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.worker import OnTheBeat
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import SYSTEM, Then, customer_edit
from concierge.customers.models import CustomerConsent, DataPoint, DataPolicy
from concierge.customers.privacy import CATALOGUE, KEPT_BECAUSE
from concierge.customers.search import index_customers
from concierge.customers.services import refresh_billing_summary

logger = logging.getLogger("concierge.customers.retention")

BATCH = 200  # withdrawals handled by one task run (each in its own short transaction)
ACTOR = "data retention"


@dataclass
class RetentionRun:
    """What one pass did: withdrawals enforced, and the data points removed by key."""

    enforced: int = 0
    removed: dict[str, int] = field(default_factory=dict)


def _enforced_since_withdrawal(policy: DataPolicy) -> Exists:
    """An enforcement event of ``policy`` for the consent's customer, at or after its withdrawal."""
    return Exists(
        Event.objects.filter(
            subject_kind="customer",
            subject_id=Cast(OuterRef("customer_id"), output_field=CharField(max_length=64)),
            action=CustomerAction.RETENTION_ENFORCED,
            data__policy=policy.reference_key,
            occurred_at__gte=OuterRef("updated_at"),
        )
    )


def due(policy: DataPolicy, *, now: dt.datetime | None = None) -> QuerySet[CustomerConsent]:
    """The withdrawals of ``policy`` whose retention has run out and that are not enforced yet."""
    cutoff = (now or clock.now()) - dt.timedelta(days=policy.retention_days)
    return (
        CustomerConsent.objects.filter(policy=policy, given=False, updated_at__lte=cutoff)
        .exclude(_enforced_since_withdrawal(policy))
        .order_by("pk")
    )


def due_count() -> int:
    """How many withdrawals are due now, over every active policy (for the command's bar)."""
    return sum(due(policy).count() for policy in DataPolicy.objects.filter(state=DataPolicy.State.ACTIVE))


def _kept_by_other_consents(consent: CustomerConsent) -> set[str]:
    """The data point keys another active policy covers that the customer still consents to."""
    others = CustomerConsent.objects.filter(
        customer_id=consent.customer_id, given=True, policy__state=DataPolicy.State.ACTIVE
    ).exclude(policy_id=consent.policy_id)
    return set(DataPoint.objects.filter(policies__consents__in=others).values_list("key", flat=True))


def enforce_one(consent_id: int, *, now: dt.datetime | None = None) -> dict[str, list[str]] | None:
    """Enforce the retention of one withdrawal: the data points removed and kept, or None when
    there was nothing to do (consent given again, the policy no longer active or its retention not
    run out, or another worker did it first)."""
    customer_id = CustomerConsent.objects.filter(pk=consent_id).values_list("customer_id", flat=True).first()
    if customer_id is None:
        return None
    system = ActingContext.system(ACTOR)
    # The record first, then the consent: the order consent_set takes them in.
    with customer_edit(system, customer_id=customer_id, guard=SYSTEM, then=Then.KEEP) as edit:
        consent = (
            CustomerConsent.objects.select_for_update(of=("self",))
            .select_related("policy")
            .filter(pk=consent_id, given=False, policy__state=DataPolicy.State.ACTIVE)
            .first()
        )
        if consent is None or not due(consent.policy, now=now).filter(pk=consent.pk).exists():
            return None
        customer = edit.customer
        policy = consent.policy
        kept_elsewhere = _kept_by_other_consents(consent)
        removed: list[str] = []
        kept: list[str] = []
        values: list[str] = []
        for key in policy.data_points.order_by("key").values_list("key", flat=True):
            kind = CATALOGUE.get(key)
            erased = kind.erase(customer) if kind is not None and kind.erase is not None and key not in kept_elsewhere \
                else None  # fmt: skip
            if erased is None:
                kept.append(key)
                continue
            removed.append(key)
            values += erased
        if any(key.startswith("address.") for key in removed):
            refresh_billing_summary(customer)
        index_customers([customer])
        needles = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
        if needles:
            subjects = [("customer", str(customer.pk))]
            subjects += [("address", str(pk)) for pk in customer.addresses.values_list("pk", flat=True)]
            redact_mentions(
                edit.ctx,
                values=needles + _digits(needles),
                actor_ids=[customer.user_id] if customer.user_id else [],
                on_behalf_of_ids=[customer.pk],
                subjects=subjects,
                reason="retention of a data policy",
            )
        edit.record(
            CustomerAction.RETENTION_ENFORCED,
            data={
                "policy": policy.reference_key,
                "retention_days": policy.retention_days,
                "removed": removed,
                "kept": {key: _why_kept(key, kept_elsewhere) for key in kept},
            },
        )
    return {"removed": removed, "kept": kept}


def _why_kept(key: str, kept_elsewhere: set[str]) -> str:
    if key in kept_elsewhere:
        return "covered by another policy the customer consents to"
    return KEPT_BECAUSE.get(key, "not erased by retention")


def _digits(values: list[str]) -> list[str]:
    """Phones as the search index and some payloads keep them (digits only)."""
    found = ("".join(ch for ch in v if ch.isdigit()) for v in values)
    return [d for d in found if len(d) >= 7]


def enforce_retention(
    *, limit: int | None = BATCH, now: dt.datetime | None = None, progress: Callable[[int], Any] | None = None
) -> RetentionRun:
    """Enforce every due withdrawal of every active policy, at most ``limit`` (None: all)."""
    run = RetentionRun()
    for policy in DataPolicy.objects.filter(state=DataPolicy.State.ACTIVE).order_by("pk"):
        last = 0
        while limit is None or run.enforced < limit:
            size = BATCH if limit is None else min(BATCH, limit - run.enforced)
            batch = list(due(policy, now=now).filter(pk__gt=last).values_list("pk", flat=True)[:size])
            if not batch:
                break
            last = batch[-1]
            for consent_id in batch:
                outcome = enforce_one(consent_id, now=now)
                if progress is not None:
                    progress(1)
                if outcome is None:
                    continue
                run.enforced += 1
                for key in outcome["removed"]:
                    run.removed[key] = run.removed.get(key, 0) + 1
    return run


# --- In the worker -----------------------------------------------------------------------------------


@task()
def enforce_retention_task() -> int:
    """One bounded batch; enqueued again while more withdrawals are due."""
    run = enforce_retention(limit=BATCH)
    if run.enforced >= BATCH:
        enforce_retention_task.enqueue()
    return run.enforced


# When this process last enqueued the pass (``time.monotonic()``); None until its first beat, which
# only starts the interval — a worker that lives less than an interval (a test's, a crashing one)
# adds no work to the queue, and a deploy's new workers do not all enqueue at once.
def _interval() -> float:
    """Seconds between passes (a duration compared with ``time.monotonic()``, not an amount)."""
    return float(getattr(settings, "CONCIERGE_RETENTION_INTERVAL_SECONDS", 3600))


# The worker's beat (``concierge.core.worker.beat_done``) enqueues the retention pass once an interval has passed.
on_the_beat = OnTheBeat(lambda: enforce_retention_task, _interval)
enqueue_on_beat = on_the_beat.enqueue_on_beat
due_at_next_beat = on_the_beat.due_at_next_beat
