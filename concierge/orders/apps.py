from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "concierge.orders"
    label = "orders"
