"""Helpers of the incident case tests (part B): the fields of a valid case and a fixed
"now" the services are given, so no test depends on the wall clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.assets.models import Asset
from garrison.assets.services.inventory import create_asset
from garrison.core.models import Person
from garrison.incidents.models import IncidentCategory
from tests.conftest import Organisation
from tests.incidents.conftest import shanghai

NOW = shanghai(2026, 3, 2, 18)


def later(hours: float) -> dt.datetime:
    return NOW + dt.timedelta(hours=hours)


@pytest.fixture
def server(organisation: Organisation, handler: Person) -> Asset:
    """A Beijing application server the handler may see."""
    return create_asset(
        by=None, name="Payroll server", asset_type="server", owner=handler, unit=organisation.beijing
    )


@pytest.fixture
def case_fields(organisation: Organisation, handler: Person, categories: dict[str, IncidentCategory]) -> Any:
    """The fields of a valid Beijing case: `case_fields(**changes)`."""

    def make(**changes: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "title": "Denial of service on the web portal",
            "category": categories["NA"],
            "subcategory": categories["NA-DOS"],
            "occurred_at": shanghai(2026, 3, 2, 8),
            "discovered_at": shanghai(2026, 3, 2, 9),
            "handler": handler,
            "unit": organisation.beijing,
        }
        fields.update(changes)
        return fields

    return make
