from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "concierge.service"
    label = "service"
    verbose_name = "Customer Service console"
