from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "concierge.carts"
    label = "carts"
    verbose_name = "Carts"

    def ready(self) -> None:
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import carts, so carts registers with it).
        from concierge.carts import account_holder

        account_holder.register_holder()
