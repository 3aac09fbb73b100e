from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "concierge.checkout"
    label = "checkout"
