from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "concierge.payments"
    label = "payments"
