"""Garrison's CSV format: a header row naming the columns (English or Chinese), a finding
per row; bad rows are rejected by line and the good ones around them kept."""

from __future__ import annotations

import io
from typing import Any

import pytest

from garrison.vulns.parsers import ParsedFinding, ParseError, Problem, RejectedRecord, ScannedHost
from garrison.vulns.parsers.csv import CsvParser


def parse_text(text: str, *, encoding: str = "utf-8") -> list[Any]:
    return list(CsvParser().parse(io.BytesIO(text.encode(encoding)), "findings.csv"))


def test_it_reads_every_column_and_reports_each_host_once() -> None:
    records = parse_text(
        "Host,Host Name,Port,Protocol,Service,Title,Rule ID,Severity,CVSS Vector,CVSS Score,CVE,CWE,"
        "Component,Component Version,Fixed Version,Location,Description,Solution,Evidence,References\r\n"
        "10.0.0.5,db.example.com,5432,tcp,postgresql,Outdated PostgreSQL,PG-1,high,"
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,9.8,"CVE-2023-5869; cve-2023-5868",CWE-190,'
        "postgresql,13.2,13.13,,Integer overflow,Upgrade,version() = 13.2,"
        "https://www.postgresql.org/support/security/ https://nvd.nist.gov/vuln/detail/CVE-2023-5869\r\n"
        "10.0.0.5,db.example.com,22/tcp,,ssh,Weak SSH ciphers,,2,,,,,,,,,,,,\r\n"
        "10.0.0.9,,,,,Default page,,info,,,,,,,,/index.html,,,,\r\n"
    )

    assert [type(record) for record in records] == [
        ScannedHost,
        ParsedFinding,
        ParsedFinding,
        ScannedHost,
        ParsedFinding,
    ]
    assert records[0] == ScannedHost(address="10.0.0.5", names=("db.example.com",))
    assert records[3] == ScannedHost(address="10.0.0.9", names=())
    assert records[1] == ParsedFinding(
        title="Outdated PostgreSQL",
        rule_id="PG-1",
        host="10.0.0.5",
        host_names=("db.example.com",),
        port=5432,
        protocol="tcp",
        service="postgresql",
        component="postgresql",
        component_version="13.2",
        fixed_version="13.13",
        severity="high",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        cvss_score=9.8,
        cve_ids=("CVE-2023-5869", "CVE-2023-5868"),
        cwe_ids=("CWE-190",),
        description="Integer overflow",
        solution="Upgrade",
        evidence="version() = 13.2",
        references=(
            "https://www.postgresql.org/support/security/",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-5869",
        ),
    )
    ssh = records[2]
    # the port's protocol is taken from "22/tcp"; a row without a rule is named by its title
    assert (ssh.port, ssh.protocol, ssh.severity, ssh.rule_id) == (22, "tcp", "medium", "Weak SSH ciphers")
    assert (records[4].location, records[4].severity, records[4].port) == ("/index.html", "info", None)


def test_a_bad_row_is_rejected_by_line_and_the_others_kept() -> None:
    records = parse_text(
        "title,host,port,severity,cvss_score,cve\n"
        "Good one,10.0.0.1,80,low,,\n"
        ",10.0.0.1,80,low,,\n"
        "Port out of range,10.0.0.1,70000,low,,\n"
        "Unknown severity,10.0.0.1,80,dire,,\n"
        "\n"
        "Score out of range,10.0.0.1,80,,11,\n"
        '"Spans\ntwo lines",10.0.0.1,443,high,,CVE-2021-44228\n'
        "Bad CVE,10.0.0.1,,,,CVE-21\n"
        "Good two,10.0.0.2,,critical,,\n"
    )

    rejected = [record for record in records if isinstance(record, RejectedRecord)]
    assert rejected == [
        RejectedRecord(where="line 3", problem=Problem.MISSING_VALUE, detail="title"),
        RejectedRecord(where="line 4", problem=Problem.BAD_VALUE, detail="port '70000'"),
        RejectedRecord(where="line 5", problem=Problem.BAD_VALUE, detail="severity 'dire'"),
        RejectedRecord(where="line 7", problem=Problem.BAD_VALUE, detail="CVSS score '11'"),
        RejectedRecord(where="line 10", problem=Problem.BAD_VALUE, detail="CVE 'CVE-21'"),
    ]
    findings = [record for record in records if isinstance(record, ParsedFinding)]
    assert [(finding.title, finding.rule_id) for finding in findings] == [
        ("Good one", "Good one"),
        ("Spans\ntwo lines", "CVE-2021-44228"),
        ("Good two", "Good two"),
    ]
    assert [record.address for record in records if isinstance(record, ScannedHost)] == [
        "10.0.0.1",
        "10.0.0.2",
    ]


def test_it_reads_chinese_headers_and_severities_in_gb18030() -> None:
    text = "主机,端口,标题,严重程度,解决方案\n192.168.1.10,3389,远程桌面弱口令,高危,修改口令\n"

    [host, finding] = parse_text(text, encoding="gb18030")

    assert host == ScannedHost(address="192.168.1.10")
    assert (finding.title, finding.port, finding.severity, finding.solution) == (
        "远程桌面弱口令",
        3389,
        "high",
        "修改口令",
    )


def test_a_byte_order_mark_and_semicolons_are_tolerated() -> None:
    [finding] = parse_text("\ufeffTitle;Location;Severity\nHard-coded key;src/app.py:42;4\n")

    assert (finding.title, finding.location, finding.severity, finding.host) == (
        "Hard-coded key",
        "src/app.py:42",
        "critical",
        "",
    )


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"host,port,severity\n10.0.0.1,80,high\n", "no title column in the header row"),
        (b"10.0.0.1,80,Weak TLS,high\n", "no title column in the header row"),
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    ],
    ids=["no-title-column", "no-header", "empty", "binary"],
)
def test_a_file_without_a_title_header_or_not_text_is_the_wrong_format(data: bytes, detail: str) -> None:
    with pytest.raises(ParseError) as caught:
        list(CsvParser().parse(io.BytesIO(data), "findings.csv"))

    assert caught.value.problem == Problem.WRONG_FORMAT
    assert caught.value.detail == detail


def test_a_broken_character_further_down_is_not_well_formed() -> None:
    data = b"title\n" + b"a row\n" * 20000 + b"\xff\xfe broken\n"

    with pytest.raises(ParseError) as caught:
        list(CsvParser().parse(io.BytesIO(data), "findings.csv"))

    assert caught.value.problem == Problem.NOT_WELL_FORMED
    assert caught.value.where == "line 20002"


def test_it_recognises_a_csv_file_by_name_and_title_column() -> None:
    assert CsvParser.recognises(b"Host,Title,Severity\n10.0.0.1,x,high\n", "scan.CSV")
    assert CsvParser.recognises("主机,标题\n".encode("gb18030"), "scan.csv")
    assert not CsvParser.recognises(b"Host,Title,Severity\n", "scan.txt")
    assert not CsvParser.recognises(b"Host,Port\n", "scan.csv")
    assert not CsvParser.recognises(b"\x00\x01\x02title", "scan.csv")
