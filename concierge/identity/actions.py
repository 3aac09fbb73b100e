"""What the audit log records about accounts and sign-ins, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


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
    ADMIN_USER_ADDED = "admin.user.added", "User added in the admin"
    ADMIN_USER_CHANGED = "admin.user.changed", "User changed in the admin"
    ADMIN_USER_DELETED = "admin.user.deleted", "User deleted in the admin"
    ADMIN_API_TOKEN_ADDED = "admin.apitoken.added", "API token added in the admin"
    ADMIN_API_TOKEN_CHANGED = "admin.apitoken.changed", "API token changed in the admin"
    ADMIN_API_TOKEN_DELETED = "admin.apitoken.deleted", "API token deleted in the admin"
