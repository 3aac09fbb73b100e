"""``manage.py purge_sightings``: delete sightings past their store's retention now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from concierge.presence.tasks import purge_sightings


class Command(BaseCommand):
    help = "Delete in-store sightings past each store's retention, and whereabouts of visits long over."

    def handle(self, *args: Any, **options: Any) -> None:
        sightings = in_store = 0
        while True:
            purge = purge_sightings()
            sightings += purge.sightings
            in_store += purge.in_store
            if not purge.more:
                break
        self.stdout.write(f"Deleted {sightings} sightings and {in_store} in-store rows.")
