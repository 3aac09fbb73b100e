from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "concierge.catalog"
    label = "catalog"
    verbose_name = "Catalog, prices and promotions"
