"""Fixtures of the inventory tests: assets made through the service, as the system."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from garrison.assets import services
from garrison.assets.models import Asset, AssetType
from garrison.core.models import Person


@pytest.fixture
def make_asset(organisation: Any, db: Any) -> Any:
    """`make_asset("AST-1", criticality=3, unit=..., owner=...)`: an asset of Beijing by default."""
    numbers = itertools.count(1)

    def make(reference: str = "", *, owner: Person | None = None, **fields: Any) -> Asset:
        if owner is None:
            owner = Person.objects.filter(username="asset.owner").first() or services_owner(organisation)
        fields.setdefault("name", f"Asset {reference or next(numbers)}")
        fields.setdefault("asset_type", AssetType.SERVER)
        fields.setdefault("unit", organisation.beijing)
        return services.create_asset(by=None, reference=reference, owner=owner, **fields)

    return make


def services_owner(organisation: Any) -> Person:
    from garrison.core.services import org

    return org.create_person(
        by=None, username="asset.owner", full_name="Asset Owner", unit=organisation.beijing
    )
