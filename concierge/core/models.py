from django.db import models


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life; the reaper hands back tasks whose worker fell silent."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} (last seen {self.last_seen_at:%Y-%m-%d %H:%M:%S})"
