from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def store_currency(apps, schema_editor):
    """Every cart so far was priced in its store's currency."""
    Cart = apps.get_model("carts", "Cart")
    Store = apps.get_model("stores", "Store")
    Cart.objects.update(currency=Subquery(Store.objects.filter(pk=OuterRef("store_id")).values("currency")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("carts", "0003_cart_lease_acquired_at_cart_lease_expires_at_and_more"),
        ("stores", "0004_store_refund_approval_threshold"),
    ]

    operations = [
        migrations.AddField(
            model_name="cart",
            name="currency",
            field=models.CharField(default="", help_text="ISO 4217 code its lines are priced in.", max_length=3),
            preserve_default=False,
        ),
        migrations.RunPython(store_currency, migrations.RunPython.noop),
    ]
