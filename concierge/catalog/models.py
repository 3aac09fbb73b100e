from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from concierge.core import clock


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    # The hue of the product's generated picture (no image files; see catalog.images).
    image_hue = models.PositiveSmallIntegerField(default=210)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Search pages and category lists walk active products in name order.
            models.Index(fields=["name", "id"], condition=models.Q(is_active=True), name="catalog_product_active_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    """One buyable variant of a product: shippable goods or a digital asset (seed 004)."""

    class Kind(models.TextChoices):
        SHIPPABLE = "SHIPPABLE", "Shippable"
        DIGITAL = "DIGITAL", "Digital asset"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField("SKU code", max_length=40, unique=True)
    name = models.CharField(max_length=120, help_text="The option label, e.g. 'Blue / M'.")
    options = models.JSONField(default=dict, blank=True, help_text='{"Color": "Blue", "Size": "M"}')
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SHIPPABLE)
    track_stock = models.BooleanField(default=True)
    stock_on_hand = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product_id", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.product.name} {self.name}".strip()

    @property
    def is_digital(self) -> bool:
        return self.kind == self.Kind.DIGITAL


class SearchTerm(models.Model):
    """The keyword index: one row per (word, product), words normalised by ``catalog.search``.

    A plain table with a B-tree on ``word`` answers prefix queries by index range scan on SQLite and
    PostgreSQL alike (docs/adr/0005-keyword-search.md).
    """

    word = models.CharField(max_length=40)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["word", "product"], name="catalog_searchterm_unique")]
        indexes = [
            # PostgreSQL answers LIKE 'abc%' from a B-tree only with the pattern operator class;
            # other databases ignore the operator class (SQLite's query uses a range instead).
            models.Index(
                fields=["word", "product"],
                name="catalog_searchterm_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.word


class PriceList(models.Model):
    """Prices of one store in one currency; optionally only for a segment or for one B2B account."""

    name = models.CharField(max_length=120)
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="price_lists")
    currency = models.CharField(max_length=3)
    segment = models.ForeignKey("customers.Segment", null=True, blank=True, on_delete=models.CASCADE)
    account = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        limit_choices_to={"kind": "ACCOUNT"},
        help_text="Account-specific pricing for a B2B organization.",
    )
    priority = models.IntegerField(default=0, help_text="Among segment lists, the higher priority wins.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(segment__isnull=False) & models.Q(account__isnull=False)),
                name="catalog_pricelist_segment_or_account",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["price_list", "sku"], name="catalog_price_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="catalog_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.amount}"


class Promotion(models.Model):
    """Percentage or amount off a product, a category or the cart; optionally for one segment."""

    class Kind(models.TextChoices):
        PERCENT_OFF = "PERCENT_OFF", "Percentage off"
        AMOUNT_OFF = "AMOUNT_OFF", "Amount off"

    class Target(models.TextChoices):
        PRODUCT = "PRODUCT", "A product"
        CATEGORY = "CATEGORY", "A category"
        CART = "CART", "The whole cart"

    name = models.CharField(max_length=120, help_text="Shown to the customer, e.g. 'Members save 10%'.")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="promotions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    target = models.CharField(max_length=10, choices=Target.choices)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    segment = models.ForeignKey(
        "customers.Segment", null=True, blank=True, on_delete=models.CASCADE, help_text="Only for this segment."
    )
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target="PRODUCT", product__isnull=False, category__isnull=True)
                    | models.Q(target="CATEGORY", category__isnull=False, product__isnull=True)
                    | models.Q(target="CART", product__isnull=True, category__isnull=True)
                ),
                name="catalog_promotion_target_matches",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="PERCENT_OFF", value__gt=100), name="catalog_promotion_percent_max_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name
