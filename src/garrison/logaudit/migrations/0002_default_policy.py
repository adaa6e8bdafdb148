from django.db import migrations


def create_policy(apps, schema_editor):
    policy_model = apps.get_model("logaudit", "LogAuditPolicy")
    if not policy_model.objects.exists():
        policy_model.objects.create()


class Migration(migrations.Migration):
    dependencies = [("logaudit", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
