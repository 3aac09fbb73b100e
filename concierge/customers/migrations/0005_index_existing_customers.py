"""Index the customers that existed before Find customer had its terms table."""

from django.db import migrations

BATCH = 5000


def index_existing(apps, schema_editor):
    from concierge.customers.search import customer_terms

    Customer = apps.get_model("customers", "Customer")
    Address = apps.get_model("customers", "Address")
    Term = apps.get_model("customers", "CustomerSearchTerm")
    last = 0
    while True:
        chunk = list(Customer.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not chunk:
            return
        last = chunk[-1].pk
        extras = {c.pk: (set(), set()) for c in chunk}
        for customer_id, postal_code, phone in Address.objects.filter(customer__in=chunk).values_list(
            "customer_id", "postal_code", "phone"
        ):
            extras[customer_id][0].add(postal_code)
            extras[customer_id][1].add(phone)
        Term.objects.filter(customer__in=chunk).delete()
        Term.objects.bulk_create(
            [Term(term=t, store_id=c.store_id, customer_id=c.pk) for c in chunk for t in customer_terms(c, *extras[c.pk])],
            batch_size=5000,
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_customersearchterm")]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
