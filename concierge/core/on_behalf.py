"""What staff may never do for a customer while acting on their behalf (RELIABILITY.md bar 6).

Lives in core so that every domain's services can refuse by themselves; the assist domain's
``not_on_behalf`` view tag and its route test build on it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from concierge.core.errors import CommonError, DomainError

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


class OnBehalfDenied(StrEnum):
    """What an agent may never do for a customer, whatever their role."""

    CHANGE_PASSWORD = "change the customer's password"  # noqa: S105  (a description, not a secret)
    SIGN_IN_EMAIL = "change the customer's sign-in email"
    SIGN_IN_PHONE = "change the phone number used for sign-in"
    MFA = "change two-step verification"
    API_TOKENS = "manage API tokens"
    DELETE_ACCOUNT = "delete the account"
    EXPORT_DATA = "export all of the customer's data"
    FULL_CARD = "see a full card number"
    ASSISTANCE_CONSENT = "change whether customer service may access the account"
    START_SESSION = "start another assisted session"


def refuse_on_behalf(ctx: ActingContext, what: OnBehalfDenied) -> None:
    """Raise ``not_allowed_on_behalf`` (403) when ``ctx`` is an assisted session."""
    if ctx.is_assisting:
        raise DomainError(
            CommonError.NOT_ALLOWED_ON_BEHALF,
            f"Customer service cannot {what.value} for a customer. Only the customer can, signed in as themself.",
            status=403,
        )
