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


class SentMail(models.Model):
    """A copy of an email Concierge sent, kept by the development backend (``core/mail.py``
    ``OutboxBackend``) so a demo can read it in the admin ("Sent mail"). Production sends by SMTP
    and keeps nothing here. Erasing a customer's data deletes the mail sent to them."""

    sent_at = models.DateTimeField(db_index=True)
    to = models.CharField(max_length=1000, db_index=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)

    class Meta:
        verbose_name = "sent mail"
        verbose_name_plural = "sent mail"
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
