from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "concierge.assist"
    label = "assist"
    verbose_name = "Assisted sessions"

    def ready(self) -> None:
        from concierge.assist import receivers  # noqa: F401  (connects the sign-out receiver)
