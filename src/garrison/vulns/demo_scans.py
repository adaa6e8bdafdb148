"""What the demo's scanners report, as data: the checks each scanner runs on each kind of
host, and the records a scan of some hosts yields. Nothing here touches the database;
garrison.vulns.demo hands the records to the import service as a parser would.

Checks carry real rule identifiers (Nessus plugin ids, OpenVAS OIDs, Trivy and CodeQL rule
ids), CVE and CWE identifiers and CVSS v3.1 base vectors as the vendors publish them, so
the severities the import service scores are the ones a real scan would give.

The data-center scan runs monthly; each (host, check) pair drawn for a host gets a story
over the three scans (`Story`): most stay, some are patched after the first or second
scan, a few come back after being fixed (a rebuilt machine from an old image), a few
appear later. Critical ones are patched sooner, informational ones never change.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from garrison.vulns.parsers.base import ParsedFinding, ScannedHost

HOSTS_SCANNED_AT_MOST = 4000


@dataclass(frozen=True)
class Check:
    """One scanner check: what it reports when it fires on a host."""

    rule_id: str
    title: str
    severity: str  # the scanner's own word, used where there is no vector
    vector: str = ""
    cves: tuple[str, ...] = ()
    cwes: tuple[str, ...] = ()
    port: int | None = None
    protocol: str = "tcp"
    service: str = ""
    component: str = ""
    component_version: str = ""
    fixed_version: str = ""
    solution: str = ""
    chance: float = 1.0  # how often it fires on a host of its kind


@dataclass(frozen=True)
class Target:
    """A host a scanner reaches: its address, names, operating system and role."""

    address: str
    names: tuple[str, ...]
    role: str
    operating_system: str = ""


class Story(Enum):
    """Where a finding is in each of the three monthly scans."""

    STAYS = (True, True, True)
    FIXED_AFTER_FIRST = (True, False, False)
    FIXED_AFTER_SECOND = (True, True, False)
    CAME_BACK = (True, False, True)
    NEW_IN_SECOND = (False, True, True)
    NEW_IN_THIRD = (False, False, True)


STORY_WEIGHTS = {
    "critical": (25, 30, 25, 8, 7, 5),
    "default": (55, 12, 12, 7, 8, 6),
}

V_NET_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
V_NET_CHANGED = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"  # 10.0
V_LOCAL_ROOT = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"  # 7.8
V_READ_ALL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"  # 7.5
V_TLS_WEAK = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"  # 6.5
V_SSH_CIPHER = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"  # 3.7

SSH = (
    Check(
        "187315",
        "SSH Terrapin Prefix Truncation Weakness (CVE-2023-48795)",
        "Medium",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N",
        ("CVE-2023-48795",),
        port=22,
        service="ssh",
        solution="Disable the ChaCha20-Poly1305 and Encrypt-then-MAC algorithms, or upgrade OpenSSH to 9.6.",
        chance=0.6,
    ),
    Check(
        "201194",
        "OpenSSH < 9.8 RCE (regreSSHion)",
        "High",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ("CVE-2024-6387",),
        ("CWE-364",),
        port=22,
        service="ssh",
        component="openssh-server",
        component_version="1:8.9p1-3ubuntu0.6",
        fixed_version="1:8.9p1-3ubuntu0.10",
        solution="Upgrade OpenSSH to 9.8p1 or the distribution's patched package.",
        chance=0.3,
    ),
    Check(
        "71049",
        "SSH Weak MAC Algorithms Enabled",
        "Low",
        V_SSH_CIPHER,
        port=22,
        service="ssh",
        solution="Disable the MD5 and 96-bit MAC algorithms.",
        chance=0.3,
    ),
    Check(
        "70658",
        "SSH Server CBC Mode Ciphers Enabled",
        "Low",
        V_SSH_CIPHER,
        ("CVE-2008-5161",),
        port=22,
        service="ssh",
        solution="Disable CBC mode ciphers and enable CTR or GCM cipher modes.",
        chance=0.2,
    ),
)
LINUX = (
    Check(
        "10114",
        "ICMP Timestamp Request Remote Date Disclosure",
        "Low",
        cves=("CVE-1999-0524",),
        port=0,
        protocol="icmp",
        solution="Filter ICMP timestamp requests (13) and replies (14).",
        chance=0.5,
    ),
    Check(
        "157136",
        "Ubuntu 20.04 LTS : PolicyKit vulnerability (USN-5252-1) (PwnKit)",
        "High",
        V_LOCAL_ROOT,
        ("CVE-2021-4034",),
        ("CWE-787",),
        component="policykit-1",
        component_version="0.105-26ubuntu1.1",
        fixed_version="0.105-26ubuntu1.2",
        solution="Update the policykit-1 package.",
        chance=0.2,
    ),
    Check(
        "182485",
        "Ubuntu 22.04 LTS : GNU C Library vulnerabilities (USN-6409-1) (Looney Tunables)",
        "High",
        V_LOCAL_ROOT,
        ("CVE-2023-4911",),
        ("CWE-787",),
        component="libc6",
        component_version="2.35-0ubuntu3.3",
        fixed_version="2.35-0ubuntu3.4",
        solution="Update the libc6 package.",
        chance=0.2,
    ),
    Check("19506", "Nessus Scan Information", "None", port=0, protocol="tcp"),
)
TLS = (
    Check("10863", "SSL Certificate Information", "None", port=443, service="www"),
    Check(
        "51192",
        "SSL Certificate Cannot Be Trusted",
        "Medium",
        V_TLS_WEAK,
        port=443,
        service="www",
        solution="Purchase or generate a certificate from a trusted authority.",
        chance=0.3,
    ),
    Check(
        "157288",
        "TLS Version 1.1 Deprecated Protocol",
        "Medium",
        V_TLS_WEAK,
        cwes=("CWE-327",),
        port=443,
        service="www",
        solution="Enable TLS 1.2 and 1.3 only.",
        chance=0.4,
    ),
    Check(
        "42873",
        "SSL Medium Strength Cipher Suites Supported (SWEET32)",
        "High",
        V_READ_ALL,
        ("CVE-2016-2183",),
        port=443,
        service="www",
        solution="Disable 64-bit block ciphers such as 3DES.",
        chance=0.3,
    ),
)
BY_ROLE: dict[str, tuple[Check, ...]] = {
    "hypervisor": (
        Check(
            "80101",
            "IPMI v2.0 Password Hash Disclosure",
            "High",
            V_READ_ALL,
            ("CVE-2013-4786",),
            port=623,
            protocol="udp",
            service="asf-rmcp",
            solution="Restrict IPMI to the management network and use long, unique BMC passwords.",
            chance=0.7,
        ),
        Check(
            "146825",
            "VMware ESXi OpenSLP Heap Overflow (VMSA-2021-0002)",
            "High",
            "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            ("CVE-2021-21974",),
            ("CWE-787",),
            port=427,
            service="svrloc",
            component="VMware ESXi",
            component_version="7.0.1",
            fixed_version="7.0 U1c",
            solution="Apply ESXi 7.0 U1c or later, or disable the SLP service.",
            chance=0.3,
        ),
        Check(
            "204782",
            "VMware ESXi Active Directory Integration Authentication Bypass (VMSA-2024-0013)",
            "Medium",
            "CVSS:3.1/AV:A/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
            ("CVE-2024-37085",),
            ("CWE-287",),
            port=443,
            service="www",
            component="VMware ESXi",
            component_version="7.0.3",
            fixed_version="8.0 U3",
            solution="Upgrade to ESXi 8.0 U3, or point Config.HostAgent.plugins.hostsvc.esxAdminsGroup "
            "at a group other than the default.",
            chance=0.5,
        ),
        *TLS,
    ),
    "storage": (
        *TLS,
        *SSH[2:],
        Check(
            "41028",
            "SNMP Agent Default Community Name (public)",
            "High",
            V_READ_ALL,
            ("CVE-1999-0517",),
            port=161,
            protocol="udp",
            service="snmp",
            solution="Disable SNMP v1/v2c or change the default community string.",
            chance=0.3,
        ),
    ),
    "web": (
        Check(
            "151004",
            "nginx 0.6.18 < 1.20.1 1-Byte Memory Overwrite RCE",
            "High",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:H",
            ("CVE-2021-23017",),
            ("CWE-193",),
            port=443,
            service="www",
            component="nginx",
            component_version="1.18.0",
            fixed_version="1.20.1",
            solution="Upgrade nginx to 1.20.1 or later.",
            chance=0.5,
        ),
        *TLS,
    ),
    "api": (
        Check(
            "134862",
            "Apache Tomcat AJP Connector Request Injection (Ghostcat)",
            "Critical",
            V_NET_CRITICAL,
            ("CVE-2020-1938",),
            ("CWE-269",),
            port=8009,
            service="ajp13",
            component="Apache Tomcat",
            component_version="9.0.30",
            fixed_version="9.0.31",
            solution="Disable the AJP connector or upgrade Tomcat to 9.0.31 and require a secret.",
            chance=0.4,
        ),
        *TLS,
    ),
    "db": (
        Check(
            "211528",
            "PostgreSQL 14.x < 14.14 PL/Perl Environment Variable Manipulation",
            "High",
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
            ("CVE-2024-10979",),
            ("CWE-15",),
            port=5432,
            service="postgresql",
            component="PostgreSQL",
            component_version="14.12",
            fixed_version="14.14",
            solution="Upgrade PostgreSQL to 14.14 or later.",
            chance=0.6,
        ),
        Check(
            "57582",
            "SSL Self-Signed Certificate",
            "Medium",
            V_TLS_WEAK,
            port=5432,
            service="postgresql",
            solution="Use a certificate signed by the internal certificate authority.",
            chance=0.5,
        ),
    ),
    "cache": (
        Check(
            "158800",
            "Redis Lua Sandbox Escape (Debian and Ubuntu packages)",
            "Critical",
            V_NET_CHANGED,
            ("CVE-2022-0543",),
            ("CWE-862",),
            port=6379,
            service="redis",
            component="redis-server",
            component_version="5:6.0.16-1ubuntu1",
            fixed_version="5:6.0.16-1ubuntu1.1",
            solution="Update the redis packages and require authentication.",
            chance=0.4,
        ),
    ),
    "queue": (
        Check(
            "186376",
            "RabbitMQ < 3.11.18 / 3.12.x < 3.12.7 Denial of Service",
            "Medium",
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H",
            ("CVE-2023-46118",),
            ("CWE-400",),
            port=15672,
            service="www",
            component="RabbitMQ",
            component_version="3.11.10",
            fixed_version="3.11.18",
            solution="Upgrade RabbitMQ to 3.11.18 or 3.12.7.",
            chance=0.7,
        ),
    ),
    "monitoring": (
        Check(
            "156066",
            "Grafana 8.0.0 < 8.3.1 Directory Traversal",
            "High",
            V_READ_ALL,
            ("CVE-2021-43798",),
            ("CWE-22",),
            port=3000,
            service="www",
            component="Grafana",
            component_version="8.2.5",
            fixed_version="8.3.1",
            solution="Upgrade Grafana to 8.3.1 or later.",
            chance=0.6,
        ),
    ),
    "bastion": (),
    "ci-runner": (
        Check(
            "189463",
            "Jenkins LTS < 2.426.3 / Jenkins weekly < 2.442 Arbitrary File Read",
            "Critical",
            V_NET_CRITICAL,
            ("CVE-2024-23897",),
            ("CWE-88",),
            port=8080,
            service="www",
            component="Jenkins",
            component_version="2.426.2",
            fixed_version="2.426.3",
            solution="Upgrade Jenkins LTS to 2.426.3, or disable the CLI.",
            chance=0.7,
        ),
        Check(
            "192708",
            "XZ Utils 5.6.0 / 5.6.1 Backdoor",
            "Critical",
            V_NET_CHANGED,
            ("CVE-2024-3094",),
            ("CWE-506",),
            component="xz-utils",
            component_version="5.6.1-1",
            fixed_version="5.6.1+really5.4.5-1",
            solution="Downgrade xz-utils to 5.4.x and rebuild the runner image.",
            chance=0.3,
        ),
    ),
    "batch": (
        Check(
            "33850",
            "Unix Operating System Unsupported Version Detection (CentOS Linux 7)",
            "Critical",
            V_NET_CHANGED,
            port=0,
            component="CentOS Linux",
            component_version="7.9.2009",
            solution="Migrate to a supported release (Rocky Linux 9 or Ubuntu 22.04 LTS).",
            chance=0.8,
        ),
    ),
}
WITHOUT_SSH_CHECKS = {"hypervisor"}


def vm_role(name: str) -> str:
    """The role a virtual machine's name carries (``vm-cache-001042`` is a cache)."""
    parts = name.removeprefix("Virtual machine ").split("-")
    return "-".join(parts[1:-1]) if len(parts) > 2 else "worker"


def checks_for(role: str) -> tuple[Check, ...]:
    own = BY_ROLE.get(role, ())
    if role in WITHOUT_SSH_CHECKS:
        return own
    return (*own, *SSH, *LINUX)


def parsed(check: Check, target: Target, *, evidence: str = "") -> ParsedFinding:
    return ParsedFinding(
        title=check.title,
        rule_id=check.rule_id,
        host=target.address,
        host_names=target.names,
        port=check.port,
        protocol=check.protocol if check.port is not None else "",
        service=check.service,
        component=check.component,
        component_version=check.component_version,
        fixed_version=check.fixed_version,
        severity=check.severity,
        cvss_vector=check.vector,
        cve_ids=check.cves,
        cwe_ids=check.cwes,
        solution=check.solution,
        evidence=evidence,
        references=tuple(f"https://nvd.nist.gov/vuln/detail/{cve}" for cve in check.cves),
    )


def monthly_scans(targets: Sequence[Target], rng: random.Random) -> list[list[ScannedHost | ParsedFinding]]:
    """The records of the three monthly scans of `targets`, oldest first."""
    scans: list[list[ScannedHost | ParsedFinding]] = [[], [], []]
    for target in targets:
        host = ScannedHost(
            address=target.address, names=target.names, operating_system=target.operating_system
        )
        for records in scans:
            records.append(host)
        for check in checks_for(target.role):
            if rng.random() >= check.chance:
                continue
            story = story_of(check, rng)
            finding = parsed(
                check, target, evidence=f"Detected on {target.address} ({target.operating_system})."
            )
            for present, records in zip(story.value, scans, strict=True):
                if present:
                    records.append(finding)
    return scans


def story_of(check: Check, rng: random.Random) -> Story:
    if check.severity == "None":
        return Story.STAYS
    weights = STORY_WEIGHTS["critical" if check.severity == "Critical" else "default"]
    return rng.choices(list(Story), weights=weights)[0]


def single_scan(
    targets: Sequence[Target], checks: dict[str, tuple[Check, ...]], rng: random.Random
) -> Iterator[ScannedHost | ParsedFinding]:
    """The records of one scan of `targets`, firing `checks` by the target's role."""
    for target in targets:
        yield ScannedHost(
            address=target.address, names=target.names, operating_system=target.operating_system
        )
        for check in checks.get(target.role, ()):
            if rng.random() < check.chance:
                yield parsed(check, target)
