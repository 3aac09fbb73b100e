"""What the audit log records about customers, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


class CustomerAction(AuditAction):
    REGISTERED = "customer.registered", "Customer registered"
    UPDATED = "customer.updated", "Customer details changed"
    ASSISTANCE_CHANGED = "customer.assistance_changed", "Permission to be assisted changed"
    ADDRESS_ADDED = "address.added", "Address added"
    ADDRESS_UPDATED = "address.updated", "Address changed"
    ADDRESS_REMOVED = "address.removed", "Address removed"
    ADDRESS_DEFAULT_SHIPPING = "address.default_shipping", "Default shipping address chosen"
    ADDRESS_DEFAULT_BILLING = "address.default_billing", "Default billing address chosen"
    SELLER_ORGANIZATION_SELECTED = "seller.organization_selected", "Seller chose an organization to act for"
    SELLER_ORGANIZATION_CLEARED = "seller.organization_cleared", "Seller stopped acting for an organization"
    # Changes made in the admin.
    ADMIN_CUSTOMER_ADDED = "admin.customer.added", "Customer added in the admin"
    ADMIN_CUSTOMER_CHANGED = "admin.customer.changed", "Customer changed in the admin"
    ADMIN_CUSTOMER_DELETED = "admin.customer.deleted", "Customer deleted in the admin"
    ADMIN_ADDRESS_ADDED = "admin.address.added", "Address added in the admin"
    ADMIN_ADDRESS_CHANGED = "admin.address.changed", "Address changed in the admin"
    ADMIN_ADDRESS_DELETED = "admin.address.deleted", "Address deleted in the admin"
    ADMIN_SELLER_ASSIGNMENT_ADDED = "admin.sellerassignment.added", "Seller assignment added in the admin"
    ADMIN_SELLER_ASSIGNMENT_CHANGED = "admin.sellerassignment.changed", "Seller assignment changed in the admin"
    ADMIN_SELLER_ASSIGNMENT_DELETED = "admin.sellerassignment.deleted", "Seller assignment deleted in the admin"
    ADMIN_SEGMENT_ADDED = "admin.segment.added", "Segment added in the admin"
    ADMIN_SEGMENT_CHANGED = "admin.segment.changed", "Segment changed in the admin"
    ADMIN_SEGMENT_DELETED = "admin.segment.deleted", "Segment deleted in the admin"
