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
    ACCOUNT_HAS_PURCHASES = "account.has_purchases"
    SHARED_ID_TAKEN = "customer.shared_id_taken"
    PUBLIC_SEGMENT = "segment.public"
