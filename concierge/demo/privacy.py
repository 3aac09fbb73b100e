"""Demo data policies (seed 004 "Customer Data Policies"): three policies with their data points,
and consents given by Jane and a few other demo shoppers. Idempotent."""

from __future__ import annotations

from concierge.core.context import ActingContext
from concierge.customers.models import Customer, CustomerConsent, DataPoint, DataPolicy
from concierge.customers.privacy import CATALOGUE, consent_set

# reference key, name, description, retention days, state, data point keys
POLICIES = [
    ("marketing-emails", "Marketing emails", "News, offers and events by email, at most once a week.", 365,
     DataPolicy.State.ACTIVE, ["customer.first_name", "customer.email", "customer.preferred_locale"]),
    ("order-history-analytics", "Order history analytics",
     "Your orders and where they ship, to plan stock and delivery in your area.", 730, DataPolicy.State.ACTIVE,
     ["order.history", "address.city", "address.postal_code", "address.country"]),
    ("personalised-recommendations", "Personalised recommendations",
     "Products suggested from what you bought and where you live.", 180, DataPolicy.State.DRAFT,
     ["order.history", "address.region"]),
]  # fmt: skip

# shared id: the policies they consent to (Jane; two other demo shoppers consent to marketing emails)
CONSENTS = {"C000000000": ["marketing-emails", "order-history-analytics"]}


def seed_data_policies() -> int:
    """The policies, their data points and some consents; returns how many consents were given."""
    for key in {k for *_, keys in POLICIES for k in keys}:
        DataPoint.objects.get_or_create(key=key, defaults={"name": CATALOGUE[key].name})
    for reference_key, name, description, retention, state, keys in POLICIES:
        policy, created = DataPolicy.objects.get_or_create(
            reference_key=reference_key,
            defaults={"name": name, "description": description, "retention_days": retention, "state": state},
        )
        if created:
            policy.data_points.set(DataPoint.objects.filter(key__in=keys))
    wanted = dict(CONSENTS)
    others = Customer.objects.filter(kind=Customer.Kind.REGISTERED_USER, user__isnull=False).exclude(
        shared_id="C000000000"
    )
    for customer in others.order_by("shared_id")[:2]:
        wanted[customer.shared_id] = ["marketing-emails"]
    given = 0
    for shared_id, keys in wanted.items():
        found = Customer.objects.select_related("user", "store").filter(shared_id=shared_id).first()
        if found is None or found.user is None:
            continue
        ctx = ActingContext(user=found.user, customer=found, store=found.store)
        for policy in DataPolicy.objects.filter(reference_key__in=keys, state=DataPolicy.State.ACTIVE):
            if not CustomerConsent.objects.filter(customer=found, policy=policy).exists():
                consent_set(ctx, policy_id=policy.pk, given=True)
                given += 1
    return given
