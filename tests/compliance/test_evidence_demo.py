"""The evidence demo step, run on the test organisation (its sites have the demo's codes)."""

from __future__ import annotations

from typing import Any

from garrison.compliance.demo_evidence import seed_evidence
from garrison.compliance.models import Evidence, EvidenceKind, EvidenceRequest, RequestStatus
from garrison.compliance.services.evidence import validity_of
from garrison.core.demo.registry import DemoContext, registered_steps
from garrison.core.models import StoredFile
from tests.compliance.evidence_support import *  # noqa: F403


def run_step(organisation: Any, people: list[Any], compliance: Any) -> DemoContext:
    context = DemoContext(scale=1, seed=7, password_hash="")
    context.units = {
        unit.code: unit for unit in (organisation.root, organisation.beijing, organisation.shanghai)
    }
    context.people = {person.username: person for person in [*people, compliance]}
    context.people["compliance"] = compliance
    seed_evidence(context)
    return context


def digest() -> list[tuple[Any, ...]]:
    return list(
        Evidence.objects.order_by("reference").values_list(
            "name",
            "kind",
            "owner__username",
            "valid_until",
            "current_version__number",
            "current_version__sha256",
        )
    )


def test_the_step_is_registered_after_the_controls() -> None:
    step = next(item for item in registered_steps() if item.name == "compliance-evidence")
    assert step.order == 410


def test_it_makes_fifteen_pieces_with_versions_validity_and_requests(
    organisation: Any, owner: Any, colleague: Any, outsider: Any, evidence_manager: Any
) -> None:
    context = run_step(organisation, [owner, colleague, outsider], evidence_manager)
    assert context.counts["evidence"] == 15
    assert Evidence.objects.filter(unit=organisation.beijing).count() == 8
    assert Evidence.objects.filter(unit=organisation.shanghai).count() == 7
    states = [validity_of(item.valid_until) for item in Evidence.objects.all()]
    assert states.count("expired") == 1
    assert states.count("expiring") >= 3
    assert Evidence.objects.filter(current_version__number__gt=1).exists()
    assert Evidence.objects.filter(kind=EvidenceKind.LINK).exists()
    assert StoredFile.objects.exists()
    requests = list(EvidenceRequest.objects.filter(status=RequestStatus.OPEN))
    assert len(requests) == 2
    assert sum(1 for item in requests if validity_of(item.due_on) == "expired") == 1


def test_it_is_deterministic(
    organisation: Any,
    owner: Any,
    colleague: Any,
    outsider: Any,
    evidence_manager: Any,
    django_db_blocker: Any,
) -> None:
    run_step(organisation, [owner, colleague, outsider], evidence_manager)
    first = digest()
    EvidenceRequest.objects.all().delete()
    for evidence in Evidence.objects.all():
        evidence.delete()
    run_step(organisation, [owner, colleague, outsider], evidence_manager)
    assert [row[:5] for row in digest()] == [row[:5] for row in first]
    assert [row[5] for row in digest()] == [row[5] for row in first]
