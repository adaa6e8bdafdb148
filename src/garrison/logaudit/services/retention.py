"""Deleting logs past their retention period.

The policy keeps logs `retention_days` (at least the six months the Cybersecurity Law
asks for); nothing received inside that period can be deleted, not even by hand. Pruning
deletes a batch's content (its stored blob, unless something else still uses it) and
keeps the batch's row with its hash, so the Merkle tree heads recorded by reports still
verify. Each pruned batch gets an event in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import ForeignObjectRel, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import StoredFile
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import is_system, restrict
from garrison.logaudit.models import LogBatch
from garrison.logaudit.services.policy import current_policy

# Batches pruned per transaction: a long backlog is deleted in steps that each commit.
PRUNE_CHUNK = 500


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The earliest moment whose logs must still be kept at `now`."""
    moment = now or timezone.now()
    return moment - dt.timedelta(days=current_policy().retention_days)


def _refusal(before: dt.datetime, cutoff: dt.datetime) -> ValidationError:
    days = current_policy().retention_days
    return ValidationError(
        {
            "before": [
                _(
                    "Logs are kept for %(days)d days: only logs received before %(cutoff)s may be "
                    "deleted, not those up to %(before)s."
                )
                % {
                    "days": days,
                    "cutoff": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M"),
                    "before": timezone.localtime(before).strftime("%Y-%m-%d %H:%M"),
                }
            ]
        }
    )


def _prunable(before: dt.datetime, by: Any) -> QuerySet[LogBatch]:
    batches = LogBatch.objects.filter(received_at__lt=before, pruned_at__isnull=True)
    if not is_system(by):
        batches = restrict(batches, by, Action.DELETE)
    return batches.order_by("pk")


def _still_used(stored: StoredFile) -> bool:
    """Whether any row (a batch, an attachment, a report's matches …) still names the blob."""
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel):
            continue
        model = relation.related_model
        if not isinstance(model, type) or not issubclass(model, models.Model):
            continue
        if model._default_manager.filter(**{relation.field.name: stored.pk}).exists():
            return True
    return False


def _delete_unused(stored_ids: set[int]) -> None:
    for stored in StoredFile.objects.filter(pk__in=stored_ids).order_by("pk"):
        if _still_used(stored):
            continue
        storage_name = stored.storage_name
        stored.delete()
        # Only once the rows are gone for good: a rolled-back prune must keep its blob.
        transaction.on_commit(lambda name=storage_name: default_storage.delete(name))  # type: ignore[misc]


@transaction.atomic
def _prune_chunk(batch_ids: list[int], *, by: Any, reason: str) -> int:
    batches = list(
        LogBatch.objects.select_for_update()
        .filter(pk__in=batch_ids, pruned_at__isnull=True)
        .select_related("source__asset__unit")
        .order_by("pk")
    )
    now = timezone.now()
    pending = []
    stored_ids: set[int] = set()
    for batch in batches:
        if batch.stored_file_id is not None:
            stored_ids.add(batch.stored_file_id)
        pending.append(
            audit.pending_for(
                batch,
                AuditAction.UPDATE,
                by=by,
                changes={
                    "pruned_at": [None, now.isoformat()],
                    "stored_file": [batch.stored_file_id, None],
                },
                reason=reason,
            )
        )
    LogBatch.objects.filter(pk__in=[batch.pk for batch in batches]).update(pruned_at=now, stored_file=None)
    _delete_unused(stored_ids)
    audit.record_many(pending)
    return len(batches)


def prune_batches(*, before: dt.datetime, by: Any) -> int:
    """Delete the content of the batches received before `before` (those within the
    person's reach); how many were pruned. Refused when `before` lies inside the
    retention period."""
    if timezone.is_naive(before):
        before = timezone.make_aware(before)
    cutoff = retention_cutoff()
    if before > cutoff:
        raise _refusal(before, cutoff)
    reason = _("Retention: logs received before %(before)s.") % {
        "before": timezone.localtime(before).strftime("%Y-%m-%d %H:%M")
    }
    pruned = 0
    ids = list(_prunable(before, by).values_list("pk", flat=True))
    for start in range(0, len(ids), PRUNE_CHUNK):
        pruned += _prune_chunk(ids[start : start + PRUNE_CHUNK], by=by, reason=reason)
    return pruned


def prune_expired(now: dt.datetime | None = None) -> int:
    """The daily job: delete the content of every batch past the retention period (as of
    `now`, the job's scheduled time, and never later than the cutoff of this moment)."""
    return prune_batches(before=min(retention_cutoff(now), retention_cutoff()), by=None)
