"""Fixtures of the assessment tests: the small framework library of framework_library.py,
a compliance manager of the Beijing site, a control and evidence in Beijing and in
Shanghai, and an ISO assessment of Beijing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.compliance.models import AppliedControl, Assessment, Evidence
from garrison.compliance.services import assessments as services
from garrison.core.models import Person
from garrison.core.roles import Role
from tests.compliance.framework_library import Library, build_library


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def manager(organisation: Any, make_person: Any) -> Person:
    """Manages compliance in Beijing only."""
    return make_person("bjcompliance", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing))


@pytest.fixture
def shanghai_manager(organisation: Any, make_person: Any) -> Person:
    return make_person(
        "shcompliance", organisation.shanghai, (Role.COMPLIANCE_MANAGER, organisation.shanghai)
    )


def make_control(unit: Any, owner: Person, reference: str) -> AppliedControl:
    return AppliedControl.objects.create(
        reference=reference, name=f"Control {reference}", unit=unit, owner=owner
    )


def make_evidence(unit: Any, owner: Person, reference: str, **fields: Any) -> Evidence:
    return Evidence.objects.create(
        reference=reference, name=f"Evidence {reference}", unit=unit, owner=owner, **fields
    )


@pytest.fixture
def assessment(library: Library, organisation: Any, manager: Person) -> Assessment:
    return services.create_assessment(
        by=None,
        framework=library.iso,
        unit=organisation.beijing,
        lead=manager,
        name="ISO of Beijing",
        due_on=dt.date(2030, 1, 1),
    )


def result_of(assessment: Assessment, requirement: Any) -> Any:
    return assessment.results.get(requirement=requirement)
