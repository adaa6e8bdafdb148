"""The data generator of the supplier benchmarks: a small organisation and N suppliers.

Builds, in the installation `demo_database.configure` points at, a Group with the units
the demo register uses (Procurement, the five data-centre sites, IDC operations …), four
people — an Administrator and a Procurement Officer of the Group, a Procurement Officer
and a Security Officer of the Beijing site — and bulk-creates `count` suppliers drawn from
the demo's plan (garrison.suppliers.demo_plan: valid credit codes, the demo's spread of
regions, statuses, tiers and categories, a business licence for every mainland supplier,
certificates for about a third, some expiring). No audit events: this is load, not history.

Call `build(count, seed)` after django.setup() and migrate; it returns the seconds taken,
0 when the installation already holds the suppliers.
"""

from __future__ import annotations

import math
import random
import time

BATCH_SIZE = 5000
# The benchmark's people log in through force_login; the password is never used.
PASSWORD = "Bench-passw0rd-x"  # noqa: S105
UNIT_CODES = (
    "procurement", "bj", "sh", "gz", "sz", "hk",
    "idc-ops", "blue-cloud", "network-ops", "security", "rnd", "hr",
)  # fmt: skip


def build(count: int, seed: int) -> float:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from garrison.core.models import Person
    from garrison.core.roles import Role
    from garrison.core.scheduling import organisation_today
    from garrison.core.services import org
    from garrison.suppliers.demo_plan import SUPPLIERS_AT_SCALE_1, plan_suppliers
    from garrison.suppliers.models import QualificationDocument, Supplier, SupplierCategory
    from garrison.suppliers.names import normalise_name

    if Person.objects.filter(username="admin").exists():
        return 0.0
    started = time.perf_counter()
    root = org.create_unit(by=None, name="Group", code="group", kind="company")
    units = {
        code: org.create_unit(by=None, name=code.title(), code=code, kind="site", parent=root)
        for code in UNIT_CODES
    }
    for username, unit, role in (
        ("admin", root, Role.ADMINISTRATOR),
        ("officer", root, Role.PROCUREMENT_OFFICER),
        ("bj-officer", units["bj"], Role.PROCUREMENT_OFFICER),
        ("secofficer", units["bj"], Role.SECURITY_OFFICER),
    ):
        person = org.create_person(
            by=None, username=username, full_name=username.title(), unit=unit, password=PASSWORD
        )
        org.assign_role(person, role, unit, by=None)
    managers = list(Person.objects.filter(username__in=["officer", "bj-officer"]).order_by("username"))

    scale = math.ceil(count / SUPPLIERS_AT_SCALE_1)
    plans = plan_suppliers(scale=scale, seed_random=random.Random(f"supplier-benchmark/{seed}"))[:count]  # noqa: S311
    now = timezone.now()
    today = organisation_today(now)
    categories = dict(SupplierCategory.objects.values_list("code", "pk"))

    def days(offset: int | None) -> dt.date | None:
        return None if offset is None else today + dt.timedelta(days=offset)

    for first in range(0, len(plans), BATCH_SIZE):
        batch = plans[first : first + BATCH_SIZE]
        suppliers = Supplier.objects.bulk_create(
            [
                Supplier(
                    reference=f"SUP-{plan.number:06d}",
                    name=plan.name,
                    name_en=plan.name_en,
                    # The English form: the same letters, without pinyin's cost on 100,000 names.
                    normalised_name=normalise_name(plan.name_en)[:300],
                    credit_code=plan.credit_code,
                    registration_number=plan.registration_number,
                    country=plan.country,
                    region=plan.region,
                    tier=plan.tier,
                    status=plan.status,
                    status_since=now + dt.timedelta(days=plan.status_days),
                    suspended_until=days(plan.suspended_until_days),
                    access_path=plan.access_path,
                    qualified_at=None
                    if plan.qualified_days is None
                    else now + dt.timedelta(days=plan.qualified_days),
                    full_review_due=days(plan.full_review_due_days),
                    unit=units[plan.unit_code],
                    manager=managers[plan.manager_slot % len(managers)],
                    services=plan.services,
                    website=plan.website,
                    address=plan.address,
                )
                for plan in batch
            ],
            batch_size=BATCH_SIZE,
        )
        through = Supplier.categories.through
        through.objects.bulk_create(
            [
                through(supplier_id=supplier.pk, suppliercategory_id=categories[code])
                for plan, supplier in zip(batch, suppliers, strict=True)
                for code in plan.categories
            ],
            batch_size=BATCH_SIZE,
        )
        QualificationDocument.objects.bulk_create(
            [
                QualificationDocument(
                    supplier=supplier,
                    kind=document.kind,
                    number=document.number,
                    issuer=document.issuer,
                    issued_on=days(document.issued_days),
                    expires_on=days(document.expires_days),
                    reminders_sent=list(document.reminded),
                )
                for plan, supplier in zip(batch, suppliers, strict=True)
                for document in plan.documents
            ],
            batch_size=BATCH_SIZE,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started
