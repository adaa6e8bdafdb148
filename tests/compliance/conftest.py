"""Fixtures and library documents for the compliance tests: small, valid by default,
changed per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from garrison.core.models import Person
from garrison.core.roles import Role

SAMPLES = Path("/work/shared/samples/oscal")
LOW_BASELINE = SAMPLES / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"
BASIC_CATALOG = SAMPLES / "basic-catalog.json"
HIGH_PROFILE = SAMPLES / "NIST_SP-800-53_rev5_HIGH-baseline_profile.json"

LIBRARY_URN = "urn:test:library:compliance-basics"
FRAMEWORK_URN = "urn:test:framework:alpha"
OTHER_FRAMEWORK_URN = "urn:test:framework:beta"
MAPPING_URN = "urn:test:mapping:alpha-to-beta"


def control(number: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urn": f"urn:test:control:c{number}",
        "ref_id": f"RC-{number:02d}",
        "category": "policy",
        "function": "govern",
        "name": f"Control {number}",
        "name_zh": f"控制{number}",
        "description": f"What control {number} does.",
    }
    data.update(changes)
    return data


def requirement(framework: str, key: str, parent: str | None = None, **changes: Any) -> dict[str, Any]:
    prefix = framework.replace(":framework:", ":req:")
    data: dict[str, Any] = {"urn": f"{prefix}:{key}", "ref_id": key.upper(), "name": f"Requirement {key}"}
    if parent is not None:
        data["parent_urn"] = f"{prefix}:{parent}"
    data.update(changes)
    return data


def framework(
    urn: str = FRAMEWORK_URN, requirements: list[dict[str, Any]] | None = None, **changes: Any
) -> dict[str, Any]:
    """A framework with one heading (`1`, not assessable) holding `1.1` and `1.2`, and `2`."""
    if requirements is None:
        requirements = [
            requirement(urn, "1", assessable=False, name="Governance"),
            requirement(urn, "1.1", "1", reference_controls=["urn:test:control:c1"]),
            requirement(urn, "1.2", "1"),
            requirement(urn, "2", name="Operations"),
        ]
    data: dict[str, Any] = {
        "urn": urn,
        "ref_id": urn.rsplit(":", 1)[-1].title(),
        "name": f"Framework {urn.rsplit(':', 1)[-1]}",
        "provider": "Tests",
        "requirements": requirements,
    }
    data.update(changes)
    return data


def mapping(relations: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    if relations is None:
        relations = [
            {
                "source_urn": "urn:test:req:alpha:1.1",
                "target_urn": "urn:test:req:beta:1.1",
                "relation": "equal",
                "strength": 3,
                "rationale": "Both ask for the same thing.",
            },
            {
                "source_urn": "urn:test:req:alpha:2",
                "target_urn": "urn:test:req:beta:1.2",
                "relation": "subset",
            },
        ]
    data: dict[str, Any] = {
        "urn": MAPPING_URN,
        "name": "Alpha to beta",
        "source_framework_urn": FRAMEWORK_URN,
        "target_framework_urn": OTHER_FRAMEWORK_URN,
        "relations": relations,
    }
    data.update(changes)
    return data


def library(
    version: int = 1,
    *,
    controls: Any = None,
    frameworks: Any = None,
    mappings: Any = None,
    **header: Any,
) -> dict[str, Any]:
    objects: dict[str, Any] = {
        "reference_controls": [control(1), control(2)] if controls is None else controls,
        "frameworks": [framework(), framework(OTHER_FRAMEWORK_URN)] if frameworks is None else frameworks,
        "mappings": [mapping()] if mappings is None else mappings,
    }
    data: dict[str, Any] = {
        "urn": LIBRARY_URN,
        "version": version,
        "name": "Compliance basics",
        "objects": {kind: items for kind, items in objects.items() if items},
    }
    data.update(header)
    return data


def dump(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def write(directory: Path, data: dict[str, Any], name: str) -> Path:
    path = directory / name
    path.write_bytes(dump(data))
    return path


@pytest.fixture
def compliance_manager(organisation: Any, make_person: Any) -> Person:
    """Holds the compliance manager role on the root unit: may load compliance libraries."""
    return make_person("compliance", organisation.root, (Role.COMPLIANCE_MANAGER, organisation.root))
