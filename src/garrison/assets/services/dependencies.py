"""Writes to the dependency graph: saying that one asset needs another, and taking it back.

The graph stays acyclic: an edge that would close a cycle is refused with the cycle
spelled out by references, so the person sees which existing dependency to
question. Every change recomputes the effective criticality of what it affects.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.assets import graph
from garrison.assets.models import Asset, AssetDependency
from garrison.assets.queries import chunks, downstream_edges, visible
from garrison.assets.services.criticality import lock_graph, recompute_effective_criticality
from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant

CYCLE_ARROW = " → "


def _require_may_change(dependent: Asset, by: Any) -> None:
    # An edge belongs to its dependent: saying what an asset needs changes that asset.
    if by is not None and not has_grant(by, Domain.ASSETS, Action.CHANGE, dependent.unit.path):
        raise PermissionDenied(_("You cannot change assets of this unit."))


def describe_cycle(path: list[int]) -> str:
    """The cycle as its references: "AST-1 → AST-7 → AST-3 → AST-1"."""
    references: dict[int, str] = {}
    for batch in chunks(set(path)):
        references.update(Asset.objects.filter(pk__in=batch).values_list("pk", "reference"))
    return CYCLE_ARROW.join(references.get(pk, f"#{pk}") for pk in path)


@transaction.atomic
def add_dependency(dependent: Asset, dependency: Asset, *, by: Any, description: str = "") -> AssetDependency:
    """Record that `dependent` needs `dependency` to work.

    Refused when it exists already, when an asset would depend on itself, and when it
    would close a cycle. The dependency's effective criticality, and that of what it
    depends on, rise to the dependent's when it is higher.
    """
    _require_may_change(dependent, by)
    if by is not None and not visible(Asset.objects.filter(pk=dependency.pk), by).exists():
        raise ValidationError({"dependency": [_("Asset not found.")]})
    if dependent.pk == dependency.pk:
        raise ValidationError({"dependency": [_("An asset cannot depend on itself.")]})
    lock_graph()
    if AssetDependency.objects.filter(dependent=dependent, dependency=dependency).exists():
        raise ValidationError(
            {
                "dependency": [
                    _("%(dependent)s already depends on %(dependency)s.") % _names(dependent, dependency)
                ]
            }
        )
    _reachable, edges = downstream_edges([dependency.pk])
    cycle = graph.closing_cycle(edges, dependent.pk, dependency.pk)
    if cycle is not None:
        raise ValidationError(
            {
                "dependency": [
                    _("This dependency would close a cycle: %(cycle)s. Remove one of its links first.")
                    % {"cycle": describe_cycle(cycle)}
                ]
            }
        )
    edge = AssetDependency(dependent=dependent, dependency=dependency, description=description.strip())
    edge.full_clean()
    edge.save()
    audit.record(edge, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(edge)))
    recompute_effective_criticality(
        [dependency.pk],
        by=by,
        reason=_("%(dependent)s now depends on %(dependency)s.") % _names(dependent, dependency),
    )
    return edge


@transaction.atomic
def remove_dependency(edge: AssetDependency, *, by: Any, reason: str = "") -> None:
    """Take back that one asset needs another; what the dependency carried from the
    dependent (its effective criticality) is recomputed without it."""
    dependent, dependency = edge.dependent, edge.dependency
    _require_may_change(dependent, by)
    lock_graph()
    event = audit.pending_for(
        edge, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(edge), {}), reason=reason
    )
    edge.delete()
    audit.record_many([event])
    recompute_effective_criticality(
        [dependency.pk],
        by=by,
        reason=_("%(dependent)s no longer depends on %(dependency)s.") % _names(dependent, dependency),
    )


def _names(dependent: Asset, dependency: Asset) -> dict[str, str]:
    return {"dependent": dependent.reference, "dependency": dependency.reference}
