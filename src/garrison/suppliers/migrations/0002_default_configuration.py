"""The configuration a new installation starts with: supplier categories, what each access
path requires, the supplier policy, the scorecard criteria and the empty blacklist. Each is
editable afterwards; the user guide lists the defaults."""

from django.db import migrations

CATEGORIES = [
    ("hardware", "Hardware", "硬件设备"),
    ("power-and-cooling", "Power and cooling", "电力与制冷"),
    ("construction", "Construction", "工程建设"),
    ("network-and-bandwidth", "Network and bandwidth", "网络与带宽"),
    ("cloud-and-software", "Cloud and software", "云服务与软件"),
    ("security-services", "Security services", "安全服务"),
    ("professional-services", "Professional services", "专业服务"),
    ("facility-maintenance", "Facility maintenance", "设施运维"),
    ("logistics", "Logistics", "物流"),
]

ACCESS_PATHS = [
    {
        "path": "standard",
        "stages": [
            "qualification_review",
            "on_site_inspection",
            "internal_assessment",
            "shortlist_announcement",
            "final_selection",
        ],
        "required_documents": ["business_licence"],
        "publicity_days": 5,
        "full_review_days": None,
        "value_limit_cny": None,
    },
    {
        "path": "express",
        "stages": ["qualification_review", "final_selection"],
        "required_documents": ["business_licence"],
        "publicity_days": 0,
        "full_review_days": 90,
        "value_limit_cny": 500000,
    },
]

CRITERIA = [
    ("delivery", "Delivery", "交付", 30),
    ("quality", "Quality", "质量", 30),
    ("service", "Service", "服务", 15),
    ("security-incidents", "Security incidents", "安全事件", 15),
    ("esg", "ESG", "ESG", 10),
]


def seed(apps, schema_editor):
    category = apps.get_model("suppliers", "SupplierCategory")
    for code, name, name_zh in CATEGORIES:
        category.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh})
    config = apps.get_model("suppliers", "AccessPathConfig")
    for row in ACCESS_PATHS:
        config.objects.get_or_create(path=row["path"], defaults=row)
    policy = apps.get_model("suppliers", "SupplierPolicy")
    if not policy.objects.exists():
        policy.objects.create(document_reminder_days=[90, 30, 7])
    criterion = apps.get_model("suppliers", "ScorecardCriterion")
    for order, (code, name, name_zh, weight) in enumerate(CRITERIA):
        criterion.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "weight": weight, "order": order}
        )
    watch_list = apps.get_model("suppliers", "WatchList")
    watch_list.objects.get_or_create(
        kind="blacklist", defaults={"name": "Blacklist", "source": "Suppliers blacklisted in Garrison"}
    )


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0001_supplier_register")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
