from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "concierge.desk"
    label = "desk"
    verbose_name = "Supervisor's desk"
