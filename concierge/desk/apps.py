from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "concierge.desk"
    label = "desk"
    verbose_name = "Supervisor's desk"

    def ready(self) -> None:
        # Every worker beat may enqueue the refresh of the daily figures (at most every 15 minutes).
        from concierge.core.worker import beat_done
        from concierge.desk.tasks import enqueue_on_beat

        beat_done.connect(enqueue_on_beat, dispatch_uid="desk.rollup_on_beat")
