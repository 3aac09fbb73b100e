from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "concierge.assist"
    label = "assist"
    verbose_name = "Assisted sessions"

    def ready(self) -> None:
        # Connect the sign-out receiver and the guest checkout's end on sign-in; register with
        # customers (which may not import assist) for Delete Account and Remove customer data.
        from concierge.assist import account_holder, erasure, guest_checkout, receivers  # noqa: F401 - imported for their receivers and registrations

        account_holder.register_holder()
        erasure.register()
