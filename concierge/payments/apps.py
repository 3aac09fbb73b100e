from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "concierge.payments"
    label = "payments"

    def ready(self) -> None:
        # Erase this domain's copies of a customer's data with Remove customer data.
        from concierge.payments import erasure

        erasure.register()
