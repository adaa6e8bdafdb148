"""Helpers of the campaign and risk-job tests: assets to put in scope, campaigns drafted
through the service with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

from garrison.assets.models import Asset, AssetType
from garrison.core.models import OrgUnit, Person
from garrison.risks.models import AssessmentCampaign
from garrison.risks.services import campaigns as campaign_services

START = dt.date(2026, 1, 5)
END = dt.date(2026, 2, 27)
_numbers = itertools.count(1)


def make_asset(
    unit: OrgUnit,
    owner: Person,
    asset_type: str = AssetType.SERVER,
    *,
    is_critical_system: bool = False,
    name: str = "",
) -> Asset:
    """An asset for a scenario to touch (test data only: the inventory is not under test)."""
    number = next(_numbers)
    return Asset.objects.create(
        reference=f"A-TEST-{number:05d}",
        name=name or f"Asset {number}",
        asset_type=asset_type,
        owner=owner,
        unit=unit,
        is_critical_system=is_critical_system,
    )


def make_campaign(
    unit: OrgUnit,
    *,
    by: Any = None,
    name: str = "Annual risk review",
    starts_on: dt.date = START,
    ends_on: dt.date = END,
    scope_units: Iterable[OrgUnit] = (),
    scope_asset_types: Iterable[str] = (),
    critical_systems_only: bool = False,
    participants: Iterable[Person] = (),
    recurrence: str = "none",
) -> AssessmentCampaign:
    return campaign_services.create_campaign(
        by=by,
        name=name,
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
        scope_units=scope_units,
        scope_asset_types=scope_asset_types,
        critical_systems_only=critical_systems_only,
        participants=participants,
        recurrence=recurrence,
    )
