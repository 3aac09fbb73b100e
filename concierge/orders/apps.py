from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "concierge.orders"
    label = "orders"

    def ready(self) -> None:
        # Erase this domain's copies of a customer's data with Remove customer data.
        from concierge.orders import erasure

        erasure.register()
