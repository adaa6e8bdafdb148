"""Monthly coverage of the critical information systems: when each was last scanned and
last penetration-tested, counting what it runs on, and which fall outside the policy.

A system counts as scanned when it, or any asset it depends on directly or transitively
(its servers, its database, the database's storage), was covered by a scan import; and as
penetration-tested when a closed penetration test had it or one of those assets in scope.
The dependency graph is read once, so the report costs a handful of queries whatever the
number of systems.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce

from garrison.assets.graph import dependencies_by_dependent
from garrison.assets.models import Asset, AssetDependency, LifecycleStatus
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import restrict
from garrison.vulns.models import AssetScan, PenetrationTest, PenetrationTestStatus
from garrison.vulns.services.policy import current_policy

# Ids per IN (...) lookup: well under the bound-parameter limits of SQLite and PostgreSQL.
ID_BATCH = 900


@dataclass(frozen=True)
class SystemCoverage:
    """One critical information system and how recently it was scanned and tested.

    `scanned_asset_id` is the asset whose scan counted (the system itself or one it
    depends on); `test_id` the closed penetration test that counted.
    """

    system: Asset
    last_scanned_at: dt.datetime | None
    scanned_asset_id: int | None
    last_tested_on: dt.date | None
    test_id: int | None
    is_scanned: bool
    is_tested: bool

    @property
    def needs_scan(self) -> bool:
        return not self.is_scanned

    @property
    def needs_test(self) -> bool:
        return not self.is_tested


@dataclass(frozen=True)
class CoverageReport:
    """The coverage of every critical information system in reach, on `today`, against the
    policy's scan window and penetration-test period."""

    today: dt.date
    scan_window_days: int
    penetration_test_period_days: int
    systems: list[SystemCoverage]

    @property
    def scanned_since(self) -> dt.date:
        """The first day that still counts as "scanned within the window"."""
        return self.today - dt.timedelta(days=self.scan_window_days)

    @property
    def tested_since(self) -> dt.date:
        return self.today - dt.timedelta(days=self.penetration_test_period_days)

    @property
    def total(self) -> int:
        return len(self.systems)

    @property
    def scanned_count(self) -> int:
        return sum(1 for item in self.systems if item.is_scanned)

    @property
    def tested_count(self) -> int:
        return sum(1 for item in self.systems if item.is_tested)

    @property
    def not_scanned(self) -> list[SystemCoverage]:
        return [item for item in self.systems if item.needs_scan]

    @property
    def not_tested(self) -> list[SystemCoverage]:
        return [item for item in self.systems if item.needs_test]

    @property
    def uncovered(self) -> list[SystemCoverage]:
        """Systems outside the scan window, the penetration-test period, or both."""
        return [item for item in self.systems if item.needs_scan or item.needs_test]

    def by_system(self) -> dict[int, SystemCoverage]:
        return {item.system.pk: item for item in self.systems}


def critical_systems(person: Any = None) -> QuerySet[Asset]:
    """Critical information systems in service (or planned), those the person may see when
    one is given; all of them for the system's own jobs."""
    systems = Asset.objects.filter(is_critical_system=True).exclude(lifecycle_status=LifecycleStatus.RETIRED)
    if person is not None:
        systems = restrict(systems, person, Action.VIEW)
    return systems.select_related("unit", "owner").order_by("reference")


def _reach(adjacency: Mapping[int, Sequence[int]], start: int) -> list[int]:
    """`start` first, then every asset it depends on, transitively (each once)."""
    found = [start]
    seen = {start}
    queue = deque([start])
    while queue:
        for dependency in adjacency.get(queue.popleft(), ()):
            if dependency not in seen:
                seen.add(dependency)
                found.append(dependency)
                queue.append(dependency)
    return found


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), ID_BATCH):
        yield ordered[start : start + ID_BATCH]


def _latest_scans(asset_ids: Iterable[int]) -> dict[int, dt.datetime]:
    latest: dict[int, dt.datetime] = {}
    for batch in _batches(asset_ids):
        rows = (
            AssetScan.objects.filter(asset_id__in=batch)
            .values("asset_id")
            .annotate(last=Max("scanned_at"))
            .order_by()
        )
        latest.update({row["asset_id"]: row["last"] for row in rows})
    return latest


def _latest_tests(asset_ids: Iterable[int]) -> dict[int, tuple[dt.date, int]]:
    """For each asset, (completion date, test id) of the latest closed test with it in scope.
    A closed test without a completion date counts from its planned end."""
    through = PenetrationTest.assets.through
    latest: dict[int, tuple[dt.date, int]] = {}
    for batch in _batches(asset_ids):
        rows = through.objects.filter(
            asset_id__in=batch, penetrationtest__status=PenetrationTestStatus.CLOSED
        ).values_list(
            "asset_id",
            Coalesce("penetrationtest__completed_on", "penetrationtest__ends_on"),
            "penetrationtest_id",
        )
        for asset_id, done, test_id in rows:
            if asset_id not in latest or (done, test_id) > latest[asset_id]:
                latest[asset_id] = (done, test_id)
    return latest


def coverage_report(*, person: Any = None, today: dt.date | None = None) -> CoverageReport:
    """The coverage of the critical information systems `person` may see (all of them when
    no person is given), against the current policy, as of `today`.

    A scan counts when it is on or after `today` minus the scan window (in the
    organisation's calendar); a penetration test when it was completed on or after `today`
    minus the penetration-test period. Scans and tests of dependencies count whoever may
    see them: they are facts about the system's coverage.
    """
    today = today or organisation_today()
    policy = current_policy()
    systems = list(critical_systems(person))
    adjacency = dependencies_by_dependent(
        AssetDependency.objects.values_list("dependent_id", "dependency_id")
    )
    reach = {system.pk: _reach(adjacency, system.pk) for system in systems}
    relevant = {asset_id for assets in reach.values() for asset_id in assets}
    scans = _latest_scans(relevant)
    tests = _latest_tests(relevant)
    scanned_since = today - dt.timedelta(days=policy.scan_window_days)
    tested_since = today - dt.timedelta(days=policy.penetration_test_period_days)

    items = []
    for system in systems:
        last_scan: tuple[dt.datetime, int] | None = None
        last_test: tuple[dt.date, int] | None = None
        for asset_id in reach[system.pk]:
            scanned = scans.get(asset_id)
            if scanned is not None and (last_scan is None or scanned > last_scan[0]):
                last_scan = (scanned, asset_id)
            tested = tests.get(asset_id)
            if tested is not None and (last_test is None or tested > last_test):
                last_test = tested
        items.append(
            SystemCoverage(
                system=system,
                last_scanned_at=last_scan[0] if last_scan else None,
                scanned_asset_id=last_scan[1] if last_scan else None,
                last_tested_on=last_test[0] if last_test else None,
                test_id=last_test[1] if last_test else None,
                is_scanned=last_scan is not None and organisation_today(last_scan[0]) >= scanned_since,
                is_tested=last_test is not None and last_test[0] >= tested_since,
            )
        )
    return CoverageReport(
        today=today,
        scan_window_days=policy.scan_window_days,
        penetration_test_period_days=policy.penetration_test_period_days,
        systems=items,
    )
