from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "concierge.orders"
    label = "orders"

    def ready(self) -> None:
        # customers may not import orders, so orders registers with it: its purchases and rows for
        # Delete Account, and its copies of a customer's data for Remove customer data.
        from concierge.orders import account_holder, erasure

        account_holder.register_holder()
        erasure.register()
