from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from concierge.identity.models import User
from concierge.identity.policies import may_sign_in


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

    def user_can_authenticate(self, user: Any) -> bool:
        """Refuses a disabled user or customer, at sign-in and on every later request of a session
        signed in before (``get_user`` asks this too): bar 28."""
        return may_sign_in(user)
