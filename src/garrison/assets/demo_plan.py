"""The plan of the demo inventory, as data: which assets each block of 500 holds, their
custodian teams, ratings, addresses and dependencies. Nothing here touches the
database; garrison.assets.demo inserts the plan.

Every scale unit adds one block of exactly `BLOCK_SIZE` assets: for each of the five
sites two data halls with their UPS, CRAC and power distribution units, network
devices and segments, hypervisor hosts and storage arrays; and, shared by the sites,
supplier services, information systems (25 of them critical: 5% of the inventory),
their applications and databases, virtual machines, Blue Cloud services per region
and paper records. Block 1 also holds the five data-center sites themselves. Assets
depend only on assets planned before them, so the graph is acyclic by construction.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

from garrison.assets.models import AssetType, Criticality, LifecycleStatus
from garrison.core.demo import catalogue

BLOCK_SIZE = 500
HALLS_PER_SITE = 2
HOSTS_PER_SITE = 12
SYSTEMS_WITH_REPORTING = 25  # the first systems keep a reporting data set besides their database
SYSTEMS_WITH_WORKERS = 10  # the first systems run a background worker too
EMAIL_DOMAIN = "demo-cloud.example"
TAGS = ("production", "customer-data", "personal-information", "mlps-level-3", "pci-dss", "dr-critical")
REGIONS = {
    "bj": "cn-north-1",
    "sh": "cn-east-1",
    "gz": "cn-south-1",
    "sz": "cn-south-2",
    "hk": "ap-east-1",
}
POWER_SUPPLIERS = {"hk": "CLP Power"}
CLOUD_PRODUCTS = (
    "Elastic Compute",
    "Object Storage",
    "Block Storage",
    "Managed PostgreSQL",
    "Managed Kubernetes",
)
COMPONENTS = ("web front end", "API service", "background worker")
VM_ROLES = ("web", "api", "worker", "db", "cache", "queue", "monitoring", "bastion", "ci-runner", "batch")

# (name, custodian unit code or team code, critical information system?)
INFORMATION_SYSTEMS: tuple[tuple[str, str, bool], ...] = (
    ("Blue Cloud console", "blue-cloud-compute", True),
    ("Billing and invoicing", "finance", True),
    ("Customer relationship management", "sales", False),
    ("Identity and access management", "security", True),
    ("Security information and event management", "security-soc", True),
    ("Data-center infrastructure management", "idc-ops", True),
    ("Building management system", "idc-ops", True),
    ("Physical access control", "idc-ops", True),
    ("CCTV video management", "idc-ops", True),
    ("Network management system", "network-ops-backbone", True),
    ("DNS platform", "network-ops-backbone", True),
    ("Elastic compute control plane", "blue-cloud-compute", True),
    ("Object storage platform", "blue-cloud-storage", True),
    ("Backup and recovery platform", "blue-cloud-storage", True),
    ("Key management service", "security", True),
    ("Service desk and ticketing", "idc-ops", True),
    ("Configuration management database", "idc-ops", True),
    ("Monitoring and alerting", "blue-cloud-compute", True),
    ("Continuous integration and delivery", "rnd-platform", True),
    ("Source code repository", "rnd-platform", True),
    ("Human resources system", "hr", False),
    ("Finance ERP", "finance", True),
    ("Corporate e-mail", "rnd-platform", True),
    ("Customer support knowledge base", "sales", False),
    ("Vulnerability scanning platform", "security-vuln", True),
    ("Security log archive", "security-soc", True),
    ("Colocation customer portal", "idc-ops", True),
    ("Remote hands work orders", "idc-ops", True),
    ("Contract management", "compliance-legal", False),
    ("Learning management", "hr", False),
)
SUPPLIER_SERVICES: tuple[tuple[str, str], ...] = (
    ("Metro fibre carrier", "procurement"),
    ("Diesel fuel delivery", "procurement"),
    ("Hardware maintenance contract", "procurement"),
    ("Off-site tape vault", "procurement"),
    ("Security guard services", "procurement"),
)
PAPER_RECORDS: tuple[tuple[str, str], ...] = (
    ("Signed customer contracts", "compliance-legal"),
    ("Personnel files", "hr"),
    ("Key and badge register", "idc-ops"),
    ("Invoice archive", "finance"),
    ("Committee minutes", "cismc"),
)


@dataclass
class AssetPlan:
    """One asset as the demo will insert it; `depends_on` names assets planned earlier."""

    reference: str
    name: str
    asset_type: str
    unit_code: str
    criticality: int
    ratings: tuple[int, int, int]
    site: str | None = None
    is_critical_system: bool = False
    lifecycle_status: str = LifecycleStatus.IN_SERVICE
    ip_addresses: list[str] = field(default_factory=list)
    host_names: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str = ""
    depends_on: list[str] = field(default_factory=list)
    needs_review: bool = False


@dataclass
class _Planner:
    """Builds the plans of every block in creation order, numbering references per prefix."""

    rng: random.Random
    unit_codes: frozenset[str]
    plans: list[AssetPlan] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def reference(self, prefix: str, width: int = 5) -> str:
        self.counters[prefix] += 1
        return f"{prefix}-{self.counters[prefix]:0{width}d}"

    def ratings(self, low: int, high: int) -> tuple[int, int, int]:
        return (
            self.rng.randint(low, high),
            self.rng.randint(low, high),
            self.rng.randint(low, high),
        )

    def team(self, code: str, block: int) -> str:
        return _team(code, block, self.unit_codes)

    def add(self, plan: AssetPlan) -> AssetPlan:
        draw = self.rng.random()
        if not plan.is_critical_system and plan.asset_type != AssetType.SITE:
            if draw < 0.03:
                plan.lifecycle_status = LifecycleStatus.PLANNED
            elif draw < 0.07:
                plan.lifecycle_status = LifecycleStatus.RETIRED
        plan.needs_review = plan.asset_type in (AssetType.SERVER, AssetType.NETWORK_DEVICE) and draw > 0.99
        self.plans.append(plan)
        return plan


def _team(code: str, block: int, unit_codes: frozenset[str]) -> str:
    """The unit looking after a block's assets: the block's own instance of a team
    (teams repeat with the scale, "bj-facilities-3"), or the unit itself."""
    repeated = f"{code}-{block}"
    return repeated if block > 1 and repeated in unit_codes else code


def _numbered(name: str, block: int) -> str:
    return name if block == 1 else f"{name} ({block})"


def shared_count() -> int:
    """Assets of a block outside the sites, virtual machines aside."""
    suppliers = len(catalogue.SITES) + len(SUPPLIER_SERVICES)
    databases = sum(2 if index < SYSTEMS_WITH_REPORTING else 1 for index in range(len(INFORMATION_SYSTEMS)))
    applications = sum(
        len(COMPONENTS) if index < SYSTEMS_WITH_WORKERS else len(COMPONENTS) - 1
        for index in range(len(INFORMATION_SYSTEMS))
    )
    cloud = len(CLOUD_PRODUCTS) * len(catalogue.SITES)
    paper = len(catalogue.SITES) + len(PAPER_RECORDS)
    return suppliers + databases + applications + len(INFORMATION_SYSTEMS) + cloud + paper


# Per site and block: per hall two each of UPS, CRAC and PDU and the hall itself;
# three network devices, two segments, the hosts and two storage arrays.
SITE_COUNT = HALLS_PER_SITE * 7 + 3 + 2 + HOSTS_PER_SITE + 2


def plan_assets(*, scale: int, seed_random: random.Random, unit_codes: Iterable[str]) -> list[AssetPlan]:
    """Every asset of the demo inventory, dependencies before dependents: `BLOCK_SIZE`
    per scale unit. `unit_codes` are the organisation's units, teams repeated per scale."""
    planner = _Planner(seed_random, frozenset(unit_codes))
    sites: dict[str, str] = {}
    for block in range(1, scale + 1):
        suppliers = _plan_suppliers(planner, block)
        if block == 1:
            for site in catalogue.SITES:
                plan = planner.add(
                    AssetPlan(
                        reference=f"SITE-{site.code.upper()}",
                        name=site.name,
                        asset_type=AssetType.SITE,
                        unit_code=site.code,
                        criticality=Criticality.HIGH,
                        ratings=(2, 3, 4),
                        tags=["production"],
                        description=f"Carrier-neutral data center in {site.city}.",
                        depends_on=[suppliers[site.code]],
                    )
                )
                sites[site.code] = plan.reference
        hosts: dict[str, list[str]] = {}
        storage: dict[str, list[str]] = {}
        for site_index, site in enumerate(catalogue.SITES):
            hosts[site.code], storage[site.code] = _plan_site(
                planner, block, site_index, site, sites[site.code], suppliers
            )
        _plan_shared(planner, block, hosts, storage)
    return planner.plans


def _plan_suppliers(planner: _Planner, block: int) -> dict[str, str]:
    """Supplier services; returns references by key (site codes for power feeds)."""
    references: dict[str, str] = {}
    for site in catalogue.SITES:
        supplier = POWER_SUPPLIERS.get(site.code, "State Grid")
        plan = planner.add(
            AssetPlan(
                reference=planner.reference("SUP", 4),
                name=_numbered(f"{supplier} power feed, {site.city}", block),
                asset_type=AssetType.SUPPLIER_SERVICE,
                unit_code="procurement",
                criticality=Criticality.HIGH,
                ratings=(1, 2, 4),
                description=f"Two independent utility feeds into the {site.city} site.",
            )
        )
        references[site.code] = plan.reference
    for name, unit in SUPPLIER_SERVICES:
        plan = planner.add(
            AssetPlan(
                reference=planner.reference("SUP", 4),
                name=_numbered(name, block),
                asset_type=AssetType.SUPPLIER_SERVICE,
                unit_code=unit,
                criticality=planner.rng.choice((Criticality.MEDIUM, Criticality.HIGH)),
                ratings=planner.ratings(1, 3),
            )
        )
        references[name] = plan.reference
    return references


def _plan_site(
    planner: _Planner,
    block: int,
    site_index: int,
    site: catalogue.SiteTemplate,
    site_reference: str,
    suppliers: Mapping[str, str],
) -> tuple[list[str], list[str]]:
    """Halls with their facility equipment, then network, hosts and storage of one site."""
    code = site.code
    facilities, network = (
        planner.team(f"{code}-facilities", block),
        planner.team("network-ops-backbone", block),
    )
    compute, storage_team = (
        planner.team("blue-cloud-compute", block),
        planner.team("blue-cloud-storage", block),
    )
    octet = 10 + site_index * 40 + (block - 1) // 250
    subnet = (block - 1) % 250 + 1
    halls: list[str] = []
    for hall_number in range(1, HALLS_PER_SITE + 1):
        hall = (block - 1) * HALLS_PER_SITE + hall_number
        where = f"{site.city} data hall {hall}"
        equipment: list[str] = []
        for letter in "AB":
            ups = planner.add(
                AssetPlan(
                    reference=planner.reference(f"FAC-{code.upper()}"),
                    name=f"UPS {hall}{letter}, {where}",
                    asset_type=AssetType.FACILITY_EQUIPMENT,
                    unit_code=facilities,
                    criticality=Criticality.HIGH,
                    ratings=(1, 2, 4),
                    site=site_reference,
                    description="Modular UPS with 15 minutes of battery autonomy at full load.",
                    depends_on=[suppliers[code]],
                )
            )
            crac = planner.add(
                AssetPlan(
                    reference=planner.reference(f"FAC-{code.upper()}"),
                    name=f"CRAC unit {hall}{letter}, {where}",
                    asset_type=AssetType.FACILITY_EQUIPMENT,
                    unit_code=facilities,
                    criticality=Criticality.HIGH,
                    ratings=(1, 2, 4),
                    site=site_reference,
                    depends_on=[ups.reference],
                )
            )
            pdu = planner.add(
                AssetPlan(
                    reference=planner.reference(f"FAC-{code.upper()}"),
                    name=f"Power distribution unit {hall}{letter}, {where}",
                    asset_type=AssetType.FACILITY_EQUIPMENT,
                    unit_code=facilities,
                    criticality=Criticality.MEDIUM,
                    ratings=(1, 2, 3),
                    site=site_reference,
                    depends_on=[ups.reference],
                )
            )
            equipment += [ups.reference, crac.reference, pdu.reference]
        room = planner.add(
            AssetPlan(
                reference=f"ROOM-{code.upper()}-{hall:03d}",
                name=where,
                asset_type=AssetType.ROOM,
                unit_code=facilities,
                criticality=Criticality.HIGH,
                ratings=(2, 2, 4),
                site=site_reference,
                tags=["production"],
                description="Raised floor, hot-aisle containment, gas fire suppression.",
                depends_on=equipment[::3] + equipment[1::3],
            )
        )
        halls.append(room.reference)
    devices = []
    for number, kind in enumerate(
        ("Aggregation switch", "Aggregation switch", "Perimeter firewall"), start=1
    ):
        label = f"{code}-{'fw' if 'firewall' in kind else 'agg'}-{block:03d}-{number}"
        devices.append(
            planner.add(
                AssetPlan(
                    reference=planner.reference(f"NET-{code.upper()}"),
                    name=f"{kind} {label}",
                    asset_type=AssetType.NETWORK_DEVICE,
                    unit_code=network,
                    criticality=Criticality.HIGH,
                    ratings=(2, 3, 4),
                    site=halls[0],
                    ip_addresses=[f"10.{octet}.{subnet}.{number}"],
                    host_names=[f"{label}.net.{EMAIL_DOMAIN}"],
                    depends_on=[halls[0], suppliers["Metro fibre carrier"]],
                )
            ).reference
        )
    segments = [
        planner.add(
            AssetPlan(
                reference=planner.reference(f"SEG-{code.upper()}", 4),
                name=_numbered(f"{site.city} {purpose} network", block),
                asset_type=AssetType.NETWORK_SEGMENT,
                unit_code=network,
                criticality=Criticality.MEDIUM,
                ratings=(2, 3, 3),
                ip_addresses=[f"10.{octet}.{subnet}.{index * 64}"],
                description=f"VLANs of the {purpose} zone.",
                depends_on=devices[:2],
            )
        ).reference
        for index, purpose in enumerate(("production", "management"))
    ]
    hosts = []
    for number in range(1, HOSTS_PER_SITE + 1):
        name = f"{code}-hv-{block:03d}{number:02d}"
        hosts.append(
            planner.add(
                AssetPlan(
                    reference=planner.reference(f"SRV-{code.upper()}"),
                    name=f"Hypervisor host {name}",
                    asset_type=AssetType.SERVER,
                    unit_code=compute,
                    criticality=Criticality.MEDIUM,
                    ratings=planner.ratings(2, 3),
                    site=halls[number % HALLS_PER_SITE],
                    ip_addresses=[f"10.{octet}.{subnet}.{10 + number}"],
                    host_names=[f"{name}.dc.{EMAIL_DOMAIN}"],
                    tags=["production"],
                    depends_on=[halls[number % HALLS_PER_SITE], devices[number % 2], segments[0]],
                )
            ).reference
        )
    arrays = []
    for number in (1, 2):
        name = f"{code}-sa-{block:03d}{number}"
        arrays.append(
            planner.add(
                AssetPlan(
                    reference=planner.reference(f"SRV-{code.upper()}"),
                    name=f"Storage array {name}",
                    asset_type=AssetType.SERVER,
                    unit_code=storage_team,
                    criticality=Criticality.HIGH,
                    ratings=(3, 3, 3),
                    site=halls[number - 1],
                    ip_addresses=[f"10.{octet}.{subnet}.{100 + number}"],
                    host_names=[f"{name}.dc.{EMAIL_DOMAIN}"],
                    tags=["production", "customer-data"],
                    depends_on=[halls[number - 1], segments[0]],
                )
            ).reference
        )
    return hosts, arrays


def _plan_shared(
    planner: _Planner,
    block: int,
    hosts: Mapping[str, list[str]],
    storage: Mapping[str, list[str]],
) -> None:
    """What the sites share: virtual machines, databases, applications, systems, cloud services, paper."""
    rng = planner.rng
    every_host = list(chain.from_iterable(hosts.values()))
    every_array = list(chain.from_iterable(storage.values()))
    compute, storage_team = (
        planner.team("blue-cloud-compute", block),
        planner.team("blue-cloud-storage", block),
    )
    platform = planner.team("rnd-platform", block)
    site_assets = len(catalogue.SITES) * SITE_COUNT + (len(catalogue.SITES) if block == 1 else 0)
    vm_count = BLOCK_SIZE - site_assets - shared_count()
    vms = []
    for number in range(1, vm_count + 1):
        role = VM_ROLES[number % len(VM_ROLES)]
        name = f"vm-{role}-{block:03d}{number:03d}"
        vms.append(
            planner.add(
                AssetPlan(
                    reference=planner.reference("VM", 6),
                    name=f"Virtual machine {name}",
                    asset_type=AssetType.SERVER,
                    unit_code=compute,
                    criticality=rng.choice((Criticality.LOW, Criticality.MEDIUM)),
                    ratings=planner.ratings(1, 3),
                    ip_addresses=[f"172.{16 + (block - 1) // 250}.{(block - 1) % 250}.{number}"],
                    host_names=[f"{name}.prod.{EMAIL_DOMAIN}"],
                    depends_on=[rng.choice(every_host)],
                )
            ).reference
        )
    systems = []
    for index, (system_name, unit, is_critical) in enumerate(INFORMATION_SYSTEMS):
        unit_code = planner.team(unit, block)
        databases = [
            planner.add(
                AssetPlan(
                    reference=planner.reference("DB", 5),
                    name=_numbered(f"{system_name} {kind}", block),
                    asset_type=AssetType.DATA_SET,
                    unit_code=storage_team if kind == "database" else unit_code,
                    criticality=Criticality.HIGH if is_critical else Criticality.MEDIUM,
                    ratings=(rng.randint(3, 4), rng.randint(3, 4), rng.randint(2, 4)),
                    tags=["customer-data"] if is_critical else [],
                    depends_on=[rng.choice(vms), rng.choice(every_array)],
                )
            ).reference
            for kind in (
                ("database", "reporting data set") if index < SYSTEMS_WITH_REPORTING else ("database",)
            )
        ]
        components = COMPONENTS if index < SYSTEMS_WITH_WORKERS else COMPONENTS[:-1]
        applications = [
            planner.add(
                AssetPlan(
                    reference=planner.reference("APP", 5),
                    name=_numbered(f"{system_name} {component}", block),
                    asset_type=AssetType.APPLICATION,
                    unit_code=platform if index % 3 else unit_code,
                    criticality=rng.choice((Criticality.MEDIUM, Criticality.HIGH)),
                    ratings=planner.ratings(2, 4),
                    host_names=[
                        f"{component.split()[0].lower()}-{index + 1:02d}-{block:03d}.apps.{EMAIL_DOMAIN}"
                    ],
                    depends_on=[rng.choice(vms), databases[0]],
                )
            ).reference
            for component in components
        ]
        tags = ["production", "mlps-level-3"] if is_critical else ["production"]
        if system_name in ("Billing and invoicing", "Blue Cloud console"):
            tags.append("pci-dss")
        if system_name in ("Human resources system", "Identity and access management"):
            tags.append("personal-information")
        systems.append(
            planner.add(
                AssetPlan(
                    reference=planner.reference("SYS", 4),
                    name=_numbered(system_name, block),
                    asset_type=AssetType.INFORMATION_SYSTEM,
                    unit_code=unit_code,
                    criticality=Criticality.CRITICAL if is_critical else Criticality.HIGH,
                    ratings=(rng.randint(3, 4), 4 if is_critical else 3, 4 if is_critical else 3),
                    is_critical_system=is_critical,
                    tags=tags,
                    description=f"{system_name} of Garrison Demo Cloud.",
                    depends_on=[*applications, *databases],
                )
            ).reference
        )
    for product_index, product in enumerate(CLOUD_PRODUCTS):
        for site in catalogue.SITES:
            region = REGIONS[site.code]
            planner.add(
                AssetPlan(
                    reference=planner.reference("CLD", 4),
                    name=_numbered(f"Blue Cloud {product} ({region})", block),
                    asset_type=AssetType.CLOUD_SERVICE,
                    unit_code=compute if product_index != 1 else storage_team,
                    criticality=Criticality.CRITICAL if product_index < 2 else Criticality.HIGH,
                    ratings=(4, 4, 4),
                    host_names=[f"{product.lower().replace(' ', '-')}.{region}.bluecloud.example"],
                    tags=["production", "customer-data", "dr-critical"],
                    depends_on=[
                        *rng.sample(hosts[site.code], 3),
                        rng.choice(storage[site.code]),
                        systems[11],
                    ],
                )
            )
    for site in catalogue.SITES:
        planner.add(
            AssetPlan(
                reference=planner.reference("DOC", 4),
                name=_numbered(f"Visitor log books, {site.city}", block),
                asset_type=AssetType.PAPER_OR_PEOPLE,
                unit_code=planner.team(f"{site.code}-physical", block),
                criticality=Criticality.LOW,
                ratings=(3, 2, 1),
                tags=["personal-information"],
            )
        )
    for name, unit in PAPER_RECORDS:
        planner.add(
            AssetPlan(
                reference=planner.reference("DOC", 4),
                name=_numbered(name, block),
                asset_type=AssetType.PAPER_OR_PEOPLE,
                unit_code=unit,
                criticality=Criticality.MEDIUM,
                ratings=(4, 3, 2),
            )
        )
