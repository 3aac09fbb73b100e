"""Writers append unlinked events; the chainer links them after the commit (docs/adr/0001-audit-chain.md).

``seq``, ``prev_hash`` and ``hash`` may be empty ("pending") until the chainer links the event;
timelines order by the insertion ``id``, and new links (chain version 3) attest it. Existing
events keep their links and their versions, and verify unchanged.

PostgreSQL: the append-only trigger now admits, besides a recorded redaction, one more UPDATE —
linking: ``seq``, ``prev_hash`` and ``hash`` set from empty to values, every other column as it
was. ``audit_link`` writes a batch of links and moves the head with its owner's rights, after
checking that the links continue the head gaplessly, so the application role needs no UPDATE on
either table (``audit_lockdown``). A new INSERT trigger refuses an event that arrives already
linked (only the chainer links) or whose id is not the one the id sequence just gave it (an id
picked by hand could slip an event into a timeline's past).
"""

from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    -- Linking: a pending event gets its position and link, nothing else changes.
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor_label, NEW.on_behalf_of_id, NEW.account_id,
            NEW.assisted_session_id, NEW.subject_kind, NEW.subject_id, NEW.action, NEW.changes, NEW.data,
            NEW.request_id, NEW.payload_digest, NEW.chain_version)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.actor_label, OLD.on_behalf_of_id, OLD.account_id,
            OLD.assisted_session_id, OLD.subject_kind, OLD.subject_id, OLD.action, OLD.changes, OLD.data,
            OLD.request_id, OLD.payload_digest, OLD.chain_version)
    THEN
        RETURN NEW;
    END IF;
    -- A recorded redaction (audit migration 0005), of a linked event.
    IF TG_OP = 'UPDATE'
       AND OLD.action <> 'audit.redacted' AND OLD.seq IS NOT NULL
       AND (NEW.id, NEW.seq, NEW.occurred_at, NEW.actor_id, NEW.on_behalf_of_id, NEW.account_id,
            NEW.assisted_session_id, NEW.subject_kind, NEW.subject_id, NEW.action, NEW.request_id,
            NEW.payload_digest, NEW.prev_hash, NEW.hash, NEW.chain_version)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.seq, OLD.occurred_at, OLD.actor_id, OLD.on_behalf_of_id, OLD.account_id,
            OLD.assisted_session_id, OLD.subject_kind, OLD.subject_id, OLD.action, OLD.request_id,
            OLD.payload_digest, OLD.prev_hash, OLD.hash, OLD.chain_version)
       AND (NEW.actor_label = OLD.actor_label
            OR (NEW.actor_label = '[erased]' AND audit_event_redaction_names(OLD, 'actor_label')))
       AND ((NEW.changes = OLD.changes AND NEW.data = OLD.data)
            OR (NEW.changes = '{}'::jsonb AND NEW.data = '{"erased": true}'::jsonb
                AND audit_event_redaction_names(OLD, 'payload')))
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_event_insert_pending() RETURNS trigger AS $$
BEGIN
    IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit events are appended unlinked: only the chainer links them'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM currval('audit_event_id_seq'::regclass) THEN
        RAISE EXCEPTION 'an audit event takes the id its sequence gives it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_insert_pending
    BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_insert_pending();

CREATE OR REPLACE FUNCTION audit_link(ids bigint[], seqs bigint[], prev_hashes text[], hashes text[])
RETURNS void AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    n integer := cardinality(ids);
    linked integer;
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    IF cardinality(seqs) <> n OR cardinality(prev_hashes) <> n OR cardinality(hashes) <> n THEN
        RAISE EXCEPTION 'audit_link: the arrays differ in length';
    END IF;
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_chainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM audit_event WHERE seq IS NOT NULL) THEN
            RAISE EXCEPTION 'audit_link: the chain head is missing while events are linked';
        END IF;
        INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, 0, repeat('0', 64));
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    -- The links continue the head, one position after another, each naming the one before.
    IF EXISTS (
        SELECT 1 FROM generate_subscripts(ids, 1) AS i
        WHERE seqs[i] <> head_seq + i
           OR prev_hashes[i] <> CASE WHEN i = 1 THEN head_hash ELSE hashes[i - 1] END
    ) THEN
        RAISE EXCEPTION 'audit_link: the links do not continue the chain head'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE audit_event e SET seq = l.seq, prev_hash = l.prev_hash, hash = l.hash
    FROM unnest(ids, seqs, prev_hashes, hashes) AS l(id, seq, prev_hash, hash)
    WHERE e.id = l.id AND e.seq IS NULL;
    GET DIAGNOSTICS linked = ROW_COUNT;
    IF linked <> n THEN
        RAISE EXCEPTION 'audit_link: % of % events were not pending', n - linked, n
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE audit_chainhead SET seq = seqs[n], hash = hashes[n] WHERE id = 1;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;

REVOKE ALL ON FUNCTION audit_link(bigint[], bigint[], text[], text[]) FROM PUBLIC;
"""

PG_BACKWARD = """
DROP FUNCTION IF EXISTS audit_link(bigint[], bigint[], text[], text[]);
DROP TRIGGER IF EXISTS audit_event_insert_pending ON audit_event;
DROP FUNCTION IF EXISTS audit_event_insert_pending();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_redaction"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="event",
            options={"ordering": ["-id"]},
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="audit_subject_seq",
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="audit_actor_seq",
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="audit_on_behalf_seq",
        ),
        migrations.AlterField(
            model_name="event",
            name="chain_version",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="What the link attests: 2 covers the actor's label too, 3 the insertion id (audit/chain.py).",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="event",
            name="seq",
            field=models.BigIntegerField(
                blank=True,
                help_text="Position in the hash chain, gapless from 1 (empty until linked).",
                null=True,
                unique=True,
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["subject_kind", "subject_id", "-id"], name="audit_subject_id"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["actor_id", "-id"], name="audit_actor_id"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["on_behalf_of_id", "-id"], name="audit_on_behalf_id"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_pending"),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("hash__isnull", True), ("prev_hash__isnull", True), ("seq__isnull", True)),
                    models.Q(("hash__isnull", False), ("prev_hash__isnull", False), ("seq__isnull", False)),
                    _connector="OR",
                ),
                name="audit_event_linked_whole",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
