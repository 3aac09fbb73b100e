"""The system's return reasons (seed 004): Damaged, Defective, Unwanted Gift, Wrong Size."""

from django.db import migrations

SYSTEM_REASONS = ["Damaged", "Defective", "Unwanted Gift", "Wrong Size"]


def add_reasons(apps, schema_editor):
    ReturnReason = apps.get_model("returns", "ReturnReason")
    for position, name in enumerate(SYSTEM_REASONS, start=1):
        ReturnReason.objects.update_or_create(name=name, defaults={"is_system": True, "position": position})


def remove_reasons(apps, schema_editor):
    apps.get_model("returns", "ReturnReason").objects.filter(name__in=SYSTEM_REASONS, is_system=True).delete()


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
