"""Fixtures of the applied-control and control-testing tests.

Import them into a test module with ``from tests.compliance.controls_support import *``
(pytest finds fixtures by name in the module's namespace). The people: `manager` holds
the compliance manager role on the Beijing site, `shanghai_manager` on the Shanghai site;
`tester` is an employee in Beijing who tests controls; the `auditor` reads everything.
"""

from __future__ import annotations

from typing import Any

import pytest

from garrison.assets.models import Asset
from garrison.assets.services.inventory import create_asset
from garrison.compliance.models import AppliedControl
from garrison.compliance.services.controls import create_control
from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.risks.models import RiskMatrix, RiskScenario
from garrison.risks.services.scenarios import create_scenario
from tests.compliance.framework_library import Library, build_library
from tests.conftest import Organisation
from tests.risks.conftest import DEFAULT_MATRIX_URN, default_matrix_fields


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def manager(organisation: Organisation, make_person: Any) -> Person:
    return make_person("bjcompliance", organisation.beijing, Role.COMPLIANCE_MANAGER)


@pytest.fixture
def shanghai_manager(organisation: Organisation, make_person: Any) -> Person:
    return make_person("shcompliance", organisation.shanghai, Role.COMPLIANCE_MANAGER)


@pytest.fixture
def tester(organisation: Organisation, make_person: Any) -> Person:
    return make_person("tester", organisation.beijing, Role.EMPLOYEE)


@pytest.fixture
def beijing_asset(organisation: Organisation, tester: Person) -> Asset:
    return create_asset(
        by=None, name="Core switch", asset_type="network_device", owner=tester, unit=organisation.beijing
    )


@pytest.fixture
def shanghai_asset(organisation: Organisation, make_person: Any) -> Asset:
    keeper = make_person("keeper", organisation.shanghai, Role.EMPLOYEE)
    return create_asset(
        by=None,
        name="Shanghai storage",
        asset_type="network_device",
        owner=keeper,
        unit=organisation.shanghai,
    )


@pytest.fixture
def scenario(organisation: Organisation, tester: Person) -> RiskScenario:
    matrix, _created = RiskMatrix.objects.update_or_create(
        urn=DEFAULT_MATRIX_URN, defaults=default_matrix_fields()
    )
    return create_scenario(
        by=None,
        title="Backups cannot be restored",
        unit=organisation.beijing,
        owner=tester,
        matrix=matrix,
        inherent_likelihood=4,
        inherent_impact=4,
        current_likelihood=3,
        current_impact=3,
    )


@pytest.fixture
def make_control(organisation: Organisation, tester: Person) -> Any:
    """Create a control through the service as the system; Beijing, owned and tested by
    `tester`, implemented, tested quarterly, unless told otherwise."""

    def make(name: str = "Backup and restore test", **fields: Any) -> AppliedControl:
        values: dict[str, Any] = {
            "unit": organisation.beijing,
            "owner": tester,
            "status": "implemented",
            "test_frequency": "quarterly",
            "tester": tester,
            "test_success_criteria": "A sampled backup restores completely.",
        }
        values.update(fields)
        return create_control(by=None, name=name, **values)

    return make
