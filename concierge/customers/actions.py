"""What the audit log records about customers, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class CustomerAction(AuditAction):
    REGISTERED = "customer.registered", "Customer registered"
    UPDATED = "customer.updated", "Customer details changed"
    ASSISTANCE_CHANGED = "customer.assistance_changed", "Permission to be assisted changed"
    STATUS_CHANGED = "customer.status_changed", "Customer status changed"
    GUEST_CREATED = "customer.guest_created", "Guest customer created"
    LOCKED = "customer.locked", "Record opened for editing"
    UNLOCKED = "customer.unlocked", "Record closed"
    PASSWORD_RESET_SENT = "customer.password_reset_sent", "Password reset email sent"
    SEGMENT_ADDED = "customer.segment_added", "Added to a customer segment"
    SEGMENT_REMOVED = "customer.segment_removed", "Removed from a customer segment"
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_DELETED = "account.deleted", "Account deleted"
    CHILD_ACCOUNT_ADDED = "account.child_added", "Child account added"
    ASSOCIATE_ADDED = "account.associate_added", "Associate added"
    ASSOCIATE_REMOVED = "account.associate_removed", "Associate removed"
    ASSOCIATE_ROLE_CHANGED = "account.associate_role_changed", "Associate's role changed"
    ASSOCIATE_ACCOUNT_SELECTED = "associate.account_selected", "Shopper chose an account to buy for"
    ASSOCIATE_ACCOUNT_CLEARED = "associate.account_cleared", "Shopper stopped buying for an account"
    CONSENT_CHANGED = "customer.consent_changed", "Data policy consent changed"
    DATA_REMOVED = "customer.data_removed", "Customer data removed"
    GUEST_ORDERS_ATTACHED = "customer.guest_orders_attached", "Guest orders attached to the account"
    GUEST_CHECKOUT_STARTED = "customer.guest_checkout_started", "Shopper checked out as a guest"
    GUEST_CHECKOUT_ENDED = "customer.guest_checkout_ended", "Guest checkout ended"
    GUEST_ORDERS_LINK_SENT = "customer.guest_orders_link_sent", "Link to attach guest orders emailed"
    GUEST_ORDER_MOVED = "customer.guest_order_moved", "Guest order attached to a registered customer"
    ADDRESS_ADDED = "address.added", "Address added"
    ADDRESS_UPDATED = "address.updated", "Address changed"
    ADDRESS_REMOVED = "address.removed", "Address removed"
    ADDRESS_DEFAULT_SHIPPING = "address.default_shipping", "Default shipping address chosen"
    ADDRESS_DEFAULT_BILLING = "address.default_billing", "Default billing address chosen"
    SELLER_ORGANIZATION_SELECTED = "seller.organization_selected", "Seller chose an organization to act for"
    SELLER_ORGANIZATION_CLEARED = "seller.organization_cleared", "Seller stopped acting for an organization"
    # Seed 003: a seller's customer organizations, created Pending and activated, suspended and
    # re-activated with a reason; their Basic Details and Organization Profile edited.
    ORGANIZATION_CREATED = "organization.created", "Customer organization created"
    ORGANIZATION_ACTIVATED = "organization.activated", "Organization activated"
    ORGANIZATION_SUSPENDED = "organization.suspended", "Organization suspended"
    ORGANIZATION_REACTIVATED = "organization.reactivated", "Organization re-activated"
    ORGANIZATION_DETAILS_CHANGED = "organization.details_changed", "Organization's basic details changed"
    ORGANIZATION_PROFILE_CHANGED = "organization.profile_changed", "Organization profile changed"


# Changes made in the admin.
CustomerAdminAction = admin_actions(
    "CustomerAdminAction",
    {
        "customer": "Customer",
        "address": "Address",
        "sellerassignment": "Seller assignment",
        "segment": "Segment",
        "accountassociate": "Associate",
        "datapoint": "Data point",
        "datapolicy": "Data policy",
        "customerconsent": "Consent",
    },
    module=__name__,
)
