from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "concierge.assist"
    label = "assist"
    verbose_name = "Assisted sessions"

    def ready(self) -> None:
        # Connect the sign-out receiver, and the guest checkout's end on sign-in.
        # Report this domain's purchases and delete its rows for Delete Account (customers may not
        # import assist, so assist registers with it).
        from concierge.assist import account_holder, guest_checkout, receivers  # noqa: F401

        account_holder.register_holder()
