"""Proving that the logs behind a weekly report are unchanged.

Each batch's SHA-256 is a leaf of its source's Merkle tree (RFC 6962 shape, see
garrison.logaudit.engine.merkle), in the order of the batches' sequence numbers. A report
records the tree's size and head when its audit ran. To verify it, every stored batch of
that prefix of the tree is hashed again and compared with its sealed hash, and the head
is recomputed over the recorded hashes and compared with the report's. A batch deleted
under retention keeps its hash, so the head still verifies; only its content can no
longer be re-hashed, and the check says how many such batches it met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from garrison.core.services import files
from garrison.logaudit.engine.merkle import tree_head
from garrison.logaudit.models import AuditReport, LogBatch, LogSource, ReportStatus

# A blob's hash as found in one run of the verification: None when the blob is missing.
BlobHashes = dict[str, str | None]


@dataclass
class SealCheck:
    """What verifying one report found: `problems` name each batch and what differs."""

    report: AuditReport
    ok: bool
    problems: list[str] = field(default_factory=list)
    batches_checked: int = 0
    batches_pruned: int = 0


def leaf_hashes(source: LogSource, size: int) -> list[str]:
    """The sealed hashes of the source's batches 0 … size-1, in order. ValueError when the
    source has fewer batches, or a gap in their numbering."""
    hashes = list(
        LogBatch.objects.filter(source=source, sequence__lt=size)
        .order_by("sequence")
        .values_list("sequence", "sha256")
    )
    if [sequence for sequence, _sha in hashes] != list(range(size)):
        raise ValueError(f"source {source.pk} has no complete run of batches 0 … {size - 1}")
    return [sha for _sequence, sha in hashes]


def tree_head_for(source: LogSource, size: int) -> str:
    """The head of the source's Merkle tree over its first `size` batches (hex)."""
    return tree_head(leaf_hashes(source, size))


def current_tree(source: LogSource) -> tuple[int, str]:
    """The size and head of the source's whole tree now."""
    size = LogBatch.objects.filter(source=source).count()
    return size, tree_head_for(source, size)


def _blob_hash(storage_name: str, cache: BlobHashes) -> str | None:
    if storage_name not in cache:
        cache[storage_name] = (
            files.blob_sha256(storage_name) if default_storage.exists(storage_name) else None
        )
    return cache[storage_name]


def _label(batch: LogBatch) -> str:
    return _("batch %(sequence)d (%(file)s)") % {"sequence": batch.sequence, "file": batch.filename}


def _check_batch(batch: LogBatch, cache: BlobHashes, check: SealCheck) -> None:
    if batch.pruned_at is not None:
        check.batches_pruned += 1
        return
    if batch.stored_file is None:
        check.problems.append(
            _("%(batch)s: its content is gone but it was not deleted under retention")
            % {"batch": _label(batch)}
        )
        return
    actual = _blob_hash(batch.stored_file.storage_name, cache)
    check.batches_checked += 1
    if actual is None:
        check.problems.append(_("%(batch)s: the stored file is missing") % {"batch": _label(batch)})
    elif actual != batch.sha256:
        check.problems.append(
            _("%(batch)s: its content now hashes to %(actual)s, sealed as %(sealed)s")
            % {"batch": _label(batch), "actual": actual, "sealed": batch.sha256}
        )


def verify_report(report: AuditReport, *, cache: BlobHashes | None = None) -> SealCheck:
    """Re-hash the stored batches behind `report` and recompute its tree head. `cache`
    carries blob hashes between reports of one run, so a blob is read once."""
    cache = {} if cache is None else cache
    check = SealCheck(report=report, ok=False)
    batches = list(
        LogBatch.objects.filter(source_id=report.source_id, sequence__lt=report.tree_size)
        .select_related("stored_file")
        .order_by("sequence")
    )
    found = {batch.sequence for batch in batches}
    for sequence in range(report.tree_size):
        if sequence not in found:
            check.problems.append(_("batch %(sequence)d is missing") % {"sequence": sequence})
    for batch in batches:
        _check_batch(batch, cache, check)
    if not report.tree_head:
        check.problems.append(_("the report records no tree head"))
    else:
        head = tree_head([batch.sha256 for batch in batches])
        if head != report.tree_head:
            check.problems.append(
                _("the tree head over %(size)d batches is %(actual)s, the report recorded %(recorded)s")
                % {"size": report.tree_size, "actual": head, "recorded": report.tree_head}
            )
    check.ok = not check.problems
    return check


def verify_signed_reports(reports: Iterable[AuditReport] | None = None) -> list[SealCheck]:
    """Verify `reports`, or every signed report, in one run (each blob hashed once)."""
    if reports is None:
        reports = (
            AuditReport.objects.filter(status=ReportStatus.SIGNED).select_related("source").order_by("pk")
        )
    cache: BlobHashes = {}
    return [verify_report(report, cache=cache) for report in reports]
