from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "concierge.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from concierge.core.worker import beat_done
        from concierge.customers.retention import enqueue_on_beat

        # Every worker beat may enqueue the data policies' retention pass (at most hourly).
        beat_done.connect(enqueue_on_beat, dispatch_uid="customers.retention_on_beat")
