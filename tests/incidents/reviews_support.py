"""Helpers of the post-incident review tests: a case in recovery, risk scenarios and
applied controls in a given unit."""

from __future__ import annotations

import itertools
from typing import Any

from garrison.compliance.models import AppliedControl
from garrison.core.models import OrgUnit, Person
from garrison.incidents.models import Grade, Incident, IncidentStatus
from garrison.risks.models import RiskMatrix, RiskScenario

_numbers = itertools.count(1)


def make_risk(unit: OrgUnit, owner: Person, title: str = "Ransomware on the file servers") -> RiskScenario:
    number = next(_numbers)
    matrix, _created = RiskMatrix.objects.get_or_create(
        urn="urn:test:matrix:reviews",
        defaults={"name": "Test", "likelihood": [], "impact": [], "levels": [], "grid": [], "appetite": 1},
    )
    return RiskScenario.objects.create(
        reference=f"RSK-R{number:04d}",
        title=title,
        unit=unit,
        owner=owner,
        matrix=matrix,
        inherent_likelihood=1,
        inherent_impact=1,
        inherent_level=1,
        current_likelihood=1,
        current_impact=1,
        current_level=1,
    )


def make_control(unit: OrgUnit, owner: Person, name: str = "Offline backups") -> AppliedControl:
    number = next(_numbers)
    return AppliedControl.objects.create(reference=f"CTL-R{number:04d}", name=name, unit=unit, owner=owner)


def case_in_recovery(make_incident: Any, **fields: Any) -> Incident:
    fields.setdefault("status", IncidentStatus.RECOVERY)
    fields.setdefault("grade", Grade.RELATIVELY_MAJOR)
    return make_incident(**fields)
