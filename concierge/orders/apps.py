from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "concierge.orders"
    label = "orders"

    def ready(self) -> None:
        from concierge.orders import receivers  # noqa: F401  (releases order locks on sign-out)
