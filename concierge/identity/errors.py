from enum import StrEnum


class IdentityError(StrEnum):
    EMAIL_TAKEN = "identity.email_taken"
    TOKEN_NOT_FOUND = "identity.token_not_found"
    PASSWORD_WRONG = "identity.password_wrong"
    ACCOUNT_DISABLED = "identity.account_disabled"
