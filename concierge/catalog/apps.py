from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "concierge.catalog"
    label = "catalog"
    verbose_name = "Catalog, prices and promotions"

    def ready(self) -> None:
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import catalog, so catalog registers with it).
        from concierge.catalog import account_holder

        account_holder.register_holder()
