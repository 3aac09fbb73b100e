"""The customer lists available by default (seed 002 "Customer List"), with its words: columns
name, email address and phone number, plus each list's own."""

from django.db import migrations

DEFAULTS = [
    {
        "slug": "current-in-store-customers",
        "name": "Current In-Store Customers",
        "description": "Customers who are in the store now, where they are and since when, as the store's "
        "devices detect them: review their profile and approach them prepared.",
        "kind": "in_store",
        "parameters": {},
        "columns": ["name", "email", "phone", "zone", "since"],
        "default_sort": "since",
        "sort_descending": True,
        "page_size": 25,
        "position": 10,
    },
    {
        "slug": "pick-up-in-store-customers",
        "name": "Pick-Up In-Store Customers",
        "description": "Customers who bought online and are picking their orders up in store, so you can "
        "prepare their order. Those in the store now come first.",
        "kind": "pickup",
        "parameters": {},
        "columns": ["name", "email", "phone", "pickup_order", "pickup_status", "primary_contact", "alternate_contact"],
        "default_sort": "placed",
        "sort_descending": False,
        "page_size": 25,
        "position": 20,
    },
    {
        "slug": "recent-assisted-sessions",
        "name": "Recent assisted sessions",
        "description": "The last 20 customers you assisted, with how each session ended.",
        "kind": "recent_sessions",
        "parameters": {"limit": 20},
        "columns": ["name", "email", "phone", "started", "ended", "how_ended"],
        "default_sort": "started",
        "sort_descending": True,
        "page_size": 20,
        "position": 30,
    },
    {
        "slug": "open-carts-over-threshold",
        "name": "Customers with open carts over a threshold",
        "description": "Customers whose active cart is worth at least the threshold at list prices.",
        "kind": "open_carts",
        "parameters": {"threshold": "100"},
        "columns": ["name", "email", "phone", "cart_total", "cart_updated"],
        "default_sort": "cart_total",
        "sort_descending": True,
        "page_size": 25,
        "position": 40,
    },
]


def add_defaults(apps, schema_editor):
    CustomerList = apps.get_model("presence", "CustomerList")
    for values in DEFAULTS:
        CustomerList.objects.get_or_create(slug=values["slug"], defaults=values)


def remove_defaults(apps, schema_editor):
    apps.get_model("presence", "CustomerList").objects.filter(slug__in=[d["slug"] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("presence", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
