"""What kind loaders share to write a library's objects by URN (see registry.KindLoader).

An object belongs to the library that first loaded it (`library_urn`) or, with a blank
`library_urn`, to the organisation that added it in Garrison; another library never takes
it over. Events are collected in the load's context and appended to the audit trail at
once when every kind has applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.library.registry import ApplyContext, KindOutcome


def owner_of(library_urn: str) -> str:
    """Who holds an object, in the words of a refusal."""
    return f"library {library_urn}" if library_urn else "an object added in Garrison"


def record_event(obj: Model, action: str, changes: dict[str, Any], context: ApplyContext) -> None:
    context.events.append(
        audit.pending_for(obj, action, by=context.by, changes=changes, reason=context.reason)
    )


def upsert_by_urn(
    model: type[Model],
    urn: str,
    fields: dict[str, Any],
    existing: Model | None,
    context: ApplyContext,
    outcome: KindOutcome,
) -> Model | None:
    """Create or update one URN-keyed object of this library; None when the URN is taken."""
    if existing is None:
        obj = model(urn=urn, library_urn=context.library_urn, **fields)
        obj.full_clean()
        obj.save()
        record_event(obj, AuditAction.CREATE, audit.diff({}, audit.snapshot(obj)), context)
        outcome.added.append(urn)
        return obj
    library_urn = existing.library_urn  # type: ignore[attr-defined]
    if library_urn != context.library_urn:
        outcome.errors.append(f"{urn}, urn: already used by {owner_of(library_urn)}")
        return None
    before = audit.snapshot(existing)
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.full_clean()
    changes = audit.diff(before, audit.snapshot(existing))
    if changes:
        existing.save()
        record_event(existing, AuditAction.UPDATE, changes, context)
        outcome.changed[urn] = sorted(changes)
    else:
        outcome.unchanged.append(urn)
    return existing


def removed_urns(model: type[Model], context: ApplyContext, urns: Iterable[str]) -> list[str]:
    """URNs of this library's objects of `model` that the new version no longer holds."""
    return sorted(
        model._default_manager.filter(library_urn=context.library_urn)
        .exclude(urn__in=list(urns))
        .values_list("urn", flat=True)
    )
