"""Nessus v2 files: every sample reads into the hosts and plugin results Nessus reported,
informational ones included, and a large file reads in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from garrison.vulns.parsers import ParsedFinding, Problem, RejectedRecord, ScannedHost, detect
from garrison.vulns.parsers.nessus import NessusParser
from tests.vulns.conftest import SAMPLES

NESSUS = SAMPLES / "nessus"


@pytest.fixture(autouse=True)
def default_policy() -> None:
    """Parsers never touch the database: no policy row to restore."""


def parse_file(path: Path) -> list[Any]:
    with path.open("rb") as stream:
        return list(NessusParser().parse(stream, path.name))


def parse_bytes(data: bytes) -> list[Any]:
    return list(NessusParser().parse(io.BytesIO(data), "scan.nessus"))


def hosts_of(records: list[Any]) -> list[ScannedHost]:
    return [record for record in records if isinstance(record, ScannedHost)]


def findings_of(records: list[Any]) -> list[ParsedFinding]:
    return [record for record in records if isinstance(record, ParsedFinding)]


def test_it_reads_a_scan_with_cvss3_vectors() -> None:
    records = parse_file(NESSUS / "nessus_with_cvssv3.nessus")
    findings = findings_of(records)

    assert hosts_of(records) == [
        ScannedHost(
            address="44.228.249.3", names=("testphp.vulnweb.com",), operating_system="Linux Kernel 2.6"
        )
    ]
    assert len(records) == 50
    assert len(findings) == 49
    assert Counter(finding.severity for finding in findings) == {"0": 23, "2": 13, "3": 10, "4": 2, "1": 1}
    assert Counter(finding.port for finding in findings) == {80: 41, None: 8}
    assert Counter(finding.cvss_vector[:8] for finding in findings) == {"": 22, "CVSS2#AV": 18, "CVSS:3.0": 9}
    assert sum(len(finding.cve_ids) for finding in findings) == 138
    assert {finding.host for finding in findings} == {"44.228.249.3"}
    assert len({finding.rule_id for finding in findings}) == 48


def test_it_takes_the_cvss3_vector_over_the_cvss2_one() -> None:
    findings = findings_of(parse_file(NESSUS / "nessus_with_cvssv3.nessus"))
    php = next(finding for finding in findings if finding.rule_id == "25368")

    assert php.title == "PHP < 5.2.3 Multiple Vulnerabilities"
    assert php.severity == "3"
    assert php.cvss_vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L"
    assert php.cvss_score == 7.3
    assert php.cve_ids[:3] == ("CVE-2007-1887", "CVE-2007-1900", "CVE-2007-2756")
    assert len(php.cve_ids) == 5
    assert php.cwe_ids == ("CWE-189", "CWE-264")
    assert (php.port, php.protocol, php.service) == (80, "tcp", "www")
    assert (php.component, php.component_version, php.fixed_version) == ("php", "5.1.6", "5.2.3")
    assert php.references == ("http://www.php.net/releases/5_2_3.php",)


def test_it_falls_back_to_the_cvss2_vector() -> None:
    findings = findings_of(parse_file(NESSUS / "nessus_with_cvssv3.nessus"))
    v2_only = [finding for finding in findings if finding.cvss_vector.startswith("CVSS2#")]

    assert len(v2_only) == 18
    assert all(finding.cvss_score is not None for finding in v2_only)


def test_it_keeps_two_installs_of_one_plugin_apart_by_version() -> None:
    findings = findings_of(parse_file(NESSUS / "nessus_with_cvssv3.nessus"))
    unsupported = [finding for finding in findings if finding.rule_id == "58987"]

    assert [finding.severity for finding in unsupported] == ["4", "4"]
    assert sorted(finding.component_version for finding in unsupported) == [
        "5.1.6",
        "5.6.40-38+ubuntu20.04.1+deb.sury.org+1",
    ]
    assert unsupported[0].cvss_score == 10.0


def test_it_reads_an_icmp_finding_without_a_port() -> None:
    findings = findings_of(parse_file(NESSUS / "nessus_with_cvssv3.nessus"))
    timestamp = next(finding for finding in findings if finding.rule_id == "10114")

    assert (timestamp.port, timestamp.protocol) == (None, "icmp")
    assert timestamp.cve_ids == ("CVE-1999-0524",)
    assert timestamp.cwe_ids == ("CWE-200",)
    assert timestamp.severity == "0"


def test_it_reads_a_single_finding_scan() -> None:
    records = parse_file(NESSUS / "issue_6992.nessus")

    assert len(records) == 2
    host, finding = records
    assert host == ScannedHost(
        address="44.228.249.3", names=("testphp.vulnweb.com",), operating_system="Linux Kernel 2.6"
    )
    assert isinstance(finding, ParsedFinding)
    assert finding.rule_id == "142591"
    assert finding.title == "PHP < 7.3.24 Multiple Vulnerabilities"
    assert finding.host == "44.228.249.3"
    assert finding.host_names == ("testphp.vulnweb.com",)
    assert (finding.port, finding.protocol, finding.service) == (80, "tcp", "www")
    assert finding.severity == "2"
    assert finding.cvss_vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    assert finding.cvss_score == 7.5
    assert (finding.component, finding.component_version, finding.fixed_version) == ("php", "5.1.6", "7.3.24")
    assert finding.references == ("https://www.php.net/ChangeLog-7.php#7.3.24",)
    assert finding.description.startswith("According to its self-reported version number")
    assert finding.solution.startswith("Upgrade to PHP version 7.3.24")
    assert "5.1.6" in finding.evidence


def test_it_keeps_informational_results() -> None:
    records = parse_file(NESSUS / "nessus_many_vuln.xml")
    findings = findings_of(records)

    assert hosts_of(records) == [
        ScannedHost(
            address="12.233.108.201", names=("preprod.boardvantage.net",), operating_system="CISCO PIX 7.0"
        )
    ]
    assert len(findings) == 7
    assert Counter(finding.severity for finding in findings) == {"0": 7}
    assert [finding.rule_id for finding in findings] == [
        "19506",
        "54615",
        "45590",
        "11936",
        "12053",
        "11219",
        "11219",
    ]
    assert [finding.port for finding in findings] == [None, None, None, None, None, 443, 264]
    assert findings[5].service == "https?"
    assert findings[0].service == ""


def test_it_reads_a_host_without_findings_and_one_named_by_address() -> None:
    records = parse_bytes(
        b'<?xml version="1.0" ?><NessusClientData_v2><Report name="r">'
        b'<ReportHost name="web01"><HostProperties><tag name="host-ip">10.0.0.7</tag>'
        b'<tag name="netbios-name">WEB01</tag></HostProperties></ReportHost>'
        b'<ReportHost name="10.0.0.8"><ReportItem port="22" protocol="tcp" svc_name="ssh" severity="1" '
        b'pluginID="70658" pluginName="SSH Server CBC Mode Ciphers Enabled"><risk_factor>Low</risk_factor>'
        b"</ReportItem></ReportHost></Report></NessusClientData_v2>"
    )

    assert records == [
        ScannedHost(address="10.0.0.7", names=("web01", "WEB01")),
        ScannedHost(address="10.0.0.8"),
        ParsedFinding(
            title="SSH Server CBC Mode Ciphers Enabled",
            rule_id="70658",
            host="10.0.0.8",
            port=22,
            protocol="tcp",
            service="ssh",
            severity="1",
        ),
    ]


def test_it_rejects_an_item_without_a_plugin_id_or_with_a_bad_port_and_keeps_the_rest() -> None:
    records = parse_bytes(
        b'<NessusClientData_v2><Report><ReportHost name="10.0.0.9">'
        b'<ReportItem port="0" severity="2" pluginName="No id"/>'
        b'<ReportItem port="http" severity="2" pluginID="1" pluginName="Bad port"/>'
        b'<ReportItem port="443" severity="bogus" pluginID="2" pluginName="Good">'
        b"<risk_factor>High</risk_factor></ReportItem></ReportHost></Report></NessusClientData_v2>"
    )

    assert records[0] == ScannedHost(address="10.0.0.9")
    assert records[1] == RejectedRecord(
        where="ReportHost 10.0.0.9, ReportItem ?", problem=Problem.MISSING_VALUE, detail="pluginID"
    )
    assert records[2] == RejectedRecord(
        where="ReportHost 10.0.0.9, ReportItem 1", problem=Problem.BAD_VALUE, detail="port 'http'"
    )
    assert isinstance(records[3], ParsedFinding)
    assert (records[3].rule_id, records[3].port, records[3].severity) == ("2", 443, "High")
    assert len(records) == 4


def test_it_recognises_nessus_files_by_their_root_element() -> None:
    head = (NESSUS / "nessus_with_cvssv3.nessus").read_bytes()[:8192]

    assert NessusParser.recognises(head, "scan.xml")
    assert NessusParser.recognises(b"\xef\xbb\xbf<!-- exported -->\n<NessusClientData_v2>", "x")
    assert detect(head, "scan.xml") == "nessus"
    assert not NessusParser.recognises(b'<?xml version="1.0"?><nmaprun scanner="nmap">', "scan.nessus")
    assert not NessusParser.recognises(b'{"SchemaVersion": 2}', "scan.nessus")


# As long as a real plugin's description, so that the file is large in bytes rather than
# in elements: fewer allocations for tracemalloc to follow.
DESCRIPTION = "A generated weakness on the remote host, there to give the result a real size. " * 14


def write_large_scan(stream: BinaryIO, *, hosts: int, items_per_host: int) -> None:
    """A Nessus file of `items_per_host` results on each of `hosts` hosts, written as it goes."""
    stream.write(b'<?xml version="1.0" ?>\n<NessusClientData_v2><Policy><policyName>Generated</policyName>')
    stream.write(b"<Preferences>" + b"<preference><name>p</name><value>v</value></preference>" * 2000)
    stream.write(b'</Preferences></Policy><Report name="generated">\n')
    for number in range(hosts):
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        stream.write(
            f'<ReportHost name="{address}"><HostProperties><tag name="host-ip">{address}</tag>'
            f'<tag name="host-fqdn">host{number}.example.com</tag></HostProperties>\n'.encode()
        )
        stream.write(
            "".join(
                f'<ReportItem port="{443 + item % 3}" svc_name="www" protocol="tcp" severity="{item % 5}" '
                f'pluginID="{10000 + item}" pluginName="Generated weakness {item}">'
                "<cvss3_base_score>7.5</cvss3_base_score>"
                "<cvss3_vector>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</cvss3_vector>"
                f"<cve>CVE-2024-{item:05d}</cve><cwe>79</cwe>"
                f"<description>{DESCRIPTION}</description>"
                "<solution>Upgrade the product to the latest version.</solution>"
                f"<see_also>https://example.com/a/{item}\nhttps://example.com/b/{item}</see_also>"
                f"<plugin_output>Installed version : 1.2.{item}\nFixed version : 1.3.0</plugin_output>"
                "</ReportItem>\n"
                for item in range(items_per_host)
            ).encode()
        )
        stream.write(b"</ReportHost>\n")
    stream.write(b"</Report></NessusClientData_v2>\n")


def test_it_reads_a_large_file_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.nessus"
    with path.open("wb") as stream:
        write_large_scan(stream, hosts=400, items_per_host=50)
    assert path.stat().st_size > 30_000_000

    hosts = findings = 0
    severities: Counter[str] = Counter()
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for record in NessusParser().parse(stream, path.name):
                if isinstance(record, ParsedFinding):
                    findings += 1
                    severities[record.severity] += 1
                elif isinstance(record, ScannedHost):
                    hosts += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (hosts, findings) == (400, 20_000)
    assert severities == {"0": 4_000, "1": 4_000, "2": 4_000, "3": 4_000, "4": 4_000}
    # A third of the file: holding it whole, as a tree or as records, would not fit.
    assert peak < 10_000_000
