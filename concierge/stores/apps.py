from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "concierge.stores"
    label = "stores"
    verbose_name = "Stores"
