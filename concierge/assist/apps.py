from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "concierge.assist"
    label = "assist"
    verbose_name = "Assisted sessions"

    def ready(self) -> None:
        # Connect the sign-out receiver, and the guest checkout's end on sign-in.
        from concierge.assist import erasure, guest_checkout, receivers  # noqa: F401

        # Erase the assisted sessions' mentions of a customer with Remove customer data.
        erasure.register()
