"""What the demo's other scanners report, as data: OpenVAS on the network devices and jump
hosts, Trivy on the container images of the console, CodeQL (SARIF) on the console's
repository, and an Nmap sweep of the Beijing management network that finds two hosts
nobody registered. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterator

from garrison.vulns.demo_scans import V_NET_CHANGED, V_NET_CRITICAL, V_READ_ALL, Check
from garrison.vulns.parsers.base import ParsedFinding, ScannedHost

OPENVAS_CHECKS: dict[str, tuple[Check, ...]] = {
    "switch": (
        Check(
            "1.3.6.1.4.1.25623.1.0.170603",
            "Cisco IOS XE Software Web UI Privilege Escalation Vulnerability "
            "(cisco-sa-iosxe-webui-privesc-j22SaA4z)",
            "High",
            V_NET_CHANGED,
            ("CVE-2023-20198",),
            ("CWE-420",),
            port=443,
            service="https",
            component="Cisco IOS XE",
            component_version="17.6.5",
            fixed_version="17.6.6a",
            solution="Upgrade IOS XE and disable the HTTP server "
            "(no ip http server / no ip http secure-server).",
            chance=0.3,
        ),
        Check(
            "1.3.6.1.4.1.25623.1.0.103914",
            "SNMP Agent Default Community Name (public)",
            "High",
            V_READ_ALL,
            ("CVE-1999-0517",),
            port=161,
            protocol="udp",
            service="snmp",
            solution="Change the community string or move to SNMPv3 with authentication.",
            chance=0.4,
        ),
        Check(
            "1.3.6.1.4.1.25623.1.0.108522",
            "Telnet Unencrypted Cleartext Login",
            "Medium",
            "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            cwes=("CWE-319",),
            port=23,
            service="telnet",
            solution="Disable Telnet and manage the device over SSH.",
            chance=0.5,
        ),
    ),
    "firewall": (
        Check(
            "1.3.6.1.4.1.25623.1.0.151644",
            "Fortinet FortiOS SSL-VPN Out-of-Bounds Write Vulnerability (FG-IR-24-015)",
            "Critical",
            V_NET_CRITICAL,
            ("CVE-2024-21762",),
            ("CWE-787",),
            port=10443,
            service="https",
            component="FortiOS",
            component_version="7.2.6",
            fixed_version="7.2.7",
            solution="Upgrade FortiOS to 7.2.7 or later, or disable SSL-VPN.",
            chance=0.5,
        ),
        Check(
            "1.3.6.1.4.1.25623.1.0.117274",
            "SSL/TLS: Deprecated TLSv1.0 and TLSv1.1 Protocol Detection",
            "Medium",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
            ("CVE-2011-3389", "CVE-2015-0204"),
            ("CWE-326",),
            port=443,
            service="https",
            solution="Allow TLSv1.2 and TLSv1.3 only.",
            chance=0.7,
        ),
    ),
    "bastion": (
        Check(
            "1.3.6.1.4.1.25623.1.0.105611",
            "Weak Encryption Algorithm(s) Supported (SSH)",
            "Medium",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
            cwes=("CWE-327",),
            port=22,
            service="ssh",
            solution="Disable arcfour and CBC ciphers in sshd_config.",
            chance=0.6,
        ),
        Check(
            "1.3.6.1.4.1.25623.1.0.103190",
            "ICMP Timestamp Reply Information Disclosure",
            "Low",
            cves=("CVE-1999-0524",),
            port=0,
            protocol="icmp",
            solution="Filter ICMP timestamp requests.",
            chance=0.8,
        ),
    ),
}
for _role in ("switch", "firewall", "bastion"):
    OPENVAS_CHECKS[_role] = (
        *OPENVAS_CHECKS[_role],
        Check("1.3.6.1.4.1.25623.1.0.105937", "OS Detection Consolidation and Reporting", "Log", port=0),
    )

# Images built by the platform team: (image, operating system, [(check, package path)]).
REGISTRY = "registry.demo-cloud.example"
IMAGES: tuple[tuple[str, tuple[Check, ...]], ...] = (
    (
        f"{REGISTRY}/console/api:2.14.3 (debian 12.5)",
        (
            Check(
                "CVE-2024-45337",
                "golang.org/x/crypto: Misuse of ServerConfig.PublicKeyCallback may cause "
                "authorization bypass",
                "CRITICAL",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
                ("CVE-2024-45337",),
                ("CWE-285",),
                component="golang.org/x/crypto",
                component_version="v0.21.0",
                fixed_version="0.31.0",
            ),
            Check(
                "CVE-2023-44487",
                "golang.org/x/net: HTTP/2 rapid reset can cause excessive work",
                "HIGH",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                ("CVE-2023-44487",),
                ("CWE-400",),
                component="golang.org/x/net",
                component_version="v0.15.0",
                fixed_version="0.17.0",
            ),
            Check(
                "CVE-2024-6119",
                "openssl: Possible denial of service in X.509 name checks",
                "HIGH",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                ("CVE-2024-6119",),
                ("CWE-843",),
                component="libssl3",
                component_version="3.0.11-1~deb12u2",
                fixed_version="3.0.14-1~deb12u2",
            ),
            Check(
                "CVE-2011-3374",
                "apt: It was found that apt-key in apt, all versions, do not correctly validate gpg keys",
                "LOW",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N",
                ("CVE-2011-3374",),
                ("CWE-347",),
                component="apt",
                component_version="2.6.1",
            ),
        ),
    ),
    (
        f"{REGISTRY}/console/web:2.14.3 (alpine 3.18.4)",
        (
            Check(
                "CVE-2024-34064",
                "jinja2: accepts keys containing non-attribute characters",
                "MEDIUM",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
                ("CVE-2024-34064",),
                ("CWE-79",),
                component="Jinja2",
                component_version="3.1.2",
                fixed_version="3.1.4",
            ),
            Check(
                "CVE-2023-32681",
                "python-requests: Unintended leak of Proxy-Authorization header",
                "MEDIUM",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
                ("CVE-2023-32681",),
                ("CWE-200",),
                component="requests",
                component_version="2.28.2",
                fixed_version="2.31.0",
            ),
            Check(
                "CVE-2024-6345",
                "pypa/setuptools: Remote code execution via download functions in the package_index module",
                "HIGH",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
                ("CVE-2024-6345",),
                ("CWE-94",),
                component="setuptools",
                component_version="65.5.0",
                fixed_version="70.0.0",
            ),
            Check(
                "CVE-2023-45853",
                "zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6",
                "CRITICAL",
                V_NET_CRITICAL,
                ("CVE-2023-45853",),
                ("CWE-190",),
                component="zlib",
                component_version="1.2.13-r1",
            ),
            Check(
                "DS002",
                "Image user should not be 'root'",
                "HIGH",
                component="Dockerfile",
                solution="Add a 'USER' instruction with a non-root user to the Dockerfile.",
            ),
        ),
    ),
    (
        f"{REGISTRY}/billing/reporting-batch:0.9.2 (ubuntu 18.04)",
        (
            Check(
                "CVE-2021-44228",
                "log4j-core: Remote code injection in Log4j (Log4Shell)",
                "CRITICAL",
                V_NET_CHANGED,
                ("CVE-2021-44228",),
                ("CWE-502", "CWE-400", "CWE-20"),
                component="org.apache.logging.log4j:log4j-core",
                component_version="2.14.1",
                fixed_version="2.15.0, 2.3.1, 2.12.2",
            ),
            Check(
                "CVE-2022-42889",
                "apache-commons-text: variable interpolation RCE (Text4Shell)",
                "CRITICAL",
                V_NET_CRITICAL,
                ("CVE-2022-42889",),
                ("CWE-94",),
                component="org.apache.commons:commons-text",
                component_version="1.9",
                fixed_version="1.10.0",
            ),
            Check(
                "aws-access-key-id",
                "AWS Access Key ID",
                "CRITICAL",
                component="/app/conf/reporting.properties",
                solution="Revoke the key, rotate it, and read credentials from the secret store at run time.",
            ),
        ),
    ),
)

REPOSITORY = "git.demo-cloud.example/console/console-web"
QUERY_HELP = "https://codeql.github.com/codeql-query-help"
LANGUAGES = {"py": "python", "js": "javascript"}
# CodeQL results: (rule, title, level, security-severity, CWEs, file, line).
CODE_RESULTS: tuple[tuple[str, str, str, float | None, tuple[str, ...], str, int], ...] = (
    (
        "py/full-ssrf",
        "Full server-side request forgery",
        "error",
        9.1,
        ("CWE-918",),
        "console/images/importer.py",
        88,
    ),
    (
        "py/sql-injection",
        "SQL query built from user-controlled sources",
        "error",
        8.8,
        ("CWE-89",),
        "console/billing/reports.py",
        142,
    ),
    (
        "py/path-injection",
        "Uncontrolled data used in path expression",
        "error",
        7.5,
        ("CWE-22", "CWE-23", "CWE-36", "CWE-73", "CWE-99"),
        "console/support/attachments.py",
        57,
    ),
    (
        "py/clear-text-logging-sensitive-data",
        "Clear-text logging of sensitive information",
        "error",
        7.5,
        ("CWE-312", "CWE-359", "CWE-532"),
        "console/accounts/login.py",
        203,
    ),
    (
        "js/xss-through-dom",
        "DOM text reinterpreted as HTML",
        "warning",
        6.1,
        ("CWE-79", "CWE-116"),
        "frontend/src/instances/TagEditor.js",
        64,
    ),
    (
        "py/stack-trace-exposure",
        "Information exposure through an exception",
        "error",
        5.4,
        ("CWE-209", "CWE-497"),
        "console/api/errors.py",
        31,
    ),
    (
        "js/missing-rate-limiting",
        "Missing rate limiting",
        "warning",
        None,
        ("CWE-770", "CWE-307", "CWE-400"),
        "frontend/server/routes/auth.js",
        19,
    ),
    (
        "js/unused-local-variable",
        "Unused variable, import, function or class",
        "note",
        None,
        (),
        "frontend/src/billing/InvoiceTable.js",
        12,
    ),
)

# The Beijing management network: the two hosts the sweep finds that nobody registered.
UNKNOWN_HOSTS: tuple[tuple[str, tuple[str, ...], str, tuple[tuple[int, str, str, str], ...]], ...] = (
    (
        "10.10.1.66",
        ("bj-ups-nmc-66.mgmt.demo-cloud.example",),
        "Embedded Linux (UPS network management card)",
        (
            (23, "tcp", "telnet", "Schneider Electric telnetd"),
            (80, "tcp", "http", "Schneider Electric httpd"),
        ),
    ),
    (
        "10.10.1.201",
        (),
        "Linux 5.X",
        (
            (22, "tcp", "ssh", "OpenSSH 7.9p1 Raspbian 10+deb10u2"),
            (8080, "tcp", "http-proxy", "Squid http proxy 4.6"),
        ),
    ),
)
# Ports an Nmap sweep finds on the kinds of registered hosts it reaches.
KNOWN_PORTS = {
    "switch": ((22, "tcp", "ssh", "Cisco SSH 1.25"), (443, "tcp", "https", "Cisco IOS http config")),
    "firewall": ((443, "tcp", "https", "FortiGate SSL VPN"), (541, "tcp", "fortinet", "FortiGate FGFM")),
    "hypervisor": (
        (443, "tcp", "https", "VMware ESXi SOAP API 7.0.3"),
        (902, "tcp", "vmware-auth", "VMware Authentication Daemon 1.10"),
    ),
}


def code_records() -> Iterator[ParsedFinding]:
    for rule, title, level, score, cwes, path, line in CODE_RESULTS:
        yield ParsedFinding(
            title=title,
            rule_id=f"CodeQL:{rule}",
            location=f"{path}:{line}",
            severity=level,
            cvss_score=score,
            cwe_ids=cwes,
            description=f"CodeQL query {rule} found this in {REPOSITORY}.",
            references=(f"{QUERY_HELP}/{LANGUAGES[rule.split('/')[0]]}/{rule.replace('/', '-')}/",),
        )


def image_records() -> Iterator[ParsedFinding]:
    for image, checks in IMAGES:
        for check in checks:
            is_file = check.component.startswith("/")
            yield ParsedFinding(
                title=check.title,
                rule_id=check.rule_id,
                # A secret is placed by its file in the image, as Trivy reports it.
                location=f"{image} | {check.component}" if is_file else image,
                component="" if is_file else check.component,
                component_version=check.component_version,
                fixed_version=check.fixed_version,
                severity=check.severity,
                cvss_vector=check.vector,
                cve_ids=check.cves,
                cwe_ids=check.cwes,
                solution=check.solution
                or (f"Upgrade {check.component} to {check.fixed_version}." if check.fixed_version else ""),
                references=tuple(f"https://avd.aquasec.com/nvd/{cve.lower()}" for cve in check.cves),
            )


def port_finding(
    address: str, names: tuple[str, ...], port: int, protocol: str, service: str, product: str
) -> ParsedFinding:
    return ParsedFinding(
        title=f"Open port {port}/{protocol} ({service})",
        rule_id="open-port",
        host=address,
        host_names=names,
        port=port,
        protocol=protocol,
        service=service,
        component=product,
        severity="info",
        evidence=product,
    )


def discovery_records(known: list[tuple[str, tuple[str, ...], str]]) -> Iterator[ScannedHost | ParsedFinding]:
    """The sweep: each known host (address, names, role) with its usual ports, then the
    unknown ones."""
    for address, names, role in known:
        yield ScannedHost(address=address, names=names)
        for port, protocol, service, product in KNOWN_PORTS.get(role, ()):
            yield port_finding(address, names, port, protocol, service, product)
    for address, names, system, ports in UNKNOWN_HOSTS:
        yield ScannedHost(address=address, names=names, operating_system=system)
        for port, protocol, service, product in ports:
            yield port_finding(address, names, port, protocol, service, product)
