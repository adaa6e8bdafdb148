"""Fixtures for the web tests: a crowd of people, larger than one page of a list."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import Person
from garrison.core.services import org

CROWD_SIZE = 30


@pytest.fixture
def crowd(organisation: Any) -> list[Person]:
    """Thirty people in Beijing Operations, named so that their order is predictable."""
    return [
        org.create_person(
            by=None,
            username=f"crowd{number:02d}",
            full_name=f"Crowd Member {number:02d}",
            unit=organisation.beijing_ops,
            job_title="Operator" if number % 2 else "Engineer",
        )
        for number in range(CROWD_SIZE)
    ]
