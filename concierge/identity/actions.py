"""What the audit log records about accounts and sign-ins, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class IdentityAction(AuditAction):
    SIGNED_IN = "user.signed_in", "Signed in"
    SIGN_IN_FAILED = "user.sign_in_failed", "Sign-in failed"
    SIGNED_OUT_EVERYWHERE = "user.signed_out_everywhere", "Signed out everywhere"
    PASSWORD_CHANGED = "user.password_changed", "Password changed"
    EMAIL_CHANGED = "user.email_changed", "Email address changed"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    STAFF_CREATED = "staff.created", "Staff member created"


# Changes made in the admin.
IdentityAdminAction = admin_actions("IdentityAdminAction", {"user": "User", "apitoken": "API token"}, module=__name__)
