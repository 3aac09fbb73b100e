"""The MQTT feed of device sightings: a subscriber (``manage.py presence_mqtt``) and a publisher.

A device publishes to ``<prefix>/<key_id>`` (``PRESENCE_MQTT_TOPIC_PREFIX``, ``concierge/presence``
by default) with QoS 1 the payload::

    {"signature": "t=<unix seconds>,v1=<hex>", "body": "<the signed JSON body, as a string>"}

The body and signature are those of the HTTP feed (``presence.credentials``); the body's device
must be the topic's. The subscriber keeps a persistent session (a fixed client id, clean session
off), so the broker holds QoS 1 messages while it is away; ``workers`` threads ingest messages side
by side (the order of batches does not matter: an older sighting never moves a customer back), and a
message is acknowledged after it is ingested (or refused), so event ids make a redelivery harmless.
Refusals are logged, never fatal.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import close_old_connections

from concierge.core.errors import DomainError
from concierge.presence import credentials
from concierge.presence.device_errors import DeviceError
from concierge.presence.ingest import IngestResult, ingest, verify_batch

logger = logging.getLogger("concierge.presence.mqtt")


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def broker_from_url(url: str) -> Broker:
    """``mqtt://[user:password@]host[:port]`` (or ``mqtts://`` for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts", "tcp"} or not parts.hostname:
        raise ValueError(f"PRESENCE_MQTT_URL must read mqtt://host:port, not {url!r}")
    tls = parts.scheme == "mqtts"
    return Broker(parts.hostname, parts.port or (8883 if tls else 1883), parts.username, parts.password, tls)


def topic_prefix() -> str:
    return str(getattr(settings, "PRESENCE_MQTT_TOPIC_PREFIX", "concierge/presence")).rstrip("/")


def envelope(body: bytes, secret: str, timestamp: int) -> bytes:
    """The MQTT payload for a signed ``body``."""
    return json.dumps({"signature": credentials.signature_header(secret, body, timestamp),
                       "body": body.decode()}).encode()  # fmt: skip


def handle_message(topic: str, payload: bytes, *, prefix: str | None = None) -> IngestResult:
    """Verify and ingest one MQTT message; refuses with the HTTP feed's ``DomainError``s."""
    try:
        outer: Any = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DomainError(DeviceError.BATCH_INVALID, "The payload is not JSON.") from None
    if not isinstance(outer, dict) or not isinstance(outer.get("body"), str):
        raise DomainError(DeviceError.BATCH_INVALID, 'The payload must be {"signature": …, "body": "…"}.')
    signature = outer.get("signature") if isinstance(outer.get("signature"), str) else None
    device, batch = verify_batch(outer["body"].encode(), signature)
    expected = f"{(prefix or topic_prefix())}/{device.key_id}"
    if topic != expected:
        raise credentials.refused(DeviceError.SIGNATURE_INVALID, f"A device publishes to its own topic, {expected}.")
    return ingest(device, batch.events)


@dataclass
class Subscriber:
    """Subscribes to ``<prefix>/+`` with QoS 1 and ingests what arrives; reconnects by itself."""

    broker: Broker
    prefix: str = field(default_factory=topic_prefix)
    client_id: str = "concierge-presence"
    workers: int = 2
    totals: IngestResult = field(default_factory=IngestResult)
    refused: int = 0
    connected: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        import paho.mqtt.client as mqtt

        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(1, self.workers), thread_name_prefix="presence-ingest")
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=False,
                                  manual_ack=True)  # fmt: skip
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if getattr(reason, "is_failure", False):
            logger.error("MQTT broker %s:%s refused the connection: %s", self.broker.host, self.broker.port, reason)
            return
        client.subscribe(f"{self.prefix}/+", qos=1)
        logger.info("Subscribed to %s/+ on %s:%s", self.prefix, self.broker.host, self.broker.port)
        self.connected.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.connected.clear()
        logger.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self._pool.submit(self._ingest, message)

    def _ingest(self, message: Any) -> None:
        close_old_connections()
        try:
            result = handle_message(message.topic, message.payload, prefix=self.prefix)
        except DomainError as exc:
            with self._lock:
                self.refused += 1
            logger.warning("Refused MQTT message on %s: %s (%s)", message.topic, exc.message, exc.code)
        except Exception:
            # A database outage or a bug: logged, and the subscriber carries on with the next message.
            with self._lock:
                self.refused += 1
            logger.exception("Could not ingest MQTT message on %s", message.topic)
        else:
            with self._lock:
                self.totals.add(result)
        finally:
            close_old_connections()
        self.client.ack(message.mid, message.qos)

    def connect(self) -> None:
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)

    def run_forever(self) -> None:
        self.connect()
        self.client.loop_forever(retry_first_connection=True)

    def start(self) -> None:
        """Run in a background thread (tests, benches)."""
        self.connect()
        self.client.loop_start()

    def stop(self) -> None:
        self._pool.shutdown(wait=True)
        self.client.disconnect()
        self.client.loop_stop()


def publisher(broker: Broker, *, client_id: str = "") -> Any:
    """A connected paho client for publishing (the simulator, tests, benches)."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set()
    client.max_inflight_messages_set(100)
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    return client
