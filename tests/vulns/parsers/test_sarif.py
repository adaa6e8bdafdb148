"""SARIF 2.1.0 logs: every sample reads into one finding per failing result, named
``<tool>:<rule>``, and a broken or foreign file is refused with the reason."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from garrison.vulns.parsers import ParsedFinding, ParseError, Problem
from garrison.vulns.parsers.sarif import SarifParser
from tests.vulns.conftest import SAMPLES

SARIF = SAMPLES / "sarif"


def parse_file(path: Path) -> list[ParsedFinding]:
    with path.open("rb") as stream:
        records = list(SarifParser().parse(stream, path.name))
    findings = [record for record in records if isinstance(record, ParsedFinding)]
    assert len(findings) == len(records)
    return findings


def parse_log(log: dict[str, Any]) -> list[Any]:
    return list(SarifParser().parse(io.BytesIO(json.dumps(log).encode()), "log.sarif"))


def test_it_reads_codeql_results_with_their_rules() -> None:
    findings = parse_file(SARIF / "codeQL-output.sarif")

    assert len(findings) == 72
    assert Counter(finding.severity for finding in findings) == {"note": 57, "error": 11, "warning": 4}
    assert Counter(finding.rule_id for finding in findings).most_common(3) == [
        ("CodeQL:py/unused-import", 40),
        ("CodeQL:py/empty-except", 7),
        ("CodeQL:py/flask-debug", 4),
    ]
    injections = [finding for finding in findings if finding.rule_id == "CodeQL:py/sql-injection"]
    assert [finding.location for finding in injections] == ["bad/libuser.py:12", "bad/libuser.py:25"]
    assert {finding.title for finding in injections} == {"SQL query built from user-controlled sources"}
    assert {finding.cwe_ids for finding in injections} == {("CWE-89",)}
    first = findings[0]
    assert (first.rule_id, first.title, first.location, first.severity, first.cwe_ids) == (
        "CodeQL:py/empty-except",
        "Empty except",
        "good/db_init.py:39",
        "note",
        ("CWE-390",),
    )
    assert first.description.startswith("'except' clause does nothing but pass")
    assert all(finding.host == "" for finding in findings)


def test_it_reads_flawfinder_skipping_the_passed_result() -> None:
    findings = parse_file(SARIF / "flawfinder.sarif")

    # 54 results, one of them of kind "pass"
    assert len(findings) == 53
    assert Counter(finding.severity for finding in findings) == {"note": 50, "error": 2, "warning": 1}
    assert Counter(finding.rule_id for finding in findings)["Flawfinder:FF1004"] == 19
    assert [
        (finding.rule_id, finding.location, finding.severity)
        for finding in findings
        if finding.severity != "note"
    ] == [
        ("Flawfinder:FF1048", "src/tree/param.cc:29", "error"),  # no level: the rule's default
        ("Flawfinder:FF1048", "src/tree/param.cc:75", "warning"),
        ("Flawfinder:FF1021", "src/cli_main.cc:482", "error"),
    ]
    assert findings[0].cwe_ids == ("CWE-327",)
    assert findings[0].references == ("https://cwe.mitre.org/data/definitions/327.html",)
    assert findings[0].evidence == "is.setstate(std::ios::failbit);"


def test_it_reads_dependency_check_with_its_severities_and_cves() -> None:
    findings = parse_file(SARIF / "dependency_check.sarif")

    assert len(findings) == 13
    assert Counter(finding.severity for finding in findings) == {"error": 9, "medium": 3, "low": 1}
    assert [finding.cve_ids for finding in findings if finding.cve_ids] == [
        ("CVE-2012-6708",),
        ("CVE-2015-9251",),
        ("CVE-2019-11358",),
        ("CVE-2020-11022",),
        ("CVE-2020-11023",),
        ("CVE-2015-9251",),
        ("CVE-2019-11358",),
        ("CVE-2020-11022",),
        ("CVE-2020-11023",),
    ]
    assert {finding.cvss_score for finding in findings if finding.cve_ids} == {6.1}
    assert findings[1].rule_id == "dependency-check:Prototype pollution"
    assert findings[4].location == (
        "file:////src/.venv/lib/python3.9/site-packages/tastypie_swagger/static/tastypie_swagger/js/lib/jquery-1.8.0.min.js"
    )


def test_it_reads_gitleaks_without_rule_ids_and_masks_the_secrets() -> None:
    findings = parse_file(SARIF / "gitleaks_7.5.0.sarif")

    assert Counter(finding.rule_id for finding in findings) == {
        "Gitleaks:AWS Access Key secret detected": 6,
        "Gitleaks:Asymmetric Private Key secret detected": 2,
    }
    assert {finding.severity for finding in findings} == {"warning"}
    assert findings[0].location == (
        "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json:13"
    )
    assert findings[0].evidence == '"raw_source_code_extract": "AKIA*****",'
    assert not any("AKIAIOSFODNN7EXAMPLE" in finding.evidence for finding in findings)


def test_it_fills_a_rule_message_with_its_arguments() -> None:
    [finding] = parse_file(SARIF / "appendix_k.sarif")

    assert (finding.rule_id, finding.title, finding.location, finding.severity) == (
        "CodeScanner:C2001",
        "A variable was used without being initialized.",
        "collections/list.h:15",
        "error",
    )
    assert finding.description.startswith('Variable "ptr" was used without being initialized.')


def test_a_log_without_runs_is_an_empty_report() -> None:
    assert parse_file(SARIF / "no_runs.sarif") == []


def test_results_before_the_tool_wait_for_it_and_a_security_severity_is_the_score() -> None:
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "results": [
                    {"ruleIndex": 0, "message": {"text": "user input in query"}, "baselineState": "new"},
                    {"ruleId": "sql", "message": {"text": "fixed"}, "baselineState": "absent"},
                ],
                "tool": {
                    "driver": {
                        "name": "Semgrep",
                        "rules": [
                            {
                                "id": "sql",
                                "shortDescription": {"text": "SQL injection"},
                                "help": {"text": "Use bound parameters."},
                                "properties": {
                                    "security-severity": "8.8",
                                    "tags": ["security", "CWE-89: SQL Injection", "cwe-89"],
                                },
                            }
                        ],
                    }
                },
            }
        ],
    }

    [finding] = parse_log(log)

    assert (finding.rule_id, finding.title, finding.cvss_score, finding.severity) == (
        "Semgrep:sql",
        "SQL injection",
        8.8,
        "warning",
    )
    assert finding.cwe_ids == ("CWE-89",)
    assert finding.solution == "Use bound parameters."
    assert finding.location == ""


def test_a_trivy_report_is_the_wrong_format() -> None:
    with pytest.raises(ParseError) as caught:
        parse_file(SAMPLES / "trivy" / "scheme_2_many_vulns.json")

    assert caught.value.problem == Problem.WRONG_FORMAT
    assert caught.value.where == "SchemaVersion"


@pytest.mark.parametrize(
    "data",
    [b'{"version": "1.0.0", "runs": []}', b'{"runs": []}', b"[]", b"\x7fELF\x02\x01\x01binary", b""],
    ids=["sarif-1", "no-version", "a-list", "binary", "empty"],
)
def test_other_files_are_the_wrong_format(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        list(SarifParser().parse(io.BytesIO(data), "x.sarif"))

    assert caught.value.problem == Problem.WRONG_FORMAT


def test_a_truncated_log_is_refused_naming_where_it_stops() -> None:
    data = (SARIF / "flawfinder.sarif").read_bytes()[:30000]

    with pytest.raises(ParseError) as caught:
        list(SarifParser().parse(io.BytesIO(data), "flawfinder.sarif"))

    assert caught.value.problem == Problem.TRUNCATED
    assert caught.value.where.startswith("runs[].results[]")
    assert caught.value.where.endswith("bytes 1-30000")


def test_a_syntax_error_is_refused_as_not_well_formed() -> None:
    with pytest.raises(ParseError) as caught:
        list(SarifParser().parse(io.BytesIO(b'{"version": "2.1.0", "runs": [{"tool": }]}'), "x.sarif"))

    assert caught.value.problem == Problem.NOT_WELL_FORMED
    assert caught.value.detail.startswith("parse error")
