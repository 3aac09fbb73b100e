from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "concierge.storefront"
    label = "storefront"
    verbose_name = "Storefront"
