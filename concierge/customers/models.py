from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from concierge.core import clock
from concierge.core.leases import Leased
from concierge.customers.actions import CustomerAction


class Customer(Leased):
    """A customer record of one of three kinds (seed 004): a registered shopper, a single-session
    (guest) shopper, or an account — a B2B customer organization.

    The record is edited in the console under its lease and version, as orders are
    (``customers/editing.py::customer_edit``). Accounts may have a parent account (child accounts:
    departments or regions, any depth) and associates (``AccountAssociate``) who buy for them.
    """

    UNLOCKED_ACTION = CustomerAction.UNLOCKED

    class Kind(models.TextChoices):
        REGISTERED_USER = "REGISTERED_USER", "Registered user"
        SINGLE_SESSION_USER = "SINGLE_SESSION_USER", "Single session user"
        ACCOUNT = "ACCOUNT", "Account"

    class Status(models.TextChoices):
        # Accounts only: a new organization a seller created, browsed and carted for, but not
        # bought for until it is activated (seed 003 "How to activate a new Organization?").
        PENDING = "PENDING", "Pending"
        ACTIVE = "ACTIVE", "Active"
        # Accounts only: associates may browse and cart for it, but not buy (``account.suspended``).
        SUSPENDED = "SUSPENDED", "Suspended"
        DISABLED = "DISABLED", "Disabled"

    shared_id = models.CharField("customer ID", max_length=32, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.REGISTERED_USER)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="customers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    organization_name = models.CharField(max_length=160, blank=True, help_text="For accounts (organizations).")
    business_number = models.CharField(max_length=40, blank=True, help_text="For accounts: registration or tax number.")
    # Seed 003's organization details: the seller's ERP system's key for it (unique, upper case),
    # its country, the currency it buys in (blank: the store's) and its primary contact.
    erp_id = models.CharField("ERP ID", max_length=40, null=True, blank=True, unique=True)
    country = models.CharField(max_length=2, blank=True, default="", help_text="For accounts: ISO 3166-1 alpha-2 code.")
    preferred_currency = models.CharField(
        max_length=3, blank=True, default="", help_text="For accounts: ISO 4217 code it buys in; blank for the store's currency."
    )
    contact_name = models.CharField("primary contact", max_length=160, blank=True, default="")
    contact_email = models.EmailField("primary contact email", max_length=254, blank=True, default="")
    contact_phone = models.CharField("primary contact telephone", max_length=32, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For child accounts: the account this one belongs to.",
    )
    # The default billing address on one line ("12 Main St, Springfield 62701 US"), kept by the
    # address services, so Users and Accounts can be sorted by it through an index.
    billing_summary = models.CharField("default billing address", max_length=300, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_locale = models.CharField(max_length=16, blank=True)
    segments = models.ManyToManyField("customers.Segment", blank=True, related_name="customers")
    assistance_opt_out = models.BooleanField(
        default=False, help_text="The customer has asked that customer service not access their account."
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(Lower("email"), name="customers_email_ci"),
            models.Index(Lower("last_name"), Lower("first_name"), name="customers_name_ci"),
            models.Index(fields=["store", "kind"], name="customers_store_kind"),
            models.Index(fields=["erp_id"], name="customers_erp_id_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(kind="ACCOUNT"),
                name="customers_only_accounts_have_parents",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.ACCOUNT:
            return self.organization_name or self.shared_id
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email or self.shared_id

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def currency(self) -> str:
        """The currency this customer buys in: an organization's preferred one, else the store's."""
        return self.preferred_currency or self.store.currency


class Segment(models.Model):
    """A group of customers that prices and promotions can target (seed 004, "segments").

    Every customer belongs to PUBLIC (``PUBLIC_CODE``): that membership is implied, never stored,
    and cannot be removed; the others are ``Customer.segments``.
    """

    PUBLIC_CODE = "PUBLIC"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    line1 = models.CharField("address line 1", max_length=160)
    line2 = models.CharField("address line 2", max_length=160, blank=True)
    city = models.CharField(max_length=80)
    region = models.CharField("state / region", max_length=80, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    phone = models.CharField(max_length=32, blank=True)
    is_default_billing = models.BooleanField(default=False)
    is_default_shipping = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "addresses"
        indexes = [models.Index(fields=["postal_code"], name="customers_address_postal")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default_billing=True),
                name="customers_one_default_billing",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default_shipping=True),
                name="customers_one_default_shipping",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.line1}, {self.city}"


class SellerAssignment(models.Model):
    """A seller may act for the customer organizations assigned to them, and for no other."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    organization = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="seller_assignments",
        limit_choices_to={"kind": Customer.Kind.ACCOUNT},
    )
    assigned_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "organization"], name="customers_seller_org_unique")]

    def __str__(self) -> str:
        return f"{self.seller} → {self.organization}"


class Contract(models.Model):
    """A contract number of a customer organization (seed 003's Customer Organizations list shows
    them and sellers search by them). Unique among Concierge's organizations, upper case."""

    organization = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contracts", limit_choices_to={"kind": "ACCOUNT"}
    )
    number = models.CharField("contract number", max_length=40, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["number"], name="customers_contract_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.number


class CustomerSearchTerm(models.Model):
    """The Find customer index: one row per (field-tagged word, customer), normalised by
    ``customers.search`` — ``"l:smith"``, ``"e:jane@example.com"``, ``"z:90210"``. A B-tree on the
    term answers prefix queries by index range scan on SQLite and PostgreSQL alike, the way the
    product keyword index does (docs/adr/0005-keyword-search.md); the store rides along so staff
    scoping is read from the same index."""

    term = models.CharField(max_length=72)
    store_id = models.BigIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "term"], name="customers_searchterm_unique")]
        indexes = [
            models.Index(
                fields=["term", "store_id", "customer"],
                name="customers_searchterm_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.customer_id}"


class AccountAssociate(models.Model):
    """A user permitted to transact on behalf of an account (seed 004 "Managing Associates"): they
    cart and buy at the account's prices, and the purchases belong to the account. The role limits
    what they may do. Removing the association keeps the user."""

    class Role(models.TextChoices):
        BUYER = "BUYER", "Buyer"
        CATALOG_BROWSER = "CATALOG_BROWSER", "Catalog browser"
        ADMIN = "ADMIN", "Account administrator"

    account = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="associates", limit_choices_to={"kind": "ACCOUNT"}
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="associations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BUYER)
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="customers_associate_unique")]
        indexes = [models.Index(fields=["user", "account"], name="customers_associate_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) for {self.account}"


class DataPoint(models.Model):
    """One kind of personal data Concierge collects (seed 004 "Viewing Data Points in a Data
    Policy"): its name and where the value lives (``key``, from ``customers/privacy.py``'s catalogue,
    e.g. ``customer.email``, ``address.line1``)."""

    key = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataPolicy(models.Model):
    """A data policy (defined in the admin): what it covers, for how long, and whether it is in force.
    Customers give or withdraw consent to active policies (``CustomerConsent``)."""

    class State(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        ACTIVE = "ACTIVE", "Active"
        DISABLED = "DISABLED", "Disabled"

    name = models.CharField(max_length=120)
    reference_key = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    retention_days = models.PositiveIntegerField(help_text="How long the data is kept after consent ends.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    data_points = models.ManyToManyField(DataPoint, related_name="policies")
    stores = models.ManyToManyField("stores.Store", blank=True, related_name="data_policies",
                                    help_text="The stores it applies in (none: every store).")  # fmt: skip
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "data policies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerConsent(models.Model):
    """A customer's consent to a data policy, given or withdrawn, and when it last changed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    policy = models.ForeignKey(DataPolicy, on_delete=models.CASCADE, related_name="consents")
    given = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "policy"], name="customers_consent_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {'consents to' if self.given else 'withdrew from'} {self.policy}"
