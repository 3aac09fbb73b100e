from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def on_account_in_store_currency(apps, schema_editor):
    """Every on-account credit limit so far was in its organization's store's currency."""
    PaymentSource = apps.get_model("payments", "PaymentSource")
    Customer = apps.get_model("customers", "Customer")
    store_currency = Customer.objects.filter(pk=OuterRef("customer_id")).values("store__currency")[:1]
    PaymentSource.objects.filter(kind="ON_ACCOUNT").update(currency=Subquery(store_currency))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_refund_paymenttransaction_refund_reserved_and_more"),
        ("customers", "0009_organizations"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentsource",
            name="currency",
            field=models.CharField(blank=True, help_text="ISO 4217 code of the credit limit, e.g. USD.", max_length=3),
        ),
        migrations.RunPython(on_account_in_store_currency, migrations.RunPython.noop),
    ]
