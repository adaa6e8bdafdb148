"""Appending to and verifying the hash-chained audit trail.

Services call `record` (or `record_many` for bulk imports) inside their own
transaction, so an event exists exactly when the change it describes does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from garrison.core import chain, context
from garrison.core.models import AuditChainHead, AuditEvent, OrgUnit
from garrison.core.models.audit import AuditAction

SKIPPED_FIELDS = frozenset(
    {"password", "mfa_secret", "key_hash", "updated_at", "created_at", "path", "depth", "mfa_last_step"}
)
REDACTED = "[redacted]"
# Stored for events no person caused (jobs, the console); shown translated by the UI.
SYSTEM_ACTOR = "system"
REDACTED_FIELDS = frozenset({"password", "mfa_secret", "key_hash"})


@dataclass
class PendingEvent:
    """An event not yet chained: what happened, to what, by whom."""

    action: str
    object_type: str
    object_id: str
    object_repr: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    scope_path: str = ""
    actor: Any = None


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def scope_path_of(obj: models.Model) -> str:
    """The owning unit's path of `obj`, following its model's scope declaration."""
    if isinstance(obj, OrgUnit):
        return obj.path
    scope = getattr(type(obj), "scope", None)
    lookup = getattr(scope, "unit_path", None)
    if not lookup or lookup == "scope_path":
        return ""
    target: Any = obj
    for part in lookup.split("__")[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return ""
    return getattr(target, "path", "") or ""


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values of `obj` as they would be recorded (foreign keys by id)."""
    values: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.name in SKIPPED_FIELDS and model_field.name not in REDACTED_FIELDS:
            continue
        value = getattr(obj, model_field.attname)
        if model_field.name in REDACTED_FIELDS:
            value = REDACTED if value else ""
        values[model_field.name] = chain.to_jsonable(value)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes as {field: [before, after]}, only for fields that changed."""
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changed[name] = [before.get(name), after.get(name)]
    return changed


def pending_for(
    obj: models.Model, action: str, *, by: Any, changes: dict[str, Any] | None = None, reason: str = ""
) -> PendingEvent:
    return PendingEvent(
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        reason=reason,
        scope_path=scope_path_of(obj),
        actor=by,
    )


def record(
    obj: models.Model, action: str, *, by: Any, changes: dict[str, Any] | None = None, reason: str = ""
) -> AuditEvent:
    """Append one event about `obj`. Call inside the transaction that made the change."""
    return record_many([pending_for(obj, action, by=by, changes=changes, reason=reason)])[0]


def record_many(pending: Iterable[PendingEvent]) -> list[AuditEvent]:
    """Append events in one go, chained in the order given (bulk imports use this)."""
    items = list(pending)
    if not items:
        return []
    request = context.current()
    with transaction.atomic():
        head = _locked_head()
        now = timezone.now()
        previous_hash = head.hash or chain.GENESIS_HASH
        sequence = head.sequence
        events = []
        for item in items:
            sequence += 1
            actor = item.actor if getattr(item.actor, "pk", None) else None
            fields: dict[str, Any] = {
                "sequence": sequence,
                "occurred_at": now,
                "actor_id": actor.pk if actor else None,
                "actor_label": (
                    str(actor) if actor else (item.actor if isinstance(item.actor, str) else SYSTEM_ACTOR)
                )[:200],
                "action": item.action,
                "object_type": item.object_type,
                "object_id": item.object_id,
                "object_repr": item.object_repr,
                "changes": chain.to_jsonable(item.changes),
                "reason": item.reason,
                "request_id": request.request_id,
                "source_ip": request.source_ip,
                "scope_path": item.scope_path,
                "previous_hash": previous_hash,
            }
            fields["hash"] = chain.event_hash(fields)
            previous_hash = fields["hash"]
            events.append(AuditEvent(**fields))
        AuditEvent.objects.bulk_create(events)
        head.sequence = sequence
        head.hash = previous_hash
        head.save(update_fields=["sequence", "hash"])
    return events


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _event_rows(batch_size: int = 5000) -> Iterator[dict[str, Any]]:
    columns = [*chain.HASHED_FIELDS, "hash"]
    last = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=last).order_by("sequence").values(*columns)[:batch_size]
        )
        if not rows:
            return
        for row in rows:
            row["source_ip"] = row["source_ip"] or None
            yield row
        last = rows[-1]["sequence"]


def verify_trail() -> tuple[int, chain.ChainProblem | None]:
    """Check the whole chain; returns the number of good events and the first problem."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return chain.verify(
        _event_rows(),
        head_sequence=head.sequence if head else 0,
        head_hash=head.hash if head else None,
    )


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@contextmanager
def refusals_recorded(obj: models.Model, *, by: Any, attempted: str) -> Iterator[None]:
    """Record in the trail that `by` was refused `attempted` on `obj`, and why.

    Wrap the call of an atomic service: its transaction has rolled back by the time the
    refusal reaches here, so nothing of the attempt is kept but this event (the rules a
    regulator asks for: inviting a blacklisted supplier, approving one's own change).
    Refusals of objects the person may not see (Http404) are not recorded here: they are
    answered as if the object did not exist."""
    try:
        yield
    except ValidationError as error:
        if obj.pk is not None:
            record(
                obj,
                AuditAction.REFUSED,
                by=by,
                changes={"attempted": [None, attempted]},
                reason=_messages(error)[:2000],
            )
        raise


def history_of(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Events about `obj`, newest first."""
    return AuditEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).order_by(
        "-sequence"
    )
