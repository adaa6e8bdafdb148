"""Fixtures of the log-audit tests: a Security Officer of the Beijing site who runs the
weekly audits, one over the whole Group who signs what others escalate, and a critical
information system with a server whose logs are audited."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from garrison.assets.models import Asset, AssetType
from garrison.core.models import Person
from garrison.core.roles import Role

SIGMA_SAMPLES = Path("/work/shared/samples/sigma/rules/linux")
EVENT_GENERATOR = Path("/work/shared/benchmarks/gen_linux_events.py")
DATA = Path(__file__).parent / "data"
_numbers = itertools.count(1)


def restore_default_policy() -> None:
    """Put back the policy row migration 0002 seeds, where a transactional test's flush
    removed it; idempotent."""
    migration = importlib.import_module("garrison.logaudit.migrations.0002_default_policy")
    migration.create_policy(apps, None)


@pytest.fixture(autouse=True)
def default_policy(request: Any) -> None:
    """Tests that use the database find the policy row; the engine's tests use none."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    restore_default_policy()


@pytest.fixture
def security_officer(organisation: Any, make_person: Any) -> Person:
    """A Security Officer of the Beijing site: registers log sources, triages and signs."""
    return make_person("secofficer", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))


@pytest.fixture
def ciso(organisation: Any, make_person: Any) -> Person:
    """A Security Officer over the whole Group: receives escalations, may sign any report."""
    return make_person("ciso", organisation.root, (Role.SECURITY_OFFICER, organisation.root))


@pytest.fixture
def make_asset(organisation: Any, owner: Person) -> Any:
    """Make an asset straight in the database: `make_asset(name=..., **fields)`."""

    def make(**fields: Any) -> Asset:
        number = next(_numbers)
        fields.setdefault("reference", f"AST-L{number:05d}")
        fields.setdefault("name", f"server-{number}")
        fields.setdefault("asset_type", AssetType.SERVER)
        fields.setdefault("owner", owner)
        fields.setdefault("unit", organisation.beijing)
        return Asset.objects.create(**fields)

    return make


@pytest.fixture
def critical_system(make_asset: Any) -> Asset:
    """The billing database server, part of a critical information system in Beijing."""
    return make_asset(name="billing-db", is_critical_system=True)
