from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "concierge.returns"
    label = "returns"
