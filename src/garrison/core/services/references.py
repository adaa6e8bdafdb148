"""Human references (R-000042, CTL-000007) numbered from a row's id.

A reference is given once, when the row is first saved, and never changes. A clash with a
reference someone typed by hand is resolved with a suffix rather than an error.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db import models, transaction

from garrison.core import audit
from garrison.core.models.audit import AuditAction

ModelT = TypeVar("ModelT", bound=models.Model)


def next_reference(instance: models.Model, prefix: str, *, width: int = 6, field: str = "reference") -> str:
    """`prefix` and the saved `instance`'s id zero-padded to `width` digits (no padding at 0),
    with "-2", "-3" … appended while another row of the same model already holds it."""
    base = f"{prefix}{instance.pk:0{width}d}" if width else f"{prefix}{instance.pk}"
    candidate, number = base, 1
    manager = type(instance)._default_manager
    while manager.filter(**{field: candidate}).exclude(pk=instance.pk).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def provisional_reference() -> str:
    """A unique placeholder for the first save, before the row has the id its reference
    is numbered from."""
    return f"new-{uuid.uuid4().hex[:30]}"


def save_numbered(obj: models.Model, prefix: str, *, width: int = 6) -> None:
    """Validate and first save `obj`, which has a `reference`: the one it was given, or when
    that is empty `prefix` and the new row's id (CTL-000007). Audit the creation after this,
    so that the event records the final reference rather than the placeholder."""
    given = str(getattr(obj, "reference", "") or "").strip()
    obj.reference = given or provisional_reference()  # type: ignore[attr-defined]
    obj.full_clean()
    obj.save()
    if not given:
        obj.reference = next_reference(obj, prefix, width=width)  # type: ignore[attr-defined]
        obj.save(update_fields=["reference"])


@transaction.atomic
def create_numbered_record(
    model: type[ModelT], prefix: str, *, by: Any, reason: str = "", width: int = 6, **fields: Any
) -> ModelT:
    """`records.create_record` for a model with a `reference` (see `save_numbered`)."""
    obj = model(**fields)
    save_numbered(obj, prefix, width=width)
    audit.record(obj, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(obj)), reason=reason)
    return obj
