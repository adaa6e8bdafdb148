"""The core's demo step: loads the organisation plan in bulk, with its audit trail.

At scale 100 there are about 19,000 people, so nothing here saves objects one by
one: each tree level of units and each management level of people is one
`bulk_create`, and every object gets its "create" event through one chained
`audit.record_many` call per chunk, exactly as the services would have written it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from garrison.core import audit
from garrison.core.demo.plan import PersonPlan, ResponsibilityPlan, RolePlan, UnitPlan, plan_organisation
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.models.audit import AuditAction

BATCH_SIZE = 1000
EVENT_CHUNK = 5000


@register_step("organisation", order=100)
def seed_organisation(context: DemoContext) -> None:
    plan = plan_organisation(scale=context.scale, seed=context.seed)
    units = create_units(plan.units)
    people = create_people(plan.people, units, password_hash=context.password_hash)
    assignments = create_role_assignments(plan.roles, people, units)
    responsibilities = create_responsibilities(plan.responsibilities, people, units)
    events = record_created(
        [*units.values(), *people.values(), *assignments, *responsibilities], actor=context.actor
    )
    context.root_code = plan.root_code
    context.units.update(units)
    context.people.update(people)
    context.count("units", len(units))
    context.count("people", len(people))
    context.count("role assignments", len(assignments))
    context.count("responsibilities", len(responsibilities))
    context.count("audit events", events)


def _levels(items: Iterable[Any], key: str, parent_key: str) -> dict[int, list[Any]]:
    """Group plans by distance from the top, parents listed before children."""
    level_of: dict[str, int] = {}
    levels: dict[int, list[Any]] = defaultdict(list)
    for item in items:
        parent = getattr(item, parent_key)
        level = 0 if parent is None else level_of[parent] + 1
        level_of[getattr(item, key)] = level
        levels[level].append(item)
    return levels


def create_units(plans: Sequence[UnitPlan]) -> dict[str, OrgUnit]:
    """Units by code. A unit's path holds its own id, known only after the insert,
    so each level is inserted with a placeholder path and then given its real one."""
    units: dict[str, OrgUnit] = {}
    for depth, level in sorted(_levels(plans, "code", "parent_code").items()):
        batch = [
            OrgUnit(
                code=plan.code,
                name=plan.name,
                name_zh=plan.name_zh,
                kind=plan.kind,
                description=plan.description,
                parent=units[plan.parent_code] if plan.parent_code else None,
                depth=depth,
                path=f"/seeding-{plan.code}/",
            )
            for plan in level
        ]
        OrgUnit.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        for unit in batch:
            unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        OrgUnit.objects.bulk_update(batch, ["path"], batch_size=BATCH_SIZE)
        units.update((unit.code, unit) for unit in batch)
    return units


def create_people(
    plans: Sequence[PersonPlan], units: Mapping[str, OrgUnit], *, password_hash: str
) -> dict[str, Person]:
    """People by username, managers inserted before the people reporting to them."""
    people: dict[str, Person] = {}
    for _level, level in sorted(_levels(plans, "username", "manager_username").items()):
        batch = [
            Person(
                username=plan.username,
                full_name=plan.full_name,
                email=plan.email,
                unit=units[plan.unit_code],
                manager=people[plan.manager_username] if plan.manager_username else None,
                job_title=plan.job_title,
                employment_status=plan.employment_status,
                time_zone=plan.time_zone,
                language=plan.language,
                password=password_hash,
            )
            for plan in level
        ]
        Person.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        people.update((person.username, person) for person in batch)
    return people


def create_role_assignments(
    plans: Sequence[RolePlan], people: Mapping[str, Person], units: Mapping[str, OrgUnit]
) -> list[RoleAssignment]:
    assignments = [
        RoleAssignment(person=people[plan.username], role=plan.role.value, unit=units[plan.unit_code])
        for plan in plans
    ]
    return RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)


def create_responsibilities(
    plans: Sequence[ResponsibilityPlan], people: Mapping[str, Person], units: Mapping[str, OrgUnit]
) -> list[Responsibility]:
    unit_type = ContentType.objects.get_for_model(OrgUnit)
    responsibilities = [
        Responsibility(
            content_type=unit_type,
            object_id=str(units[plan.target_unit_code].pk),
            unit=units[plan.target_unit_code],
            raci=plan.raci,
            person=people[plan.person_username] if plan.person_username else None,
            assignee_unit=units[plan.assignee_unit_code] if plan.assignee_unit_code else None,
            note=plan.note,
        )
        for plan in plans
    ]
    return Responsibility.objects.bulk_create(responsibilities, batch_size=BATCH_SIZE)


def record_created(objects: Iterable[models.Model], *, actor: str) -> int:
    """Append one chained "create" event per object, as the services would; returns the count.

    Steps of other apps use this after their own bulk inserts.
    """
    pending: list[audit.PendingEvent] = []
    recorded = 0
    for obj in objects:
        changes = audit.diff({}, audit.snapshot(obj))
        pending.append(audit.pending_for(obj, AuditAction.CREATE, by=actor, changes=changes))
        if len(pending) == EVENT_CHUNK:
            recorded += len(audit.record_many(pending))
            pending = []
    recorded += len(audit.record_many(pending))
    return recorded
