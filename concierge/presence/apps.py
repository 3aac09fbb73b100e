from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "concierge.presence"
    label = "presence"
    verbose_name = "In-store presence and customer lists"

    def ready(self) -> None:
        # Erase a customer's tokens and sightings with Remove customer data.
        from concierge.presence import erasure

        erasure.register()
        # Every worker beat may enqueue the sightings' retention purge (at most hourly).
        from concierge.core.worker import beat_done
        from concierge.presence.tasks import enqueue_on_beat

        beat_done.connect(enqueue_on_beat, dispatch_uid="presence.purge_on_beat")
