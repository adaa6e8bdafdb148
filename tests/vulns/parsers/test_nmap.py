"""Nmap XML: every host that was up is a scanned host, every open port an informational
finding with the service Nmap saw, and the vulners script's CVEs findings of their own."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from garrison.vulns.parsers import ParsedFinding, ScannedHost, detect
from garrison.vulns.parsers.nmap import NmapParser
from tests.vulns.conftest import SAMPLES

NMAP = SAMPLES / "nmap"


@pytest.fixture(autouse=True)
def default_policy() -> None:
    """Parsers never touch the database: no policy row to restore."""


def parse_file(path: Path) -> list[Any]:
    with path.open("rb") as stream:
        return list(NmapParser().parse(stream, path.name))


def findings_of(records: list[Any]) -> list[ParsedFinding]:
    return [record for record in records if isinstance(record, ParsedFinding)]


def test_it_reads_a_host_with_no_open_port_as_scanned_only() -> None:
    assert parse_file(NMAP / "nmap_0port.xml") == [
        ScannedHost(address="127.0.0.1", names=("localhost.localdomain",))
    ]


def test_it_reads_every_open_port_as_an_informational_finding() -> None:
    records = parse_file(NMAP / "nmap_multiple_port.xml")
    findings = findings_of(records)

    assert records[0] == ScannedHost(
        address="198.38.82.159", names=("joaquinlp.me", "mocha2005.mochahost.com")
    )
    assert len(records) == 14
    assert [finding.port for finding in findings] == [
        21, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995, 2525, 3306,
    ]  # fmt: skip
    assert Counter(finding.severity for finding in findings) == {"info": 13}
    assert {finding.rule_id for finding in findings} == {"open-port"}
    assert {finding.protocol for finding in findings} == {"tcp"}
    https = findings[6]
    assert https.title == "Open port 443/tcp (https)"
    assert (https.host, https.service) == ("198.38.82.159", "https")
    assert https.host_names == ("joaquinlp.me", "mocha2005.mochahost.com")


def test_it_reads_the_cves_the_vulners_script_lists() -> None:
    records = parse_file(NMAP / "nmap_script_vulners.xml")

    assert len(records) == 4
    host, ssh, first, second = records
    assert host == ScannedHost(address="192.168.0.1")
    assert ssh == ParsedFinding(
        title="Open port 5022/tcp (ssh)",
        rule_id="open-port",
        host="192.168.0.1",
        port=5022,
        protocol="tcp",
        service="ssh",
        component="OpenSSH",
        component_version="7.4",
        severity="info",
        evidence="OpenSSH 7.4 (protocol 2.0)",
    )
    assert [first.rule_id, second.rule_id] == ["CVE-2018-15919", "CVE-2017-15906"]
    assert first.title == "CVE-2018-15919 in OpenSSH 7.4"
    assert first.cve_ids == ("CVE-2018-15919",)
    assert (first.cvss_score, first.severity) == (5.0, "")
    assert (first.host, first.port, first.protocol, first.service) == ("192.168.0.1", 5022, "tcp", "ssh")
    assert (first.component, first.component_version) == ("OpenSSH", "7.4")
    assert first.references == ("https://vulners.com/cve/CVE-2018-15919",)


NMAP_SCAN = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap">
<host><status state="down"/><address addr="10.0.0.1" addrtype="ipv4"/></host>
<host><status state="up"/><address addr="fe80::1" addrtype="ipv6"/>
  <address addr="00:11:22:33:44:55" addrtype="mac"/>
  <ports>
    <port protocol="udp" portid="161"><state state="open"/><service name="snmp"/></port>
    <port protocol="tcp" portid="23"><state state="closed"/><service name="telnet"/></port>
    <port protocol="tcp" portid="80"><state state="filtered"/></port>
    <port protocol="tcp" portid="22"><state state="open"/>
      <script id="vulners" output="cpe:/a:openbsd:openssh:7.4:&#xa;&#x9;CVE-2018-15919&#x9;5.0&#x9;x"/>
    </port>
  </ports>
  <os><osmatch name="Linux 4.15" accuracy="98"/><osmatch name="Linux 5.0" accuracy="90"/></os>
</host>
</nmaprun>
"""


def test_it_skips_hosts_that_were_down_and_ports_that_were_not_open() -> None:
    records: list[Any] = list(NmapParser().parse(io.BytesIO(NMAP_SCAN), "scan.xml"))

    assert records[0] == ScannedHost(address="fe80::1", operating_system="Linux 4.15")
    assert [(record.title, record.rule_id) for record in records[1:]] == [
        ("Open port 161/udp (snmp)", "open-port"),
        ("Open port 22/tcp", "open-port"),
        ("CVE-2018-15919", "CVE-2018-15919"),
    ]
    assert records[3].cvss_score == 5.0


def test_it_recognises_nmap_files_behind_their_doctype_and_stylesheet() -> None:
    head = (NMAP / "nmap_script_vulners.xml").read_bytes()[:8192]

    assert NmapParser.recognises(head, "scan.xml")
    assert detect(head, "scan.xml") == "nmap"
    assert not NmapParser.recognises(b"<NessusClientData_v2>", "scan.xml")
