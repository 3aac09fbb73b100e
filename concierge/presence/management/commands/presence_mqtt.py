"""``manage.py presence_mqtt``: ingest device sightings from the MQTT broker (PRESENCE_MQTT_URL)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concierge.presence.mqtt import Subscriber, broker_from_url, topic_prefix


class Command(BaseCommand):
    help = "Subscribe to <prefix>/+ on the MQTT broker (QoS 1) and ingest the signed sightings of devices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="mqtt://host:port (default: PRESENCE_MQTT_URL)")
        parser.add_argument("--prefix", default="", help="Topic prefix (default: PRESENCE_MQTT_TOPIC_PREFIX)")
        parser.add_argument("--workers", type=int, default=2, help="Threads ingesting messages side by side.")
        parser.add_argument("--client-id", default="concierge-presence",
                            help="The broker keeps this client's QoS 1 messages while it is away.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.PRESENCE_MQTT_URL
        if not url:
            raise CommandError("Set PRESENCE_MQTT_URL (e.g. mqtt://127.0.0.1:1883) or pass --url.")
        try:
            broker = broker_from_url(url)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        prefix = (options["prefix"] or topic_prefix()).rstrip("/")
        subscriber = Subscriber(broker, prefix=prefix, client_id=options["client_id"], workers=options["workers"])
        self.stdout.write(f"Ingesting sightings from {broker.host}:{broker.port} on {prefix}/+")
        try:
            subscriber.run_forever()
        except KeyboardInterrupt:
            subscriber.stop()
