"""Keeping each asset's effective criticality current as criticalities and dependencies change.

The rule (garrison.assets.graph): an asset matters at least as much as anything that
depends on it. A change at an asset (its own criticality, a dependency added or
removed) can only move the effective criticality of that asset and of what it
depends on, directly or transitively; so that part is recomputed, in bulk, and every
asset whose value moved gets an audit event saying so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from garrison.assets import graph
from garrison.assets.models import Asset, AssetDependency
from garrison.assets.queries import chunks, downstream_edges
from garrison.core import audit
from garrison.core.models.audit import AuditAction

# PostgreSQL advisory lock held while the graph is read and changed, so that two
# people adding edges at once cannot close a cycle between them (SQLite runs one
# writing transaction at a time already). Any fixed 64-bit number works.
GRAPH_LOCK_KEY = 7_449_367_872_440_987_502


def lock_graph() -> None:
    """Hold the graph for the rest of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GRAPH_LOCK_KEY])


@transaction.atomic
def recompute_effective_criticality(starts: Iterable[int], *, by: Any, reason: str = "") -> dict[int, int]:
    """Recompute the assets `starts` and everything they depend on; save and audit the
    values that moved. Returns {asset id: new effective criticality} for those.

    The assets depending on that part from outside it are unaffected by the change, so
    their stored effective criticality is used as it stands.
    """
    lock_graph()
    affected, _edges = downstream_edges(starts)
    if not affected:
        return {}
    own: dict[int, int] = {}
    current: dict[int, int] = {}
    for batch in chunks(affected):
        for pk, criticality, effective in Asset.objects.filter(pk__in=batch).values_list(
            "pk", "criticality", "effective_criticality"
        ):
            own[pk] = criticality
            current[pk] = effective
    edges: list[tuple[int, int]] = []
    for batch in chunks(affected):
        edges.extend(
            AssetDependency.objects.filter(dependency_id__in=batch).values_list(
                "dependent_id", "dependency_id"
            )
        )
    outside = {dependent for dependent, _dependency in edges if dependent not in own}
    for batch in chunks(outside):
        own.update(Asset.objects.filter(pk__in=batch).values_list("pk", "effective_criticality"))
    computed = graph.effective_criticalities(own, edges)
    moved = {pk: computed[pk] for pk in current if computed[pk] != current[pk]}
    if not moved:
        return moved
    changed: list[Asset] = []
    for batch in chunks(moved):
        for asset in Asset.objects.filter(pk__in=batch).select_related("unit"):
            asset.effective_criticality = moved[asset.pk]
            changed.append(asset)
    Asset.objects.bulk_update(changed, ["effective_criticality"], batch_size=1000)
    audit.record_many(
        audit.pending_for(
            asset,
            AuditAction.UPDATE,
            by=by,
            changes={"effective_criticality": [current[asset.pk], moved[asset.pk]]},
            reason=reason,
        )
        for asset in sorted(changed, key=lambda item: item.reference)
    )
    return moved
