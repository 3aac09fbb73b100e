"""Links attest the actor's label (chain version 2), and the labels of older events are attested.

Existing events keep their links (version 1): rewriting them would be the very change the chain
exists to detect, and PostgreSQL's triggers refuse it (migrations 0002/0003). Instead, when there
are version 1 events, one ``audit.labels_attested`` event is appended — an INSERT, which the
triggers allow — whose payload is a digest of every older event's (seq, actor label); the link of
that event attests the digest, and ``audit_verify`` recomputes it. New events are version 2.
"""

from django.db import migrations, models
from django.utils import timezone

from concierge.audit import chain


def attest_labels(apps, schema_editor):
    Event = apps.get_model("audit", "Event")
    ChainHead = apps.get_model("audit", "ChainHead")
    ledger = chain.LabelLedger()
    for seq, label in Event.objects.filter(chain_version=1).order_by("seq").values_list("seq", "actor_label").iterator():
        ledger.add(seq, label)
    if not ledger.count:
        return
    head = ChainHead.objects.select_for_update().get(pk=1)
    data = chain.canonical(ledger.attestation())
    event = Event(
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        actor_id=None,
        actor_label="Concierge (audit upgrade)",
        subject_kind="audit",
        subject_id="chain",
        action=chain.LABELS_ATTESTED,
        changes={},
        data=data,
        request_id="",
        payload_digest=chain.payload_digest(changes={}, data=data),
        prev_hash=head.hash,
        chain_version=2,
    )
    event.hash = chain.link_hash(chain.header_fields(event))
    event.save(force_insert=True)
    ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audit", "0003_protect_head")]

    operations = [
        # Existing rows are version 1 (ADD COLUMN with a default: no UPDATE, no trigger fires) ...
        migrations.AddField(
            model_name="event",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        # ... new ones version 2.
        migrations.AlterField(
            model_name="event",
            name="chain_version",
            field=models.PositiveSmallIntegerField(
                default=2, help_text="What the link attests: 2 covers the actor's label too (audit/chain.py)."
            ),
        ),
        # A label is stored whole (no display name is longer): widening a varchar rewrites no row.
        migrations.AlterField(
            model_name="event",
            name="actor_label",
            field=models.CharField(help_text="Who acted, as shown in timelines.", max_length=320),
        ),
        migrations.RunPython(attest_labels, migrations.RunPython.noop),
    ]
