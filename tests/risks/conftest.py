"""Fixtures of the risk register's tests, shared by every risks test module.

`matrix` is the shipped default 5x5 matrix, built from the same data as the library
YAML; `risk_owner` is a risk owner on the Beijing site; `make_scenario` creates a
scenario through the service, as the system, with sensible defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Role
from garrison.risks.models import RiskMatrix, RiskScenario
from tests.conftest import Organisation

DEFAULT_MATRIX_URN = "urn:garrison:risk-matrix:default-5x5"
LIKELIHOOD_NAMES = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
IMPACT_NAMES = ("Negligible", "Minor", "Moderate", "Major", "Severe")
LEVELS = (
    ("low", "Low", "#2e7d32"),
    ("medium", "Medium", "#f9a825"),
    ("high", "High", "#ef6c00"),
    ("critical", "Critical", "#c62828"),
)
GRID = (
    (1, 1, 1, 2, 2),
    (1, 1, 2, 2, 3),
    (1, 2, 2, 3, 3),
    (2, 2, 3, 3, 4),
    (2, 3, 3, 4, 4),
)
APPETITE = 2


def default_matrix_fields() -> dict[str, Any]:
    """The default matrix's stored shape (the same data helper D ships in YAML)."""
    return {
        "name": "Default 5x5",
        "likelihood": [{"name": name, "name_zh": "", "description": ""} for name in LIKELIHOOD_NAMES],
        "impact": [{"name": name, "name_zh": "", "description": ""} for name in IMPACT_NAMES],
        "levels": [
            {"key": key, "name": name, "name_zh": "", "colour": colour} for key, name, colour in LEVELS
        ],
        "grid": [list(row) for row in GRID],
        "appetite": APPETITE,
        "is_default": True,
    }


@pytest.fixture
def matrix(db: Any) -> RiskMatrix:
    """The default 5x5 matrix (reused when the library loader already put it there)."""
    matrix, _created = RiskMatrix.objects.update_or_create(
        urn=DEFAULT_MATRIX_URN, defaults=default_matrix_fields()
    )
    return matrix


@pytest.fixture
def risk_owner(organisation: Organisation, make_person: Any) -> Person:
    """A risk owner on the Beijing site: may add and change risks there, not approve them."""
    return make_person("riskowner", organisation.beijing, Role.RISK_OWNER)


@pytest.fixture
def make_scenario(organisation: Organisation, matrix: RiskMatrix, risk_owner: Person) -> Any:
    """Create a scenario through `create_scenario` as the system (`by=None` unless given).

    Ratings are pairs (likelihood, impact); the unit defaults to the Beijing site and
    the owner to `risk_owner`. Any other keyword goes to the service as it is.
    """
    from garrison.risks.services.scenarios import create_scenario

    def make(
        title: str = "Power loss in hall A",
        *,
        unit: OrgUnit | None = None,
        owner: Person | None = None,
        matrix_used: RiskMatrix | None = None,
        inherent: tuple[int, int] = (4, 4),
        current: tuple[int, int] = (3, 3),
        target: tuple[int, int] | None = None,
        assets: Sequence[Any] = (),
        threats: Sequence[Any] = (),
        by: Person | None = None,
        **fields: Any,
    ) -> RiskScenario:
        values: dict[str, Any] = {
            "title": title,
            "unit": unit or organisation.beijing,
            "owner": owner or risk_owner,
            "matrix": matrix_used or matrix,
            "inherent_likelihood": inherent[0],
            "inherent_impact": inherent[1],
            "current_likelihood": current[0],
            "current_impact": current[1],
            "target_likelihood": target[0] if target else None,
            "target_impact": target[1] if target else None,
            "assets": assets,
            "threats": threats,
        }
        values.update(fields)
        return create_scenario(by=by, **values)

    return make
