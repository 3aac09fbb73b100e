from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "concierge.payments"
    label = "payments"

    def ready(self) -> None:
        # customers may not import payments, so payments registers with it: its purchases and rows for
        # Delete Account, and its copies of a customer's data for Remove customer data.
        from concierge.payments import account_holder, erasure

        account_holder.register_holder()
        erasure.register()
