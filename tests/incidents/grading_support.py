"""Fixtures of the grading tests: an Administrator over the whole Group, and the grading
thresholds of the shipped library written straight to the database (without its
categories, which would clash with the `categories` fixture of the incident tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.incidents.library_format import ThresholdDefinition
from garrison.incidents.models import GradingThreshold
from garrison.library import format as library_format
from garrison.library import registry

SHIPPED_LIBRARY = Path(__file__).resolve().parents[2] / "src/garrison/incidents/data/incident-response.yaml"
LIBRARY_URN = "urn:garrison:library:incident-response"


def shipped_thresholds() -> list[ThresholdDefinition]:
    parsed = library_format.parse_library(SHIPPED_LIBRARY.read_bytes(), registry.parsers())
    assert parsed.library is not None, parsed.messages
    return list(parsed.library.objects["grading_thresholds"])


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    """An Administrator over the whole Group: the one who may edit the thresholds."""
    return make_person("admin", organisation.root, (Role.ADMINISTRATOR, organisation.root))


@pytest.fixture
def thresholds(db: Any) -> list[GradingThreshold]:
    return [
        GradingThreshold.objects.create(
            urn=definition.urn,
            library_urn=LIBRARY_URN,
            metric=definition.metric,
            threshold=definition.threshold,
            grade=definition.grade,
            source=definition.source,
            effective_from=definition.effective_from,
        )
        for definition in shipped_thresholds()
    ]
