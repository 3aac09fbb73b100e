from django.db import models


class Store(models.Model):
    """A storefront with its own currency, locale and customers; staff serve one or more stores."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    locale = models.CharField(max_length=16, default="en_US", help_text="Babel locale, e.g. en_US.")
    time_zone = models.CharField(max_length=64, default="UTC")
    is_default = models.BooleanField(
        default=False, help_text="The store an anonymous visitor shops in. Exactly one store is the default."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="stores_one_default_store"
            )
        ]

    def __str__(self) -> str:
        return self.name
