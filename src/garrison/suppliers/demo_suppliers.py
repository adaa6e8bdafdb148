"""The suppliers demo step: the register of garrison.suppliers.demo_plan inserted in bulk,
then a few records of each part of the supplier process made through its services.

At scale 1 the register holds exactly 2,623 suppliers, 5 from Hong Kong, Macau and Taiwan
and 5 from other countries and regions — the seed's figures, which the supplier dashboard
counts. Suppliers, their categories, contacts, qualification documents and the approved
status changes that made the substandard ones substandard are each one `bulk_create`, and
each gets its "create" event as the services would write it. References are numbered from
the row ids exactly as `save_numbered` numbers them, so suppliers created later carry on.

The showcase (garrison.suppliers.demo_showcase) then works a few suppliers through access,
assessment, scorecards, classification, screening and sourcing with the services of those
parts, so their timelines, notifications and audit trail are those of real work.

The step fills an empty register only: run again over suppliers, it does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from django.db import connection, models
from django.utils import timezone

from garrison.core import audit
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.core.scheduling import organisation_today
from garrison.suppliers.demo_plan import SupplierPlan, plan_suppliers
from garrison.suppliers.models import (
    QualificationDocument,
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    Supplier,
    SupplierCategory,
    SupplierContact,
    SupplierStatus,
)
from garrison.suppliers.names import normalise_name

BATCH_SIZE = 1000
EVENT_CHUNK = 5000
PREFIX = "SUP-"
PROPOSER = "procurement"

# Why the substandard suppliers of the register became substandard.
DOWNGRADE_REASONS = {
    SupplierStatus.RECTIFYING: (
        "Two late deliveries in the quarter and an incomplete incident report.",
        "Scorecard below the acceptable band: delivery and service scores fell.",
        "On-site inspection found expired fire-safety certificates.",
        "ISO/IEC 27001 certificate lapsed; surveillance audit not booked.",
    ),
    SupplierStatus.UNQUALIFIED: (
        "Failed the annual requalification: quality management not evidenced.",
        "Rectification plan not completed by its deadline.",
    ),
    SupplierStatus.SUSPENDED: (
        "Cooperation suspended pending the investigation of a site safety accident.",
        "Suspended after a data-handling breach by the supplier's staff.",
    ),
    SupplierStatus.BLACKLISTED: (
        "Forged qualification documents submitted in a tender.",
        "Bid rigging established by the tender review board.",
    ),
}


def _unit(context: DemoContext, code: str, fallback: OrgUnit) -> OrgUnit:
    return context.units.get(code) or OrgUnit.objects.filter(code=code).first() or fallback


def procurement_people() -> list[Person]:
    """Active people of the Procurement department, officers first: the supplier managers."""
    people = Person.objects.filter(unit__code="procurement", employment_status="active").order_by("username")
    officers = set(Person.objects.filter(roles__role=Role.PROCUREMENT_OFFICER).values_list("pk", flat=True))
    return sorted(people, key=lambda person: (person.pk not in officers, person.username))


def officer(username: str, *, other_than: Person | None = None) -> Person | None:
    """A Procurement Officer: `username` when it holds the role, else the first other one."""
    officers = Person.objects.filter(roles__role=Role.PROCUREMENT_OFFICER, employment_status="active")
    if other_than is not None:
        officers = officers.exclude(pk=other_than.pk)
    return officers.filter(username=username).first() or officers.distinct().order_by("username").first()


@register_step("suppliers", order=600)
def seed_suppliers(context: DemoContext) -> None:
    if Supplier.objects.exists():
        return
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        return
    now = timezone.now().replace(microsecond=0)
    today = organisation_today(now)
    plans = plan_suppliers(scale=context.scale, seed_random=context.random("suppliers"))
    managers = procurement_people()
    units = {code: _unit(context, code, root) for code in {plan.unit_code for plan in plans}}
    suppliers = create_suppliers(plans, units, managers, now=now, today=today)
    categories = link_categories(plans, suppliers)
    create_contacts(plans, suppliers)
    documents = create_documents(plans, suppliers, today=today)
    proposer = officer(PROPOSER)
    approver = officer("xiao.tao", other_than=proposer)
    changes = create_status_history(
        plans, suppliers, proposer, approver, rng=context.random("suppliers-reasons")
    )
    # Related rows as the supplier service records them: the categories' ids.
    events = record_created(
        chain(
            (
                (supplier, {"categories": [None, sorted(categories[supplier.pk]) or None]})
                for supplier in suppliers
            ),
            ((change, {}) for change in changes),
        ),
        actor=context.actor,
    )
    context.count("suppliers", len(suppliers))
    context.count("supplier documents", len(documents))
    context.count("audit events", events)

    from garrison.suppliers.demo_showcase import seed_showcase

    seed_showcase(context, suppliers, now=now, today=today)


def _days(today: dt.date, offset: int | None) -> dt.date | None:
    return None if offset is None else today + dt.timedelta(days=offset)


def _moment(now: dt.datetime, offset: int | None) -> dt.datetime | None:
    return None if offset is None else now + dt.timedelta(days=offset)


def create_suppliers(
    plans: Sequence[SupplierPlan],
    units: dict[str, OrgUnit],
    managers: Sequence[Person],
    *,
    now: dt.datetime,
    today: dt.date,
) -> list[Supplier]:
    rows = [
        Supplier(
            # A placeholder unique until the row has the id its reference is numbered from.
            reference=f"{PREFIX}new-{plan.number}",
            name=plan.name,
            name_en=plan.name_en,
            normalised_name=normalise_name(plan.name or plan.name_en)[:300],
            credit_code=plan.credit_code,
            registration_number=plan.registration_number,
            country=plan.country,
            region=plan.region,
            tier=plan.tier,
            status=plan.status,
            status_since=_moment(now, plan.status_days),
            suspended_until=_days(today, plan.suspended_until_days),
            access_path=plan.access_path,
            qualified_at=_moment(now, plan.qualified_days),
            full_review_due=_days(today, plan.full_review_due_days),
            unit=units[plan.unit_code],
            manager=managers[plan.manager_slot % len(managers)] if managers else None,
            services=plan.services,
            website=plan.website,
            address=plan.address,
        )
        for plan in plans
    ]
    suppliers = Supplier.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    for supplier in suppliers:
        supplier.reference = f"{PREFIX}{supplier.pk:06d}"
    update_column(Supplier, "reference", [(supplier.pk, supplier.reference) for supplier in suppliers])
    return suppliers


def link_categories(plans: Sequence[SupplierPlan], suppliers: Sequence[Supplier]) -> dict[int, list[int]]:
    """Each supplier's category ids, linked in one insert."""
    by_code = dict(SupplierCategory.objects.values_list("code", "pk"))
    linked = {
        supplier.pk: [by_code[code] for code in plan.categories if code in by_code]
        for plan, supplier in zip(plans, suppliers, strict=True)
    }
    through = Supplier.categories.through
    through.objects.bulk_create(
        [
            through(supplier_id=supplier_id, suppliercategory_id=category_id)
            for supplier_id, category_ids in linked.items()
            for category_id in category_ids
        ],
        batch_size=BATCH_SIZE,
    )
    return linked


def create_contacts(plans: Sequence[SupplierPlan], suppliers: Sequence[Supplier]) -> list[SupplierContact]:
    rows = [
        SupplierContact(
            supplier=supplier,
            name=contact.name,
            role=contact.role,
            email=contact.email,
            phone=contact.phone,
            is_primary=contact.is_primary,
        )
        for plan, supplier in zip(plans, suppliers, strict=True)
        for contact in plan.contacts
    ]
    return SupplierContact.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def create_documents(
    plans: Sequence[SupplierPlan], suppliers: Sequence[Supplier], *, today: dt.date
) -> list[QualificationDocument]:
    rows = [
        QualificationDocument(
            supplier=supplier,
            kind=document.kind,
            number=document.number,
            issuer=document.issuer,
            issued_on=_days(today, document.issued_days),
            expires_on=_days(today, document.expires_days),
            reminders_sent=list(document.reminded),
        )
        for plan, supplier in zip(plans, suppliers, strict=True)
        for document in plan.documents
    ]
    return QualificationDocument.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def create_status_history(
    plans: Sequence[SupplierPlan],
    suppliers: Sequence[Supplier],
    proposer: Person | None,
    approver: Person | None,
    *,
    rng: Any,
) -> list[StatusChange]:
    """The approved change that made each substandard supplier of the register substandard,
    proposed by one Procurement Officer and approved by another, as the classification
    services record them."""
    rows = []
    for plan, supplier in zip(plans, suppliers, strict=True):
        reasons = DOWNGRADE_REASONS.get(SupplierStatus(plan.status))
        if not reasons or supplier.status_since is None:
            continue
        rows.append(
            StatusChange(
                supplier=supplier,
                from_status=SupplierStatus.QUALIFIED,
                to_status=plan.status,
                reason=rng.choice(reasons),
                source=StatusChangeSource.MANUAL,
                suspended_until=supplier.suspended_until,
                state=StatusChangeState.APPROVED,
                proposed_by=proposer,
                proposed_at=supplier.status_since - dt.timedelta(days=2),
                decided_by=approver,
                decided_at=supplier.status_since,
                decision_note="Approved at the monthly supplier review.",
            )
        )
    return StatusChange.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def update_column(model: type[models.Model], field_name: str, values: Iterable[tuple[int, Any]]) -> None:
    """Set one column of many rows by primary key in one executemany (far cheaper than
    bulk_update's CASE expression over thousands of rows)."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    primary_key = model._meta.pk
    assert primary_key is not None
    assert field.column
    assert primary_key.column
    quote = connection.ops.quote_name
    table, column, key = quote(model._meta.db_table), quote(field.column), quote(primary_key.column)
    sql = f"UPDATE {table} SET {column} = %s WHERE {key} = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(field.get_db_prep_save(value, connection), pk) for pk, value in values])


def record_created(objects: Iterable[tuple[models.Model, dict[str, Any]]], *, actor: str) -> int:
    """One chained "create" event per object, as the services write them."""
    pending: list[audit.PendingEvent] = []
    recorded = 0
    for obj, extra in objects:
        changes = {**audit.diff({}, audit.snapshot(obj)), **extra}
        pending.append(audit.pending_for(obj, AuditAction.CREATE, by=actor, changes=changes))
        if len(pending) == EVENT_CHUNK:
            recorded += len(audit.record_many(pending))
            pending = []
    return recorded + len(audit.record_many(pending))
