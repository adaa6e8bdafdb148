"""Link the suppliers incidents named before the supplier register existed: a name equal
(ignoring case and surrounding spaces) to a registered supplier's Chinese or English legal
name becomes a link; other names stay in the list of suppliers not in the register."""

from django.db import migrations


def link_names(apps, schema_editor):
    incident_model = apps.get_model("incidents", "Incident")
    supplier_model = apps.get_model("suppliers", "Supplier")
    by_name: dict[str, int] = {}
    for pk, name, name_en in supplier_model.objects.values_list("pk", "name", "name_en"):
        for value in (name, name_en):
            if value:
                by_name.setdefault(value.strip().casefold(), pk)
    for incident in incident_model.objects.exclude(affected_suppliers=[]):
        remaining = []
        linked = []
        for name in incident.affected_suppliers or []:
            pk = by_name.get(str(name).strip().casefold())
            if pk is None:
                remaining.append(name)
            else:
                linked.append(pk)
        if linked:
            incident.suppliers.add(*linked)
            incident.affected_suppliers = remaining
            incident.save(update_fields=["affected_suppliers"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_incident_supplier_links"),
        ("suppliers", "0001_supplier_register"),
    ]

    operations = [migrations.RunPython(link_names, migrations.RunPython.noop)]
