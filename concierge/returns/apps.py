from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "concierge.returns"
    label = "returns"

    def ready(self) -> None:
        # Erase this domain's copies of a customer's data with Remove customer data.
        from concierge.returns import erasure

        erasure.register()
