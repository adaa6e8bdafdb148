"""Proposing an assessment's results from an assessment of a mapped framework.

The rules are those of the pure engine (`garrison.compliance.inference`); this module reads
the mapping sets and results, and writes the proposals: only into results nobody has
assessed yet (an earlier inferred result is replaced, a person's result never), each marked
inferred with the source result it came from, in one transaction with one audit event per
changed row. An inferred result counts only once a person confirms it, so inferred results
of the source assessment are not carried further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.compliance import inference
from garrison.compliance.models import (
    Assessment,
    Framework,
    MappingSet,
    Relation,
    RequirementMapping,
    RequirementResult,
    Result,
)
from garrison.core import audit
from garrison.core.models.audit import AuditAction

SOURCE_FIELD = "source_assessment"
# Fields an inference writes on a target result; the audit event lists those that changed.
INFERRED_FIELDS = ("result", "justification", "is_inferred", "inferred_from")


@dataclass(frozen=True)
class InferenceSummary:
    """What one inference did: results proposed (new or replacing an earlier proposal),
    results left alone because a person assessed them, proposals already in place."""

    proposed: int
    skipped_assessed: int
    unchanged: int


def mapping_sets_between(first: Framework, second: Framework) -> models.QuerySet[MappingSet]:
    """The mapping sets linking two frameworks, written in either direction."""
    return MappingSet.objects.filter(
        Q(source_framework=first, target_framework=second)
        | Q(source_framework=second, target_framework=first)
    )


def mapped_framework_ids(framework: Framework) -> set[int]:
    """The frameworks some mapping set links `framework` to, in either direction."""
    pairs = MappingSet.objects.filter(Q(source_framework=framework) | Q(target_framework=framework))
    ids: set[int] = set()
    for source_id, target_id in pairs.values_list("source_framework_id", "target_framework_id"):
        ids.add(target_id if source_id == framework.pk else source_id)
    ids.discard(framework.pk)
    return ids


def links_between(source: Framework, target: Framework) -> list[inference.Link]:
    """Every relation from `source` to `target`, mapping sets written target → source inverted."""
    sets = mapping_sets_between(source, target)
    rows = RequirementMapping.objects.filter(mapping_set__in=sets).values_list(
        "mapping_set__source_framework_id", "source_id", "target_id", "relation", "strength"
    )
    links = []
    for set_source_id, source_id, target_id, relation, strength in rows:
        if set_source_id == source.pk:
            links.append(inference.Link(source_id, target_id, relation, strength))
        else:
            links.append(inference.reverse_link(source_id, target_id, relation, strength))
    return links


def _refuse_unlinked(target: Assessment, source: Assessment) -> None:
    if target.pk == source.pk:
        raise ValidationError({SOURCE_FIELD: [_("An assessment cannot be inferred from itself.")]})
    if (
        target.framework_id == source.framework_id
        or not mapping_sets_between(source.framework, target.framework).exists()
    ):
        raise ValidationError(
            {
                SOURCE_FIELD: [
                    _("No mapping set links %(source)s and %(target)s: there is nothing to infer from.")
                    % {"source": source.framework, "target": target.framework}
                ]
            }
        )


def _justification(source: Assessment, proposal: inference.Proposal, references: dict[int, str]) -> str:
    sources = "; ".join(
        _("%(requirement)s %(result)s (%(relation)s)")
        % {
            "requirement": references.get(basis.source, "?"),
            "result": Result(basis.source_result).label,
            "relation": Relation(basis.relation).label.lower(),
        }
        for basis in proposal.bases
    )
    return _("Inferred from assessment %(assessment)s: %(sources)s. To be confirmed.") % {
        "assessment": source.reference,
        "sources": sources,
    }


@transaction.atomic
def infer_results(target: Assessment, source: Assessment, *, by: Any) -> InferenceSummary:
    """Propose results of `target` from the results of `source` through the mapping sets
    linking their frameworks. Never overwrites a result a person set."""
    _refuse_unlinked(target, source)
    source_rows = {
        row.requirement_id: row
        for row in RequirementResult.objects.filter(assessment=source, is_inferred=False)
        .exclude(result=Result.NOT_ASSESSED)
        .select_related("requirement")
    }
    proposals = inference.propose(
        links_between(source.framework, target.framework),
        {requirement_id: row.result for requirement_id, row in source_rows.items()},
    )
    references = {requirement_id: row.requirement.reference for requirement_id, row in source_rows.items()}
    target_rows = {
        row.requirement_id: row
        for row in RequirementResult.objects.select_for_update()
        .filter(assessment=target, requirement_id__in=list(proposals))
        .select_related("requirement", "assessment__unit")
    }

    changed: list[RequirementResult] = []
    events: list[audit.PendingEvent] = []
    skipped = unchanged = 0
    now = timezone.now()
    reason = _("Inferred from assessment %(assessment)s.") % {"assessment": source.reference}
    for requirement_id, proposal in proposals.items():
        row = target_rows.get(requirement_id)
        if row is None:
            continue
        if row.result != Result.NOT_ASSESSED and not row.is_inferred:
            skipped += 1
            continue
        before = audit.snapshot(row)
        row.result = proposal.result
        row.justification = _justification(source, proposal, references)
        row.is_inferred = True
        row.inferred_from = source_rows[proposal.leading.source]
        row.clean_fields(exclude=["assessment", "requirement", "inferred_from", "assessed_by"])
        row.clean()
        changes = audit.diff(before, audit.snapshot(row))
        if not changes:
            unchanged += 1
            continue
        row.updated_at = now  # bulk_update does not apply auto_now
        changed.append(row)
        events.append(audit.pending_for(row, AuditAction.UPDATE, by=by, changes=changes, reason=reason))
    RequirementResult.objects.bulk_update(changed, [*INFERRED_FIELDS, "updated_at"])
    audit.record_many(events)
    return InferenceSummary(proposed=len(changed), skipped_assessed=skipped, unchanged=unchanged)
