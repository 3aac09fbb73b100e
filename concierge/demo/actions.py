"""What the audit log records when the demo data is loaded."""

from concierge.audit.actions import AuditAction


class DemoAction(AuditAction):
    SEEDED = "demo.seeded", "Demo data loaded"
