"""An object's history as shown on its page: audit events, newest first, with
field-level changes labelled and foreign keys named where the person may see them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from garrison.core.audit import REDACTED, history_of
from garrison.core.models import AuditEvent
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class FieldChange:
    label: str | Promise
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    changes: list[FieldChange]
    # A creation has no "before": the page shows only the values it was made with.
    is_creation: bool = False


@dataclass(frozen=True)
class History:
    entries: list[HistoryEntry]
    is_truncated: bool
    object_type: str
    object_id: str
    may_open_trail: bool


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _related_names(
    model: type[models.Model], events: list[AuditEvent], person: Any
) -> dict[str, dict[str, str]]:
    """For each foreign-key field changed in `events`, the names of the objects its
    values point to, among the objects the person may see (one query per field)."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for event in events:
        for name, values in (event.changes or {}).items():
            field = _field(model, name)
            if field is None or not field.is_relation or not isinstance(values, list):
                continue
            for value in values:
                # A many-to-many change records the lists of ids before and after.
                members = value if isinstance(value, list) else [value]
                wanted[name].update(member for member in members if member not in (None, ""))
    names: dict[str, dict[str, str]] = {}
    for name, ids in wanted.items():
        field = _field(model, name)
        related = field.related_model if field is not None else None
        if not isinstance(related, type) or not hasattr(related, "scope"):
            continue
        visible = restrict(related._default_manager.filter(pk__in=ids), person, Action.VIEW)
        names[name] = {str(obj.pk): str(obj) for obj in visible}
    return names


def _display(field: models.Field[Any, Any] | None, value: Any, related: dict[str, str]) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        shown = [_display(field, member, related) for member in value]
        return ", ".join(str(member) for member in shown if member is not None) or None
    if value == REDACTED:
        return _("[redacted]")
    if field is None:
        return value
    if field.is_relation:
        return related.get(str(value), f"#{value}")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def history_for(obj: models.Model, person: Any, *, limit: int = HISTORY_LIMIT) -> History:
    """The newest `limit` events about `obj`, ready for web/partials/history.html."""
    model = type(obj)
    events = list(history_of(obj)[: limit + 1])
    is_truncated = len(events) > limit
    events = events[:limit]
    related = _related_names(model, events, person)
    entries = []
    for event in events:
        changes = []
        for name, values in sorted((event.changes or {}).items()):
            field = _field(model, name)
            before, after = values if isinstance(values, list) and len(values) == 2 else (None, values)
            names = related.get(name, {})
            changes.append(
                FieldChange(
                    field.verbose_name if field is not None else name,
                    _display(field, before, names),
                    _display(field, after, names),
                )
            )
        is_creation = event.action == AuditAction.CREATE
        if is_creation:
            changes = [change for change in changes if change.after not in (None, "")]
        entries.append(HistoryEntry(event, changes, is_creation))
    return History(
        entries=entries,
        is_truncated=is_truncated,
        object_type=model._meta.label_lower,
        object_id=str(obj.pk),
        may_open_trail=has_grant(person, Domain.AUDIT, Action.VIEW),
    )
