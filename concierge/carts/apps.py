from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "concierge.carts"
    label = "carts"
    verbose_name = "Carts"
