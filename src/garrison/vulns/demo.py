"""The vulnerability demo step: scans of the seeded inventory imported through the import
service, so that every count, fingerprint, SLA clock and coverage row is the one a real
import gives.

- the data-center servers' monthly Nessus scan (scope "DC monthly"), imported three times a
  month apart: findings are fixed between scans, a few come back (reopened), older high and
  critical ones are overdue;
- an OpenVAS scan of the office and management network (network devices and jump hosts);
- a Trivy scan of the console's container images and a CodeQL (SARIF) scan of its
  repository, findings on no host;
- an Nmap sweep of the Beijing management network that finds two unregistered hosts, which
  become discovered assets waiting for review;
- two penetration tests, exceptions and links to risks and incidents
  (garrison.vulns.demo_engagements).

The "Physical access control" system and everything it runs on are left out of every scan,
so the coverage report shows a critical system not scanned this month. The work is done by
the Chief Information Security Officer, and exceptions are decided by another Security
Officer of the Group. The step adds nothing when the domain already holds findings.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from garrison.assets import graph
from garrison.assets.models import Asset, AssetDependency, AssetType, LifecycleStatus
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Role
from garrison.vulns.demo_scans import HOSTS_SCANNED_AT_MOST, Target, monthly_scans, single_scan, vm_role
from garrison.vulns.demo_sources import OPENVAS_CHECKS, code_records, discovery_records, image_records
from garrison.vulns.models import (
    AssetScan,
    Finding,
    FindingEvent,
    FindingSighting,
    PenetrationTest,
    ScanImport,
    Source,
)

DAY = dt.timedelta(days=1)
UNSCANNED_SYSTEM = "Physical access control"
DC_SCOPE = "DC monthly"
OFFICE_SCOPE = "Office and management network"
# Days before the seeding each data-center scan ran, oldest first.
MONTHLY_SCAN_AGES = (63, 32, 2)
OFFICE_SCAN_AGE = 9
CODE_SCAN_AGE = 5


def security_officers() -> tuple[Person | None, Person | None]:
    """The Chief Information Security Officer (who scans and asks) and another Security
    Officer over the whole Group (who decides exceptions: never the person who asked)."""
    group_officers = (
        Person.objects.filter(
            roles__role=Role.SECURITY_OFFICER, roles__unit__parent__isnull=True, employment_status="active"
        )
        .distinct()
        .order_by("username")
    )
    chief = (
        group_officers.filter(job_title="Chief Information Security Officer").first()
        or group_officers.first()
    )
    if chief is None:
        return None, None
    return chief, group_officers.exclude(pk=chief.pk).first()


def _unit(code: str, fallback: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.filter(code=code).first() or fallback


@register_step("vulns", order=700)
def seed_vulnerabilities(context: DemoContext) -> None:
    if Finding.objects.exists() or ScanImport.objects.exists() or PenetrationTest.objects.exists():
        return
    officer, approver = security_officers()
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if officer is None or root is None or not Asset.objects.exists():
        return  # the organisation or the inventory is missing: nothing to scan
    from garrison.vulns.demo_engagements import seed_engagements

    rng = context.random("vulns")
    left_out = unscanned_assets()
    imports = scan_the_estate(officer, root, rng, left_out)
    made = seed_engagements(officer, approver, root)
    context.count("scan imports", len(imports))
    context.count("vulnerability findings", Finding.objects.count())
    for what, number in made.items():
        context.count(what, number)


def unscanned_assets() -> set[int]:
    """The first "Physical access control" system and everything it runs on: no scan reaches
    them, so coverage has a gap to show."""
    system = (
        Asset.objects.filter(name=UNSCANNED_SYSTEM, is_critical_system=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ).first()
    if system is None:
        return set()
    edges = AssetDependency.objects.values_list("dependent_id", "dependency_id")
    return graph.downstream(edges, [system])


def _targets(
    assets: Iterable[Asset], role_of: Callable[[Asset], str], system_of: Callable[[str], str]
) -> list[Target]:
    found = []
    for asset in assets:
        if not asset.ip_addresses:
            continue
        role = role_of(asset)
        found.append(Target(asset.ip_addresses[0], tuple(asset.host_names[:1]), role, system_of(role)))
    return found


def _scannable(left_out: set[int]) -> Any:
    return (
        Asset.objects.filter(lifecycle_status=LifecycleStatus.IN_SERVICE, needs_review=False)
        .exclude(pk__in=left_out)
        .order_by("pk")
    )


def server_role(asset: Asset) -> str:
    if asset.name.startswith("Hypervisor host"):
        return "hypervisor"
    if asset.name.startswith("Storage array"):
        return "storage"
    return vm_role(asset.name)


def operating_system(role: str) -> str:
    return {
        "hypervisor": "VMware ESXi 7.0.3",
        "storage": "NetApp ONTAP 9.12.1",
        "batch": "CentOS Linux 7.9.2009",
    }.get(role, "Ubuntu 22.04.4 LTS")


def device_role(asset: Asset) -> str:
    if asset.asset_type == AssetType.NETWORK_DEVICE:
        return "firewall" if "firewall" in asset.name else "switch"
    return server_role(asset)


def device_system(role: str) -> str:
    return {"firewall": "FortiOS 7.2", "switch": "Cisco IOS XE 17.6"}.get(role, "Ubuntu 22.04.4 LTS")


def scan_the_estate(
    officer: Person, root: OrgUnit, rng: random.Random, left_out: set[int]
) -> list[ScanImport]:
    from garrison.vulns.services.importing import import_records

    scanning_unit = _unit("security-vuln", root)
    platform_unit = _unit("rnd-platform", root)
    servers = _targets(
        _scannable(left_out).filter(asset_type=AssetType.SERVER)[:HOSTS_SCANNED_AT_MOST],
        server_role,
        operating_system,
    )
    devices = _targets(
        _scannable(left_out).filter(
            Q(asset_type=AssetType.NETWORK_DEVICE) | Q(name__startswith="Virtual machine vm-bastion-")
        )[:HOSTS_SCANNED_AT_MOST],
        device_role,
        device_system,
    )
    beijing = _targets(
        _scannable(left_out).filter(
            Q(asset_type=AssetType.NETWORK_DEVICE) | Q(name__startswith="Hypervisor host bj-")
        )[:60],
        device_role,
        device_system,
    )
    known = [
        (target.address, target.names, target.role)
        for target in beijing
        if target.address.startswith("10.10.")
    ]
    # (days ago, records, source, unit, scope, file name), oldest first.
    scans: list[tuple[int, list[Any], str, OrgUnit, str, str]] = [
        (age, records, Source.NESSUS, scanning_unit, DC_SCOPE, f"dc-monthly-{number}.nessus")
        for number, (age, records) in enumerate(
            zip(MONTHLY_SCAN_AGES, monthly_scans(servers, rng), strict=True), 1
        )
    ]
    scans[2:2] = [
        (
            OFFICE_SCAN_AGE,
            list(single_scan(devices, OPENVAS_CHECKS, rng)),
            Source.OPENVAS,
            scanning_unit,
            OFFICE_SCOPE,
            "office-and-management-network.xml",
        ),
        (
            CODE_SCAN_AGE,
            list(image_records()),
            Source.TRIVY,
            platform_unit,
            "Console images",
            "console-images.json",
        ),
        (
            CODE_SCAN_AGE,
            list(code_records()),
            Source.SARIF,
            platform_unit,
            "console-web main",
            "console-web.sarif",
        ),
    ]
    scans.append(
        (0, list(discovery_records(known)), Source.NMAP, _unit("bj", root), "", "bj-management-sweep.xml")
    )
    now = timezone.now()
    return [
        import_records(
            records,
            source=source,
            by=officer,
            unit=unit,
            scan_scope=scope,
            filename=name,
            scanned_at=now - dt.timedelta(days=age),
        )
        for age, records, source, unit, scope, name in scans
    ]


def backdated(days: int, work: Callable[[], Any]) -> Any:
    """Do `work` (a person's work on findings) now, then move what it wrote `days` back in
    time, as if it had been done then.

    The findings services stamp everything with the moment they run and have no way to say
    "this was reported a month ago" (scans do: the import service takes the time a scan
    ran), which the demo needs for its penetration tests. So, in demo code only, the rows
    the work wrote (every timestamp at or after the moment it started) are shifted with
    set-based updates; the audit trail, which is chained and never rewritten, keeps the
    real moment of seeding.
    """
    if days <= 0:
        return work()
    started = timezone.now()
    result = work()
    shift_since(started, dt.timedelta(days=days))
    return result


def shift_since(started: dt.datetime, delta: dt.timedelta) -> None:
    for field in ("created_at", "started_at", "finished_at"):
        ScanImport.objects.filter(**{f"{field}__gte": started}).update(**{field: F(field) - delta})
    AssetScan.objects.filter(scanned_at__gte=started).update(scanned_at=F("scanned_at") - delta)
    FindingEvent.objects.filter(at__gte=started).update(at=F("at") - delta)
    Finding.objects.filter(opened_at__gte=started).update(
        opened_at=F("opened_at") - delta, due_on=F("due_on") - dt.timedelta(days=delta.days)
    )
    for field in ("first_seen_at", "fixed_at", "created_at"):
        Finding.objects.filter(**{f"{field}__gte": started}).update(**{field: F(field) - delta})
    FindingSighting.objects.filter(last_seen_at__gte=started).update(last_seen_at=F("last_seen_at") - delta)
