"""The library kinds the risks app stores: `risk_matrices` and `threats`.

Registered with the library loader from RisksConfig.ready(). Each `apply` writes one
library's objects of its kind by URN: new ones are created, existing ones of the same
library updated in the fields the library owns, and objects of the library that the
new version no longer holds are reported as removed and kept, because scenarios use
them. An object whose URN belongs to another library, or that the organisation added
itself, is never taken over: the load is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Domain
from garrison.library import format as library_format
from garrison.library.registry import ApplyContext, KindLoader, KindOutcome, register_kind
from garrison.library.upsert import owner_of
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services.catalogue import (
    check_dimensions_kept,
    matrix_fields,
    rederive_scenario_levels,
)

MATRICES = "risk_matrices"
THREATS = "threats"


def _record(obj: Any, action: str, before: dict[str, Any], context: ApplyContext) -> dict[str, list[Any]]:
    changes = audit.diff(before, audit.snapshot(obj))
    context.events.append(
        audit.pending_for(obj, action, by=context.by, changes=changes, reason=context.reason)
    )
    return changes


def apply_matrices(
    definitions: Sequence[library_format.RiskMatrixDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's matrices. The organisation owns a loaded matrix's appetite and
    default flag (the library only sets them when it first adds the matrix); a new
    version that reorders the levels keeps the appetite on the same level key."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {matrix.urn: matrix for matrix in RiskMatrix.objects.filter(urn__in=urns)}
    has_default = RiskMatrix.objects.filter(is_default=True).exists()
    for definition in definitions:
        matrix = existing.get(definition.urn)
        if matrix is None:
            is_default = definition.is_default and not has_default
            has_default = has_default or is_default
            matrix = RiskMatrix(
                urn=definition.urn,
                library_urn=context.library_urn,
                appetite=definition.appetite,
                is_default=is_default,
                **matrix_fields(definition),
            )
            matrix.full_clean()
            matrix.save()
            _record(matrix, AuditAction.CREATE, {}, context)
            outcome.added.append(definition.urn)
            continue
        if matrix.library_urn != context.library_urn:
            outcome.errors.append(f"{definition.urn}, urn: already used by {owner_of(matrix.library_urn)}")
            continue
        try:
            check_dimensions_kept(matrix, len(definition.likelihood), len(definition.impact))
        except ValidationError as error:
            message = " ".join(dict.fromkeys(error.messages))
            outcome.errors.append(f"{definition.urn}, likelihood and impact: {message}")
            continue
        before = audit.snapshot(matrix)
        old_grid = matrix.grid
        appetite_key = _level_key(matrix.levels, matrix.appetite)
        for name, value in matrix_fields(definition).items():
            setattr(matrix, name, value)
        keys = [level.key for level in definition.levels]
        matrix.appetite = keys.index(appetite_key) + 1 if appetite_key in keys else definition.appetite
        matrix.full_clean()
        changes = audit.diff(before, audit.snapshot(matrix))
        if not changes:
            outcome.unchanged.append(definition.urn)
            continue
        matrix.save()
        _record(matrix, AuditAction.UPDATE, before, context)
        outcome.changed[definition.urn] = sorted(changes)
        if matrix.grid != old_grid:
            context.events.extend(rederive_scenario_levels(matrix, by=context.by, reason=context.reason))
    outcome.removed = sorted(
        RiskMatrix.objects.filter(library_urn=context.library_urn)
        .exclude(urn__in=urns)
        .values_list("urn", flat=True)
    )
    return outcome


def _level_key(levels: Sequence[Any], rank: int) -> str | None:
    if 1 <= rank <= len(levels) and isinstance(levels[rank - 1], dict):
        return str(levels[rank - 1].get("key", ""))
    return None


def threat_fields(definition: library_format.ThreatDefinition) -> dict[str, str]:
    return {
        "reference": definition.ref_id,
        "name": definition.name,
        "name_zh": definition.name_zh,
        "category": definition.category,
        "description": definition.description,
        "description_zh": definition.description_zh,
    }


def apply_threats(
    definitions: Sequence[library_format.ThreatDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's threats; every field of a loaded threat belongs to its library."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {threat.urn: threat for threat in Threat.objects.filter(urn__in=urns)}
    for definition in definitions:
        threat = existing.get(definition.urn)
        if threat is None:
            threat = Threat(urn=definition.urn, library_urn=context.library_urn, **threat_fields(definition))
            threat.full_clean()
            threat.save()
            _record(threat, AuditAction.CREATE, {}, context)
            outcome.added.append(definition.urn)
            continue
        if threat.library_urn != context.library_urn:
            outcome.errors.append(f"{definition.urn}, urn: already used by {owner_of(threat.library_urn)}")
            continue
        before = audit.snapshot(threat)
        for name, value in threat_fields(definition).items():
            setattr(threat, name, value)
        threat.full_clean()
        changes = audit.diff(before, audit.snapshot(threat))
        if not changes:
            outcome.unchanged.append(definition.urn)
            continue
        threat.save()
        _record(threat, AuditAction.UPDATE, before, context)
        outcome.changed[definition.urn] = sorted(changes)
    outcome.removed = sorted(
        Threat.objects.filter(library_urn=context.library_urn)
        .exclude(urn__in=urns)
        .values_list("urn", flat=True)
    )
    return outcome


register_kind(
    MATRICES,
    KindLoader(
        domain=Domain.RISKS,
        label=_("risk matrices"),
        parse=library_format.parse_risk_matrix,
        apply=apply_matrices,
        order=100,
    ),
)
register_kind(
    THREATS,
    KindLoader(
        domain=Domain.RISKS,
        label=_("threats"),
        parse=library_format.parse_threat,
        apply=apply_threats,
        order=200,
    ),
)
