"""What the audit log records about customers, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class CustomerAction(AuditAction):
    REGISTERED = "customer.registered", "Customer registered"
    UPDATED = "customer.updated", "Customer details changed"
    ASSISTANCE_CHANGED = "customer.assistance_changed", "Permission to be assisted changed"
    STATUS_CHANGED = "customer.status_changed", "Customer status changed"
    GUEST_CREATED = "customer.guest_created", "Guest customer created"
    ADDRESS_ADDED = "address.added", "Address added"
    ADDRESS_UPDATED = "address.updated", "Address changed"
    ADDRESS_REMOVED = "address.removed", "Address removed"
    ADDRESS_DEFAULT_SHIPPING = "address.default_shipping", "Default shipping address chosen"
    ADDRESS_DEFAULT_BILLING = "address.default_billing", "Default billing address chosen"
    SELLER_ORGANIZATION_SELECTED = "seller.organization_selected", "Seller chose an organization to act for"
    SELLER_ORGANIZATION_CLEARED = "seller.organization_cleared", "Seller stopped acting for an organization"


# Changes made in the admin.
CustomerAdminAction = admin_actions(
    "CustomerAdminAction",
    {"customer": "Customer", "address": "Address", "sellerassignment": "Seller assignment", "segment": "Segment"},
    module=__name__,
)
