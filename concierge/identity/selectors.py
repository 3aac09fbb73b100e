from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from concierge.identity.models import ApiToken

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def active_tokens(ctx: ActingContext) -> QuerySet[ApiToken]:
    """The signed-in user's API tokens that still work, newest first."""
    if ctx.user is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=ctx.user, revoked_at=None).order_by("-created_at")
