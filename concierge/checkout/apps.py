from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "concierge.checkout"
    label = "checkout"

    def ready(self) -> None:
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import checkout, so checkout registers with it).
        from concierge.checkout import account_holder

        account_holder.register_holder()
