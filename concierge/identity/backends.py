from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from concierge.core.prepared import PreparedQuery
from concierge.identity.access import access_of
from concierge.identity.models import User
from concierge.identity.policies import may_sign_in

# The session's user with their customer and its store, compiled once per process (core/prepared.py).
_USER_WITH_CUSTOMER = PreparedQuery(
    lambda pk: User.objects.select_related("customer__store").filter(pk=pk).order_by("pk")[:1],
    pk=-7_000_000_001,
)


class EmailBackend(ModelBackend):
    """Signs in by email address, compared case-insensitively."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = (kwargs.get("email") or username or "").strip().lower()
        if not email or password is None:
            return None
        user = User.objects.filter(email=email).first()
        if user is None:
            # Spend the time a real check would, so timing does not reveal which emails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, with the customer record they shop as and its store in the same
        query: the acting context needs all three on every request."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _USER_WITH_CUSTOMER.first(pk=pk)
        if user is not None:
            user.customer_loaded = True  # customer_for_user takes it from here, even when there is none
        return user if user is not None and self.user_can_authenticate(user) else None

    # The stubs say set[str]; a frozenset (shared by every request of the process) must not be mutated.
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> frozenset[str]:  # type: ignore[override]
        """Kept per process under the user's access stamp (identity/access.py), so a request asks
        the database nothing to check a privilege."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return frozenset()
        return access_of(user_obj).permissions

    def user_can_authenticate(self, user: Any) -> bool:
        """Refuses a disabled user or customer, at sign-in and on every later request of a session
        signed in before (``get_user`` asks this too): bar 28."""
        return may_sign_in(user)
