from enum import StrEnum


class CustomerError(StrEnum):
    EMAIL_TAKEN = "customer.email_taken"
    ORGANIZATION_NOT_ASSIGNED = "customer.organization_not_assigned"
    DISABLED = "customer.disabled"
