"""What the audit log records about in-store devices, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class DeviceAction(AuditAction):
    REGISTERED = "presence.device_registered", "In-store device registered"
    CREDENTIALS_ROTATED = "presence.device_credentials_rotated", "In-store device credentials rotated"
    REVOKED = "presence.device_revoked", "In-store device revoked"
    SIGHTINGS_PURGED = "presence.sightings_purged", "In-store sightings past their retention deleted"


# Changes made in the admin (a device's name, zone or kind; customer tokens).
PresenceAdminAction = admin_actions(
    "PresenceAdminAction", {"device": "In-store device", "customertoken": "Customer token"}, module=__name__
)
