from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "concierge.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from concierge.audit.chainer import link_on_beat
        from concierge.core.worker import beat_done

        # Every worker beat links what a process that died after its commit left pending.
        beat_done.connect(link_on_beat, dispatch_uid="audit.link_on_beat")
