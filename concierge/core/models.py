from django.conf import settings
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


class LiveViewer(models.Model):
    """A staff member with a page open on a record (``topic``: ``order:R-1001``, ``customer:42``),
    viewing or editing it, as their page last said (``core/viewers.py``). One row per open page."""

    class Mode(models.TextChoices):
        VIEWING = "VIEWING", "viewing"
        EDITING = "EDITING", "editing"

    topic = models.CharField(max_length=80)
    page = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=160)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.VIEWING)
    since = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "page"], name="core_liveviewer_one_per_page")]
        indexes = [models.Index(fields=["topic", "last_seen_at"], name="core_liveviewer_recent")]

    def __str__(self) -> str:
        return f"{self.name} {self.get_mode_display()} {self.topic}"
