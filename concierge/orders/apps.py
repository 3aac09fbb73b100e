from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "concierge.orders"
    label = "orders"

    def ready(self) -> None:
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import orders, so orders registers with it).
        from concierge.orders import account_holder

        account_holder.register_holder()
