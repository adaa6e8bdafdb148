"""Fixtures of the incident tests: a handler and a Security Officer in Beijing, a few
GB/T 20986-2023 categories, and cases made directly (for tests whose subject is not the
case itself; the case service has its own tests)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from typing import Any

import pytest

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.incidents.models import Incident, IncidentCategory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def shanghai(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment given in Asia/Shanghai wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def security_officer(organisation: Any, make_person: Any) -> Person:
    """A Security Officer over the whole Group (writes incidents, reads the organisation)."""
    return make_person("secofficer", organisation.root, (Role.SECURITY_OFFICER, organisation.root))


@pytest.fixture
def handler(organisation: Any, make_person: Any) -> Person:
    """A Security Officer of the Beijing site who handles the cases."""
    return make_person("handler", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))


@pytest.fixture
def categories(db: Any) -> dict[str, IncidentCategory]:
    """MP (with MP-RW ransomware), NA (with NA-DOS) and DS (with DS-LK data leak)."""
    made: dict[str, IncidentCategory] = {}
    for order, (code, name, subcode, subname) in enumerate(
        [
            ("MP", "Malicious program incident", "MP-RW", "Ransomware incident"),
            ("NA", "Network attack incident", "NA-DOS", "Denial-of-service incident"),
            ("DS", "Data security incident", "DS-LK", "Data leak incident"),
        ]
    ):
        parent = IncidentCategory.objects.create(
            urn=f"urn:test:incident-category:{code.lower()}", code=code, name=name, order=order
        )
        child = IncidentCategory.objects.create(
            urn=f"urn:test:incident-category:{subcode.lower()}", code=subcode, name=subname, parent=parent
        )
        made[code] = parent
        made[subcode] = child
    return made


@pytest.fixture
def make_incident(organisation: Any, handler: Person, categories: dict[str, IncidentCategory]) -> Any:
    """Make a case straight in the database: `make_incident(title=..., **fields)`."""

    def make(**fields: Any) -> Incident:
        number = next(_numbers)
        fields.setdefault("reference", f"INC-T{number:05d}")
        fields.setdefault("title", f"Test incident {number}")
        fields.setdefault("category", categories["NA"])
        fields.setdefault("discovered_at", shanghai(2026, 3, 2, 9))
        fields.setdefault("handler", handler)
        fields.setdefault("unit", organisation.beijing)
        return Incident.objects.create(**fields)

    return make
