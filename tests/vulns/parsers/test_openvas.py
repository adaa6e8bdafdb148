"""OpenVAS and Greenbone reports: every sample reads into the results GVM reported, with
the hosts the scan covered, and only the results (not the port summary) become findings."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from garrison.vulns.parsers import ParsedFinding, Problem, RejectedRecord, ScannedHost, detect
from garrison.vulns.parsers.openvas import OpenvasParser
from tests.vulns.conftest import SAMPLES

OPENVAS = SAMPLES / "openvas"


@pytest.fixture(autouse=True)
def default_policy() -> None:
    """Parsers never touch the database: no policy row to restore."""


def parse_file(path: Path) -> list[Any]:
    with path.open("rb") as stream:
        return list(OpenvasParser().parse(stream, path.name))


def findings_of(records: list[Any]) -> list[ParsedFinding]:
    return [record for record in records if isinstance(record, ParsedFinding)]


def test_it_reads_every_result_of_a_report() -> None:
    records = parse_file(OPENVAS / "many_vuln.xml")
    findings = findings_of(records)

    assert len(records) == 45
    assert len(findings) == 44
    assert records[-1] == ScannedHost(address="192.168.1.1001", names=("b6b9f466d63",))
    assert Counter(finding.severity for finding in findings) == {"Medium": 23, "High": 19, "4.0": 2}
    assert Counter(finding.port for finding in findings) == {
        80: 15,
        5432: 8,
        21: 4,
        22: 4,
        5900: 2,
        2121: 2,
        512: 1,
        1524: 1,
        8787: 1,
        None: 1,
        3632: 1,
        6667: 1,
        6697: 1,
        6200: 1,
        445: 1,
    }
    assert {finding.protocol for finding in findings} == {"tcp"}
    assert {finding.host for finding in findings} == {"192.168.1.1001"}
    assert sum(len(finding.cve_ids) for finding in findings) == 55
    assert sum(len(finding.references) for finding in findings) == 102
    assert Counter(finding.cvss_score for finding in findings)[10.0] == 5


def test_it_takes_the_test_oid_as_rule_and_the_test_name_as_title() -> None:
    first = findings_of(parse_file(OPENVAS / "many_vuln.xml"))[0]

    assert first.rule_id == "1.3.6.1.4.1.25623.1.0.100111"
    assert first.title == "The rexec service is running"
    assert (first.port, first.protocol) == (512, "tcp")
    assert first.severity == "High"
    assert first.cvss_score == 10.0
    assert first.cvss_vector == ""
    assert first.cve_ids == ("CVE-1999-0618",)
    assert first.host_names == ("b6b9f466d63",)
    assert first.description == "This remote host is running a rexec service."
    assert first.solution == "Disable the rexec service\nand use alternatives like SSH\ninstead."
    assert first.evidence == "The rexec service was detected on the target system."


def test_it_reads_a_general_port_as_no_port() -> None:
    findings = findings_of(parse_file(OPENVAS / "many_vuln.xml"))
    end_of_life = next(finding for finding in findings if finding.rule_id == "1.3.6.1.4.1.25623.1.0.103674")

    assert (end_of_life.port, end_of_life.protocol) == (None, "tcp")
    assert end_of_life.title == "Operating System (OS) End of Life (EOL) Detection"


def test_it_keeps_the_severity_number_where_gvm_gave_no_threat() -> None:
    findings = findings_of(parse_file(OPENVAS / "many_vuln.xml"))
    weak = [finding for finding in findings if finding.severity == "4.0"]

    assert [finding.rule_id for finding in weak] == [
        "1.3.6.1.4.1.25623.1.0.106223",
        "1.3.6.1.4.1.25623.1.0.105880",
    ]
    assert [finding.cvss_score for finding in weak] == [4.0, 4.0]
    assert weak[0].references == ("https://weakdh.org/", "https://weakdh.org/sysadmin.html")


def test_it_reads_a_current_gvm_report_with_its_cvss_vector() -> None:
    records = parse_file(OPENVAS / "report_detail_v2.xml")

    assert len(records) == 2
    finding, host = records
    assert host == ScannedHost(address="10.99.99.99", names=("server99",))
    assert isinstance(finding, ParsedFinding)
    assert finding.rule_id == "1.3.6.1.4.1.25623.1.0.836484"
    assert finding.title == "Microsoft Windows Multiple Vulnerabilities (KB5062557)"
    assert (finding.host, finding.host_names, finding.port, finding.protocol) == (
        "10.99.99.99",
        ("server99",),
        42,
        "tcp",
    )
    assert finding.severity == "High"
    assert finding.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert finding.cvss_score == 9.8
    assert len(finding.cve_ids) == 93
    assert finding.cve_ids[:2] == ("CVE-2025-49659", "CVE-2025-48823")
    assert "CVE-2025-47981" in finding.cve_ids
    assert finding.references == ("https://support.microsoft.com/en-us/help/5062557",)
    assert (
        finding.solution
        == "The vendor has released updates. Please see\nthe references for more information."
    )
    assert finding.evidence.startswith("Vulnerable range:  10.0.17763.0 - 10.0.17763.7557")


def test_it_reads_a_report_without_results() -> None:
    assert parse_file(OPENVAS / "no_vuln.xml") == []


SMALL_REPORT = b"""<get_reports_response><report><report><results>
<result id="1"><host>10.0.0.1</host><port>443/tcp</port>
  <nvt oid="1.2.3"><name>Weak TLS</name></nvt><threat>Low</threat><severity>2.6</severity></result>
<result id="2"><host>10.0.0.1</host><port>99999/tcp</port><nvt oid="1.2.4"><name>X</name></nvt></result>
<result id="3"><host>10.0.0.1</host><nvt><name>No oid</name></nvt></result>
</results>
<host><ip>10.0.0.2</ip>
  <detail><name>hostname</name><value>db02</value></detail>
  <detail><name>best_os_txt</name><value>Debian 12</value></detail></host>
</report></report></get_reports_response>"""


def test_it_reads_hosts_gvm_lists_with_their_names_and_system() -> None:
    records = list(OpenvasParser().parse(io.BytesIO(SMALL_REPORT), "report.xml"))

    assert records == [
        ParsedFinding(
            title="Weak TLS",
            rule_id="1.2.3",
            host="10.0.0.1",
            port=443,
            protocol="tcp",
            severity="Low",
            cvss_score=2.6,
        ),
        RejectedRecord(where="result 2", problem=Problem.BAD_VALUE, detail="port '99999/tcp'"),
        RejectedRecord(where="result 3", problem=Problem.MISSING_VALUE, detail="nvt oid"),
        ScannedHost(address="10.0.0.1"),
        ScannedHost(address="10.0.0.2", names=("db02",), operating_system="Debian 12"),
    ]


def test_it_recognises_gvm_reports_and_not_other_report_files() -> None:
    head = (OPENVAS / "many_vuln.xml").read_bytes()[:8192]

    assert OpenvasParser.recognises(head, "scan.xml")
    assert detect(head, "scan.xml") == "openvas"
    assert OpenvasParser.recognises(b'<?xml version="1.0"?>\n<get_reports_response status="200">', "x")
    assert not OpenvasParser.recognises(b"<report><title>Quarterly figures</title></report>", "report.xml")
    assert not OpenvasParser.recognises(b"<NessusClientData_v2>", "report.xml")
