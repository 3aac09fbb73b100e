"""Every customer belongs to PUBLIC (implied, never stored); and each record's default billing
address on one line, so Users and Accounts sort by it through an index."""

from django.db import migrations


def summary(address) -> str:
    street = ", ".join(p for p in (address.line1, address.line2) if p)
    place = " ".join(p for p in (address.postal_code, address.country) if p)
    return ", ".join(p for p in (street, address.city, place) if p)[:300]


def forwards(apps, schema_editor):
    Segment = apps.get_model("customers", "Segment")
    Segment.objects.get_or_create(
        code="PUBLIC", defaults={"name": "PUBLIC", "description": "Every customer: cannot be removed."}
    )
    Address = apps.get_model("customers", "Address")
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for address in Address.objects.filter(is_default_billing=True).only(
        "customer_id", "line1", "line2", "city", "postal_code", "country"
    ).iterator(chunk_size=2000):
        batch.append(Customer(pk=address.customer_id, billing_summary=summary(address)))
        if len(batch) >= 2000:
            Customer.objects.bulk_update(batch, ["billing_summary"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["billing_summary"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_records")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
