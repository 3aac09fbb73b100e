"""The default "Recent assisted sessions" list links each session to what changed in it."""

from django.db import migrations


def add_changes_column(apps, schema_editor):
    CustomerList = apps.get_model("presence", "CustomerList")
    for definition in CustomerList.objects.filter(slug="recent-assisted-sessions", kind="recent_sessions"):
        if "changes" not in definition.columns:
            definition.columns = [*definition.columns, "changes"]
            definition.save(update_fields=["columns"])


def remove_changes_column(apps, schema_editor):
    CustomerList = apps.get_model("presence", "CustomerList")
    for definition in CustomerList.objects.filter(slug="recent-assisted-sessions", kind="recent_sessions"):
        definition.columns = [c for c in definition.columns if c != "changes"]
        definition.save(update_fields=["columns"])


class Migration(migrations.Migration):
    dependencies = [("presence", "0002_lists_defaults")]

    operations = [migrations.RunPython(add_changes_column, remove_changes_column)]
