from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower

from concierge.core import clock


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in: shoppers, CSRs, supervisors, sellers, warehouse staff, administrators.

    The sign-in name is the email address (stored lower-case). What a user may do comes from their
    roles (groups, see ``roles.py``); which stores a staff member serves from ``stores``.
    """

    email = models.EmailField("email address", max_length=254, unique=True)
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("Django admin access", default=False)
    date_joined = models.DateTimeField(default=clock.now)
    # Bumped by "Sign out everywhere": it is part of the session hash, so every session signed in
    # before the bump is no longer valid.
    session_epoch = models.PositiveIntegerField(default=0)
    # Replaced whenever the user's roles, direct privileges or stores change: their access is kept
    # per process under it (identity/access.py), and this row is read on every request anyway.
    access_stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    stores = models.ManyToManyField(
        "stores.Store", blank=True, related_name="staff", help_text="The stores this staff member serves."
    )

    objects = UserManager()
    # Set on the session's user, whose customer record was read with it (EmailBackend.get_user).
    customer_loaded: bool = False

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="identity_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def get_session_auth_hash(self) -> str:
        # The epoch joins the password hash: changing either signs out every existing session.
        from django.utils.crypto import salted_hmac

        key_salt = "concierge.identity.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_epoch}", algorithm="sha256").hexdigest()


class Privilege(models.Model):
    """The named privileges that roles grant, in one namespace (``identity.<codename>``).

    Not a table: the model exists so that Django creates one permission per entry, and so every
    privilege a later domain checks is declared here, beside the role matrix in ``roles.py``.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("use_service_console", "Can use the Customer Service console"),
            ("update_customer", "Can update customer records"),
            ("access_customer_account", "Can access a customer's account"),
            ("create_order_for_customer", "Can create orders for customers"),
            ("unlock_order", "Can unlock orders locked by other users"),
            ("create_refund", "Can Create Refund (outside a return)"),
            ("approve_refund", "Can approve refunds above the approval threshold"),
            ("act_for_organization", "Can act for assigned customer organizations"),
            ("receive_returns", "Can receive returns in the warehouse"),
            ("create_return", "Can create returns and exchanges"),
            ("administer", "Can administer stores, staff and rules"),
            ("resolve_hold", "Can resolve order holds"),
            ("resolve_review_hold", "Can resolve holds that need a supervisor's review"),
            ("remove_customer_data", "Can remove a customer's personal data"),
            ("manage_organizations", "Can create, activate, suspend and edit assigned customer organizations"),
            ("view_desk", "Can open the supervisor's desk: its queues and the figures of every CSR of their stores"),
        ]

    def __str__(self) -> str:
        return "privilege"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the key is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)  # as long as the API's TokenCreateIn admits
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "cg_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class SignInThrottle(models.Model):
    """Failed sign-ins counted per key (an email or a client address) within a window."""

    key = models.CharField(max_length=300, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
