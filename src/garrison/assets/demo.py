"""The assets demo step: inserts the demo inventory (garrison.assets.demo_plan) in bulk.

Assets, their site links, dependencies, identifiers and tags are each one
`bulk_create`; effective criticality is computed once over the whole graph
(garrison.assets.graph), and every asset and dependency gets its "create" event as
the services would write it. Custodians are the teams of the block's number (team
"bj-facilities-3" looks after block 3), owners active people of those teams.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from django.db import connection, models

from garrison.assets import graph
from garrison.assets.demo_plan import TAGS, AssetPlan, plan_assets
from garrison.assets.models import Asset, AssetDependency, AssetIdentifier, Tag, derive_classification
from garrison.assets.services.inventory import identifier_rows
from garrison.core import audit
from garrison.core.demo.organisation import BATCH_SIZE, EVENT_CHUNK
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction


def people_by_unit(people: Iterable[Person]) -> dict[str, list[Person]]:
    """Active people of each unit (by code), in a fixed order, to draw owners from."""
    found: dict[str, list[Person]] = defaultdict(list)
    for person in sorted(people, key=lambda person: person.username):
        if person.employment_status == "active":
            found[person.unit.code].append(person)
    return found


@register_step("assets", order=200)
def seed_assets(context: DemoContext) -> None:
    plans = plan_assets(scale=context.scale, seed_random=context.random("assets"), unit_codes=context.units)
    owners = context.random("assets-owners")
    staff = people_by_unit(context.people.values())
    tags = _tags()
    assets = _create_assets(plans, context.units, staff, owners)
    by_reference = {asset.reference: asset for asset in assets}
    _link_sites(plans, by_reference)
    dependencies = _create_dependencies(plans, by_reference)
    _set_effective_criticality(assets, dependencies)
    identifiers = AssetIdentifier.objects.bulk_create(
        list(chain.from_iterable(identifier_rows(asset) for asset in assets)), batch_size=BATCH_SIZE
    )
    through = Asset.tags.through
    through.objects.bulk_create(
        [
            through(asset_id=by_reference[plan.reference].pk, tag_id=tags[name].pk)
            for plan in plans
            for name in plan.tags
        ],
        batch_size=BATCH_SIZE,
    )
    tag_names = {plan.reference: sorted(plan.tags) for plan in plans}
    events = _record(
        chain(
            (
                (asset, {"tags": [None, tag_names[asset.reference]]} if tag_names[asset.reference] else {})
                for asset in assets
            ),
            ((dependency, {}) for dependency in dependencies),
        ),
        actor=context.actor,
    )
    context.count("assets", len(assets))
    context.count("asset dependencies", len(dependencies))
    context.count("asset identifiers", len(identifiers))
    context.count("audit events", events)


def _tags() -> dict[str, Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TAGS)}
    missing = [Tag(name=name) for name in TAGS if name not in existing]
    for tag in Tag.objects.bulk_create(missing):
        existing[tag.name] = tag
    return existing


def _create_assets(
    plans: Sequence[AssetPlan],
    units: Mapping[str, OrgUnit],
    staff: Mapping[str, list[Person]],
    owners: random.Random,
) -> list[Asset]:
    assets = []
    for plan in plans:
        unit = units[plan.unit_code]
        people = staff.get(plan.unit_code) or staff[unit.parent.code if unit.parent else plan.unit_code]
        confidentiality, integrity, availability = plan.ratings
        assets.append(
            Asset(
                reference=plan.reference,
                name=plan.name,
                asset_type=plan.asset_type,
                owner=owners.choice(people),
                unit=unit,
                description=plan.description,
                lifecycle_status=plan.lifecycle_status,
                confidentiality=confidentiality,
                integrity=integrity,
                availability=availability,
                classification=derive_classification(confidentiality, integrity, availability),
                criticality=plan.criticality,
                effective_criticality=plan.criticality,
                is_critical_system=plan.is_critical_system,
                ip_addresses=plan.ip_addresses,
                host_names=plan.host_names,
                needs_review=plan.needs_review,
            )
        )
    return Asset.objects.bulk_create(assets, batch_size=BATCH_SIZE)


def _link_sites(plans: Sequence[AssetPlan], by_reference: Mapping[str, Asset]) -> None:
    located = []
    for plan in plans:
        if plan.site:
            asset = by_reference[plan.reference]
            asset.site = by_reference[plan.site]
            located.append(asset)
    update_column(Asset, "site", [(asset.pk, asset.site_id) for asset in located])


def _create_dependencies(
    plans: Sequence[AssetPlan], by_reference: Mapping[str, Asset]
) -> list[AssetDependency]:
    edges = {(plan.reference, dependency) for plan in plans for dependency in plan.depends_on}
    dependencies = [
        AssetDependency(dependent=by_reference[dependent], dependency=by_reference[dependency])
        for dependent, dependency in sorted(
            edges, key=lambda edge: (by_reference[edge[0]].pk, by_reference[edge[1]].pk)
        )
    ]
    return AssetDependency.objects.bulk_create(dependencies, batch_size=BATCH_SIZE)


def _set_effective_criticality(assets: Sequence[Asset], dependencies: Sequence[AssetDependency]) -> None:
    own = {asset.pk: asset.criticality for asset in assets}
    effective = graph.effective_criticalities(
        own, [(edge.dependent_id, edge.dependency_id) for edge in dependencies]
    )
    raised = []
    for asset in assets:
        if effective[asset.pk] != asset.effective_criticality:
            asset.effective_criticality = effective[asset.pk]
            raised.append(asset)
    update_column(
        Asset, "effective_criticality", [(asset.pk, asset.effective_criticality) for asset in raised]
    )


def update_column(model: type[models.Model], field_name: str, values: Iterable[tuple[int, Any]]) -> None:
    """Set one column of many rows by primary key. One statement run for many rows is far
    cheaper than bulk_update's CASE expression over tens of thousands of rows."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    primary_key = model._meta.pk
    assert primary_key is not None
    assert field.column
    assert primary_key.column
    quote = connection.ops.quote_name
    table, column, key = quote(model._meta.db_table), quote(field.column), quote(primary_key.column)
    sql = f"UPDATE {table} SET {column} = %s WHERE {key} = %s"  # noqa: S608 - names from the model
    rows = [(field.get_db_prep_save(value, connection), pk) for pk, value in values]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _record(objects: Iterable[tuple[object, dict[str, list[object]]]], *, actor: str) -> int:
    """One chained "create" event per object, as the services write them."""
    pending: list[audit.PendingEvent] = []
    recorded = 0
    for obj, extra in objects:
        changes = {**audit.diff({}, audit.snapshot(obj)), **extra}  # type: ignore[arg-type]
        pending.append(audit.pending_for(obj, AuditAction.CREATE, by=actor, changes=changes))  # type: ignore[arg-type]
        if len(pending) == EVENT_CHUNK:
            recorded += len(audit.record_many(pending))
            pending = []
    return recorded + len(audit.record_many(pending))
