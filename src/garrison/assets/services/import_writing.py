"""Carrying out an inventory import's plan in bulk.

Thousands of rows are written with a handful of statements: new assets inserted a
site before what is located at it, their identifiers and tags as plain rows, updates
grouped by the columns they change. The audit events are returned to be appended in
one go (garrison.core.audit.record_many).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from garrison.assets.models import Asset, AssetIdentifier, Tag
from garrison.assets.queries import chunks
from garrison.assets.services.import_planning import ImportPlan
from garrison.assets.services.inventory import (
    TAG_CHANGE_KEY,
    identifier_rows,
    resolve_tags,
    tag_change,
)
from garrison.core import audit
from garrison.core.models.audit import AuditAction

BATCH_SIZE = 1000
LINK_BATCH_SIZE = 5000
EMPTY_VALUES: tuple[Any, ...] = (None, "", [])


def _tags_by_name(names: Iterable[str]) -> dict[str, Tag]:
    tags, _created = resolve_tags(list({name.casefold(): name for name in names}.values()))
    return {tag.name.casefold(): tag for tag in tags}


def write_creations(plan: ImportPlan, by: Any, reason: str) -> list[audit.PendingEvent]:
    if not plan.creations:
        return []
    assets = [asset for asset, _tags in plan.creations]
    _insert_sites_first(assets, plan)
    _insert_identifiers(assets)
    _tag(
        [(asset, names) for asset, names in plan.creations if names],
        list(_tags_by_name(name for _asset, names in plan.creations for name in names).values()),
    )
    events = []
    for asset, names in plan.creations:
        # The values it was created with; empty ones say nothing and, over thousands of
        # rows, cost the audit trail noticeable time to chain.
        values = {name: value for name, value in audit.snapshot(asset).items() if value not in EMPTY_VALUES}
        changes = audit.diff({}, values)
        if names:
            changes[TAG_CHANGE_KEY] = tag_change(None, names)
        events.append(audit.pending_for(asset, AuditAction.CREATE, by=by, changes=changes, reason=reason))
    return events


def _insert_sites_first(assets: list[Asset], plan: ImportPlan) -> None:
    """Insert the new assets, each after the new site it is located at (a site before its
    rooms, a room before its racks), so that every row goes in whole, without a second pass."""
    remaining = assets
    while remaining:
        ready = [
            asset
            for asset in remaining
            if asset.reference not in plan.pending_sites
            or plan.pending_sites[asset.reference] in plan.created
        ]
        if not ready:
            # Sites naming each other round in a circle: insert them, then place them.
            Asset.objects.bulk_create(remaining, batch_size=BATCH_SIZE)
            plan.created.update((asset.reference, asset) for asset in remaining)
            for asset in remaining:
                asset.site = plan.created[plan.pending_sites[asset.reference]]
            Asset.objects.bulk_update(remaining, ["site"], batch_size=BATCH_SIZE)
            return
        for asset in ready:
            if asset.reference in plan.pending_sites:
                asset.site = plan.created[plan.pending_sites[asset.reference]]
        Asset.objects.bulk_create(ready, batch_size=BATCH_SIZE)
        plan.created.update((asset.reference, asset) for asset in ready)
        placed = {id(asset) for asset in ready}
        remaining = [asset for asset in remaining if id(asset) not in placed]


def _tag(tagged: list[tuple[Asset, list[str]]], tags: list[Tag]) -> None:
    """Give each asset exactly the tags named (tag rows created before, in `tags`)."""
    by_name = {tag.name.casefold(): tag for tag in tags}
    through = Asset.tags.through
    for batch in chunks([asset.pk for asset, _names in tagged]):
        through._default_manager.filter(asset_id__in=batch).delete()
    _insert_link_rows(
        through,
        ("asset", "tag"),
        ((asset.pk, by_name[name.casefold()].pk) for asset, names in tagged for name in names),
    )


def _insert_identifiers(assets: Iterable[Asset]) -> None:
    """The lookup rows of new or re-addressed assets (see inventory.identifier_rows)."""
    _insert_link_rows(
        AssetIdentifier,
        ("asset", "kind", "value"),
        (
            (identifier.asset_id, identifier.kind, identifier.value)
            for asset in assets
            for identifier in identifier_rows(asset)
        ),
    )


def _update_rows(assets: list[Asset], names: Sequence[str]) -> None:
    """Write the fields `names` of each asset with one statement run for every row.

    Django's bulk_update builds a CASE expression per field over each batch, whose
    compiling dominates an import updating thousands of rows; an UPDATE by primary key
    run with executemany does the same work with the values as parameters.
    """
    fields = [_field(Asset, name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    primary_key = quote(str(_field(Asset, "id").column))
    statement = f"UPDATE {quote(Asset._meta.db_table)} SET {assignments} WHERE {primary_key} = %s"  # noqa: S608
    rows = (
        [*(field.get_db_prep_save(getattr(asset, field.attname), connection) for field in fields), asset.pk]
        for asset in assets
    )
    with connection.cursor() as cursor:
        for batch in chunks(rows, LINK_BATCH_SIZE):
            cursor.executemany(statement, batch)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(model: type[Model], name: str) -> str:
    return str(_field(model, name).column)


def _insert_link_rows(model: type[Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows of a narrow table (an asset's identifiers, its tags) with executemany.

    An import links tens of thousands of these; building a model instance for each and
    compiling it costs several times the insert itself. The table and column names come
    from the model, the values travel as parameters.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for batch in chunks(rows, LINK_BATCH_SIZE):
            cursor.executemany(statement, batch)


def write_updates(plan: ImportPlan, by: Any, reason: str) -> list[audit.PendingEvent]:
    if not plan.updates:
        return []
    now = timezone.now()
    # Rows changing the same columns are written together, each with its own values.
    by_columns: dict[tuple[str, ...], list[Asset]] = {}
    for update in plan.updates:
        update.asset.updated_at = now
        if update.asset.reference in plan.pending_sites:
            update.asset.site = plan.created[plan.pending_sites[update.asset.reference]]
        columns = tuple(sorted({*update.changes, "updated_at", "classification"} - {"tags"}))
        by_columns.setdefault(columns, []).append(update.asset)
    for columns, assets in by_columns.items():
        _update_rows(assets, columns)
    identified = [
        update.asset for update in plan.updates if set(update.changes) & {"ip_addresses", "host_names"}
    ]
    for batch in chunks([asset.pk for asset in identified]):
        AssetIdentifier.objects.filter(asset_id__in=batch).delete()
    _insert_identifiers(identified)
    retagged = [(update.asset, update.tags) for update in plan.updates if update.tags is not None]
    _tag(retagged, list(_tags_by_name(name for _asset, names in retagged for name in names).values()))
    events = []
    for update in plan.updates:
        changes = audit.diff(update.before, audit.snapshot(update.asset))
        if "tags" in update.changes:
            changes[TAG_CHANGE_KEY] = tag_change(*update.changes["tags"])
        events.append(
            audit.pending_for(update.asset, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
        )
    return events
