"""PostgreSQL: the one UPDATE of an event the log admits — a recorded redaction (erasure).

The append-only trigger still refuses every UPDATE and DELETE, except an UPDATE that changes only
the actor's label to ``[erased]`` and/or the payload to the tombstone, of an event that an
``audit.redacted`` event appended after it names, for exactly those fields. Every other column must
stay as it was. ``audit_redact(seq)`` applies the recorded redactions of one event; it runs with its
owner's rights (SECURITY DEFINER), so the application role, which may only read and append to the
log (``audit_lockdown``), can carry out an erasure without UPDATE on the table
(docs/adr/0001-audit-chain.md, "Redaction").
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_redaction_names(target audit_event, field text) RETURNS boolean AS $$
    SELECT EXISTS (
        SELECT 1 FROM audit_event r
        WHERE r.action = 'audit.redacted' AND r.subject_kind = 'audit_event'
          AND r.subject_id = target.seq::text AND r.seq > target.seq
          AND (r.data -> 'fields') ? field
    );
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.action <> 'audit.redacted'
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

CREATE OR REPLACE FUNCTION audit_redact(target_seq bigint) RETURNS void AS $$
BEGIN
    UPDATE audit_event e SET
        actor_label = CASE WHEN audit_event_redaction_names(e, 'actor_label') THEN '[erased]' ELSE e.actor_label END,
        changes = CASE WHEN audit_event_redaction_names(e, 'payload') THEN '{}'::jsonb ELSE e.changes END,
        data = CASE WHEN audit_event_redaction_names(e, 'payload') THEN '{"erased": true}'::jsonb ELSE e.data END
    WHERE e.seq = target_seq AND e.action <> 'audit.redacted';
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;
"""

PG_BACKWARD = """
DROP FUNCTION IF EXISTS audit_redact(bigint);
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS audit_event_redaction_names(audit_event, text);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_attest_actor_labels")]

    operations = [migrations.RunPython(forward, backward)]
