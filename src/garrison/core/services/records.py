"""Generic audited writes that domain services build on.

Each function validates the object (model validation, so the same rules hold for
the web form, the API and the CLI), saves it and appends the audit event in one
transaction. Domain services wrap these with their own rules and names.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from garrison.core import audit
from garrison.core.models.audit import AuditAction

ModelT = TypeVar("ModelT", bound=models.Model)


@transaction.atomic
def create_record(model: type[ModelT], *, by: Any, reason: str = "", **fields: Any) -> ModelT:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    audit.record(obj, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(obj)), reason=reason)
    return obj


@transaction.atomic
def update_record(obj: ModelT, *, by: Any, reason: str = "", **fields: Any) -> ModelT:
    """Set `fields` on `obj`; records an event only when something actually changed."""
    before = audit.snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        obj.save()
        audit.record(obj, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return obj


@transaction.atomic
def delete_record(obj: models.Model, *, by: Any, reason: str = "") -> None:
    event = audit.pending_for(
        obj, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(obj), {}), reason=reason
    )
    obj.delete()
    audit.record_many([event])
