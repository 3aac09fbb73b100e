from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "concierge.payments"
    label = "payments"

    def ready(self) -> None:
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import payments, so payments registers with it).
        from concierge.payments import account_holder

        account_holder.register_holder()
