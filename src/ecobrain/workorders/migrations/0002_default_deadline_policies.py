from django.db import migrations


def seed(apps, schema_editor):
    from ecobrain.workorders.services.creation import ensure_deadline_policies

    ensure_deadline_policies(apps.get_model("workorders", "DeadlinePolicy"))


class Migration(migrations.Migration):
    """The default deadline clock of every work-order source (editable afterwards by admins)."""

    dependencies = [("workorders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
