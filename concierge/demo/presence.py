"""Demo in-store presence: devices in each demo store's zones, loyalty and app tokens for some demo
customers, and the in-store presence data policy they consent to (without consent their sightings
are not kept). ``manage.py simulate_devices`` then plays their visits. Idempotent."""

from __future__ import annotations

from concierge.core.context import ActingContext
from concierge.customers.models import Customer, CustomerConsent, DataPolicy
from concierge.customers.privacy import consent_set
from concierge.presence.ingest import consent_policy_key
from concierge.presence.models import CustomerToken, Device
from concierge.presence.services import assign_credentials
from concierge.stores.models import Store

# zone, device name, kind: the way in first and the way out last (the simulator walks them so).
ZONES = [
    ("Entrance", "Entrance Wi-Fi sensor", Device.Kind.WIFI),
    ("Footwear", "Footwear beacon", Device.Kind.BEACON),
    ("Outerwear", "Outerwear beacon", Device.Kind.BEACON),
    ("Accessories", "Accessories beacon", Device.Kind.BEACON),
    ("Checkout", "Checkout POS reader", Device.Kind.POS),
]
CUSTOMERS_PER_STORE = 24


def seed_presence() -> int:
    """Devices, the presence policy, tokens and consents; returns how many tokens exist."""
    policy, _ = DataPolicy.objects.get_or_create(
        reference_key=consent_policy_key(),
        defaults={"name": "In-store presence", "retention_days": 30, "state": DataPolicy.State.ACTIVE,
                  "description": "In-store devices notice you (your loyalty card or the app) so staff can "
                                 "welcome you in the right department. Kept for 30 days."},
    )  # fmt: skip
    for store in Store.objects.order_by("pk"):
        for zone, name, kind in ZONES:
            if not Device.objects.filter(store=store, name=name).exists():
                device = Device(store=store, zone=zone, name=name, kind=kind)
                assign_credentials(device)
                device.save()
        customers = (Customer.objects.select_related("user", "store")
                     .filter(store=store, kind=Customer.Kind.REGISTERED_USER, user__isnull=False)
                     .order_by("shared_id")[:CUSTOMERS_PER_STORE])  # fmt: skip
        for n, customer in enumerate(customers):
            CustomerToken.objects.get_or_create(
                token=f"LOY-{store.code.upper()}-{customer.shared_id}",
                defaults={"customer": customer, "kind": CustomerToken.Kind.LOYALTY},
            )
            if n % 3 == 0:
                CustomerToken.objects.get_or_create(
                    token=f"APP-{customer.shared_id.lower()}-{store.code}",
                    defaults={"customer": customer, "kind": CustomerToken.Kind.APP},
                )
            answered = CustomerConsent.objects.filter(customer=customer, policy=policy).exists()
            if policy.state == DataPolicy.State.ACTIVE and customer.user is not None and not answered:
                ctx = ActingContext(user=customer.user, customer=customer, store=customer.store)
                consent_set(ctx, policy_id=policy.pk, given=True)
    return CustomerToken.objects.count()
