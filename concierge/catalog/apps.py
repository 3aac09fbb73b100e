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

        # The currencies an organization may prefer are those its store's price lists sell in.
        from concierge.catalog.pricing import currencies_offered
        from concierge.customers.organizations import register_currency_source

        register_currency_source(currencies_offered)

        from django.db.models.signals import m2m_changed

        from concierge.catalog.pricing import forget_segments
        from concierge.customers.models import Customer

        m2m_changed.connect(forget_segments, sender=Customer.segments.through, dispatch_uid="catalog.forget_segments")
