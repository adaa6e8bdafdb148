"""Fixtures of the vulnerability tests: a Security Officer of the Beijing site who imports
and fixes findings, one over the whole Group who decides exceptions, servers with their
addresses and a critical information system that runs on one of them."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from garrison.assets.models import Asset, AssetDependency, AssetIdentifier, AssetType, IdentifierKind
from garrison.core.models import Person
from garrison.core.roles import Role

SAMPLES = Path("/work/shared/samples/vulns")
_numbers = itertools.count(1)


def restore_default_policy() -> None:
    """Put back the policy row migration 0002 seeds, where a transactional test's flush
    removed it; idempotent."""
    migration = importlib.import_module("garrison.vulns.migrations.0002_default_policy")
    migration.create_policy(apps, None)


@pytest.fixture(autouse=True)
def default_policy(db: Any) -> None:
    restore_default_policy()


@pytest.fixture
def security_officer(organisation: Any, make_person: Any) -> Person:
    """A Security Officer of the Beijing site: imports scans, works findings, asks for exceptions."""
    return make_person("secofficer", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))


@pytest.fixture
def ciso(organisation: Any, make_person: Any) -> Person:
    """A Security Officer over the whole Group: decides exceptions others ask for."""
    return make_person("ciso", organisation.root, (Role.SECURITY_OFFICER, organisation.root))


@pytest.fixture
def make_asset(organisation: Any, owner: Person) -> Any:
    """Make an asset straight in the database with its identifiers:
    `make_asset(name=..., ips=[...], hosts=[...], **fields)`."""

    def make(
        *, ips: tuple[str, ...] | list[str] = (), hosts: tuple[str, ...] | list[str] = (), **fields: Any
    ) -> Asset:
        number = next(_numbers)
        fields.setdefault("reference", f"AST-T{number:05d}")
        fields.setdefault("name", f"server-{number}")
        fields.setdefault("asset_type", AssetType.SERVER)
        fields.setdefault("owner", owner)
        fields.setdefault("unit", organisation.beijing)
        asset = Asset.objects.create(ip_addresses=list(ips), host_names=list(hosts), **fields)
        AssetIdentifier.objects.bulk_create(
            [AssetIdentifier(asset=asset, kind=IdentifierKind.IP_ADDRESS, value=ip) for ip in ips]
            + [AssetIdentifier(asset=asset, kind=IdentifierKind.HOST_NAME, value=host) for host in hosts]
        )
        return asset

    return make


@pytest.fixture
def critical_system(make_asset: Any) -> Asset:
    """The billing system, a critical information system running on the server 10.0.0.5."""
    server = make_asset(name="billing-db", ips=["10.0.0.5"], hosts=["billing-db.example.com"])
    system = make_asset(name="Billing system", asset_type=AssetType.APPLICATION, is_critical_system=True)
    AssetDependency.objects.create(dependent=system, dependency=server)
    return system
