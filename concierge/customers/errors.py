from enum import StrEnum


class CustomerError(StrEnum):
    EMAIL_TAKEN = "customer.email_taken"
    ORGANIZATION_NOT_ASSIGNED = "customer.organization_not_assigned"
    DISABLED = "customer.disabled"
    # Users and Accounts search (customers/directory.py): a term, column, order or page it cannot use.
    SEARCH_INVALID = "customer.search_invalid"
    # The record editor's lock and version (customers/editing.py), as orders have theirs.
    LOCKED = "customer.locked"
    LOCK_LOST = "customer.lock_lost"
    STALE = "customer.stale"
    VERSION_REQUIRED = "customer.version_required"
    INVALID = "customer.invalid"
    # Seed 004: "blocked from purchasing with a structured error message with id account.suspended".
    ACCOUNT_SUSPENDED = "account.suspended"
    # Seed 003: a new organization is bought for once it is activated.
    ACCOUNT_PENDING = "account.pending"
    ERP_ID_TAKEN = "organization.erp_id_taken"
    CONTRACT_TAKEN = "organization.contract_taken"
    ILLEGAL_TRANSITION = "organization.illegal_transition"
    CURRENCY_UNAVAILABLE = "organization.currency_unavailable"
    ACCOUNT_HAS_PURCHASES = "account.has_purchases"
    ACCOUNT_CYCLE = "account.cycle"  # a parent below its own child
    ACCOUNT_IN_USE = "account.in_use"  # kept records (assisted sessions, takeovers) refer to it
    SHARED_ID_TAKEN = "customer.shared_id_taken"
    PUBLIC_SEGMENT = "segment.public"
    # Guest shoppers (customers/guests.py): their emailed links, and attaching their orders.
    GUEST_LINK_INVALID = "guest.link_invalid"
    GUEST_LINK_EXPIRED = "guest.link_expired"
    GUEST_LINK_USED = "guest.link_used"
    GUEST_LINK_OTHER_USER = "guest.link_other_user"
    GUEST_NO_ORDERS = "guest.no_orders"
    # Associates buying for an account (customers/associates.py).
    ACCOUNT_UNAVAILABLE = "account.unavailable"
    ASSOCIATE_ROLE_FORBIDS = "associate.role_forbids"
    ASSOCIATE_EXISTS = "associate.exists"
    ASSOCIATE_SELF = "associate.self"
    # Data policies and erasure (customers/privacy.py).
    POLICY_NOT_FOUND = "policy.not_found"
    ERASURE_CONFIRMATION = "customer.erasure_unconfirmed"
    ERASURE_NOT_FOR_ACCOUNTS = "customer.erasure_not_for_accounts"
    # Reset Customer Password (customers/password_reset.py).
    NO_SIGN_IN = "customer.no_sign_in"
    RESET_LINK_INVALID = "customer.reset_link_invalid"
