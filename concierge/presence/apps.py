from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "concierge.presence"
    label = "presence"
    verbose_name = "In-store presence and customer lists"
