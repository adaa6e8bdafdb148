"""Coverage of critical information systems: a scan of the system or of anything it runs on
counts, a closed penetration test with it or a dependency in scope counts, each within the
policy's window; people see only the systems in their reach."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from garrison.assets.models import Asset, AssetDependency, AssetType, LifecycleStatus
from garrison.core.scheduling import organisation_today
from garrison.vulns.models import (
    AssetScan,
    PenetrationTest,
    PenetrationTestStatus,
    ScanImport,
    VulnerabilityPolicy,
)
from garrison.vulns.services.coverage import coverage_report

_numbers = itertools.count(1)


def make_scan(asset: Asset, *, days_ago: int, by: Any) -> AssetScan:
    number = next(_numbers)
    scan_import = ScanImport.objects.create(
        reference=f"IMP-T{number:05d}", filename="scan.nessus", unit=asset.unit, created_by=by
    )
    return AssetScan.objects.create(
        asset=asset,
        scan_import=scan_import,
        scanned_at=timezone.now() - dt.timedelta(days=days_ago),
        source="nessus",
    )


def make_test(
    assets: list[Asset],
    *,
    completed_days_ago: int | None,
    by: Any,
    status: str = PenetrationTestStatus.CLOSED,
) -> PenetrationTest:
    today = organisation_today()
    number = next(_numbers)
    completed = today - dt.timedelta(days=completed_days_ago) if completed_days_ago is not None else None
    test = PenetrationTest.objects.create(
        reference=f"PT-T{number:05d}",
        title=f"Test {number}",
        starts_on=today - dt.timedelta(days=(completed_days_ago or 0) + 10),
        ends_on=today - dt.timedelta(days=completed_days_ago or 0),
        status=status,
        completed_on=completed,
        owner=by,
        unit=assets[0].unit,
    )
    test.assets.set(assets)
    return test


@pytest.fixture
def server(critical_system: Asset) -> Asset:
    return Asset.objects.get(name="billing-db")


def only_entry(person: Any = None) -> Any:
    report = coverage_report(person=person)
    assert [item.system.name for item in report.systems] == ["Billing system"]
    return report, report.systems[0]


def test_a_scan_of_the_server_a_system_runs_on_covers_the_system(critical_system, server, owner):
    scan = make_scan(server, days_ago=10, by=owner)

    report, entry = only_entry()

    assert entry.last_scanned_at == scan.scanned_at
    assert entry.scanned_asset_id == server.pk
    assert entry.is_scanned is True
    assert (report.total, report.scanned_count, report.tested_count) == (1, 1, 0)
    assert report.not_scanned == []


def test_a_system_nothing_scanned_is_not_covered(critical_system, owner, make_asset):
    unrelated = make_asset(name="mail", ips=["10.0.0.9"])
    make_scan(unrelated, days_ago=1, by=owner)

    report, entry = only_entry()

    assert entry.last_scanned_at is None
    assert entry.scanned_asset_id is None
    assert entry.is_scanned is False
    assert [item.system.pk for item in report.not_scanned] == [critical_system.pk]


def test_a_scan_older_than_the_window_does_not_count_until_the_policy_widens_it(
    critical_system, server, owner
):
    scan = make_scan(server, days_ago=40, by=owner)

    _report, entry = only_entry()
    assert entry.last_scanned_at == scan.scanned_at
    assert entry.is_scanned is False

    VulnerabilityPolicy.objects.update(scan_window_days=60)
    report, entry = only_entry()
    assert entry.is_scanned is True
    assert report.scan_window_days == 60


def test_the_latest_scan_of_the_system_or_any_dependency_counts(critical_system, server, owner, make_asset):
    storage = make_asset(name="san-1", asset_type=AssetType.DATA_SET)
    AssetDependency.objects.create(dependent=server, dependency=storage)
    make_scan(critical_system, days_ago=50, by=owner)
    make_scan(server, days_ago=35, by=owner)
    newest = make_scan(storage, days_ago=3, by=owner)

    _report, entry = only_entry()

    assert entry.last_scanned_at == newest.scanned_at
    assert entry.scanned_asset_id == storage.pk
    assert entry.is_scanned is True


def test_a_scan_of_an_asset_depending_on_the_system_does_not_count(critical_system, owner, make_asset):
    client_app = make_asset(name="billing-portal")
    AssetDependency.objects.create(dependent=client_app, dependency=critical_system)
    make_scan(client_app, days_ago=1, by=owner)

    _report, entry = only_entry()

    assert entry.last_scanned_at is None


def test_a_closed_penetration_test_of_a_dependency_within_the_period_counts(critical_system, server, owner):
    make_test([server], completed_days_ago=400, by=owner)
    recent = make_test([server], completed_days_ago=100, by=owner)

    report, entry = only_entry()

    assert entry.last_tested_on == organisation_today() - dt.timedelta(days=100)
    assert entry.test_id == recent.pk
    assert entry.is_tested is True
    assert report.tested_count == 1


def test_a_penetration_test_outside_the_period_or_not_closed_does_not_count(critical_system, server, owner):
    make_test([critical_system], completed_days_ago=400, by=owner)
    make_test([server], completed_days_ago=None, by=owner, status=PenetrationTestStatus.REPORTING)
    make_test([server], completed_days_ago=5, by=owner, status=PenetrationTestStatus.CANCELLED)

    report, entry = only_entry()

    assert entry.last_tested_on == organisation_today() - dt.timedelta(days=400)
    assert entry.is_tested is False
    assert [item.system.pk for item in report.not_tested] == [critical_system.pk]

    VulnerabilityPolicy.objects.update(penetration_test_period_days=500)
    _report, entry = only_entry()
    assert entry.is_tested is True


def test_retired_and_ordinary_assets_are_not_listed(critical_system, make_asset):
    make_asset(name="Old billing", is_critical_system=True, lifecycle_status=LifecycleStatus.RETIRED)
    make_asset(name="printer")

    report = coverage_report()

    assert [item.system.name for item in report.systems] == ["Billing system"]


def test_each_person_sees_the_systems_in_their_reach(critical_system, owner, colleague, outsider, auditor):
    assert [item.system.pk for item in coverage_report(person=owner).systems] == [critical_system.pk]
    assert [item.system.pk for item in coverage_report(person=auditor).systems] == [critical_system.pk]
    assert coverage_report(person=outsider).systems == []
    assert coverage_report(person=colleague).systems == []


def test_the_report_reads_a_fixed_number_of_queries_whatever_the_number_of_systems(
    critical_system, server, owner, make_asset
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            coverage_report(person=owner)
        return len(captured)

    queries()  # the person's grants are read once and kept
    baseline = queries()
    for number in range(5):
        system = make_asset(
            name=f"System {number}", asset_type=AssetType.APPLICATION, is_critical_system=True
        )
        AssetDependency.objects.create(dependent=system, dependency=server)
        make_scan(system, days_ago=number, by=owner)
        make_test([system], completed_days_ago=number, by=owner)

    assert queries() == baseline
    assert coverage_report(person=owner).total == 6
