"""Trivy JSON reports: every sample reads into the findings Trivy reported, in all three
report shapes, and a broken or foreign file is refused with the reason."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from garrison.vulns.parsers import ParsedFinding, ParseError, Problem, RejectedRecord
from garrison.vulns.parsers.trivy import TrivyParser
from tests.vulns.conftest import SAMPLES

TRIVY = SAMPLES / "trivy"


def parse_file(path: Path) -> list[Any]:
    with path.open("rb") as stream:
        return list(TrivyParser().parse(stream, path.name))


def parse_bytes(data: bytes, filename: str = "report.json") -> list[Any]:
    return list(TrivyParser().parse(io.BytesIO(data), filename))


def findings_of(records: list[Any]) -> list[ParsedFinding]:
    assert all(isinstance(record, ParsedFinding) for record in records)
    return records


def test_it_reads_the_current_schema_with_packages_inside_the_image() -> None:
    findings = findings_of(parse_file(TRIVY / "scheme_2_many_vulns.json"))

    assert [finding.rule_id for finding in findings] == [
        "CVE-2020-15999",
        "CVE-2020-28196",
        "CVE-2019-12900",
        "CVE-2018-11771",
        "CVE-2018-1324",
    ]
    assert Counter(finding.severity for finding in findings) == {"MEDIUM": 3, "HIGH": 1, "CRITICAL": 1}
    freetype = findings[0]
    assert freetype.title == "freetype: Heap-based buffer overflow due to integer truncation in Load_SBit_Png"
    assert freetype.cve_ids == ("CVE-2020-15999",)
    assert freetype.cwe_ids == ("CWE-787",)
    assert (freetype.component, freetype.component_version, freetype.fixed_version) == (
        "freetype",
        "2.9.1-r2",
        "2.9.1-r3",
    )
    assert freetype.location == "teamdojo:latest (alpine 3.9.4) | app/libs/freetype-2.9.1-r2"
    # NVD's vector rather than Red Hat's
    assert freetype.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"
    assert freetype.cvss_score == 6.5
    assert freetype.references[0] == "https://avd.aquasec.com/nvd/cve-2020-15999"
    assert len(freetype.references) == 20
    assert freetype.host == ""
    # only a vendor's vector: taken; no vector at all: left blank
    assert findings[1].cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    assert (findings[2].cvss_vector, findings[2].cvss_score) == ("", None)
    # a jar inside the image is placed in the image
    assert findings[3].location == (
        "teamdojo:latest | app/libs/commons-compress-1.14.jar | app/libs/commons-compress-1.14"
    )
    assert findings[3].component == "org.apache.commons:commons-compress"


def test_it_reads_the_legacy_list_of_results() -> None:
    findings = findings_of(parse_file(TRIVY / "legacy_many_vulns.json"))

    assert len(findings) == 93
    assert Counter(finding.severity for finding in findings) == {
        "LOW": 65,
        "HIGH": 18,
        "MEDIUM": 9,
        "UNKNOWN": 1,
    }
    assert {finding.location for finding in findings} == {"debian (debian 10.8)"}
    assert len({finding.rule_id for finding in findings}) == 60
    assert sum(1 for finding in findings if finding.cve_ids) == 87
    temporary = next(finding for finding in findings if finding.severity == "UNKNOWN")
    # a Debian placeholder id is the rule and the title, but no CVE
    assert (temporary.rule_id, temporary.title, temporary.cve_ids) == ("TEMP-0981404-911A2F",) * 2 + ((),)
    apt = findings[0]
    assert (apt.rule_id, apt.title, apt.component, apt.component_version) == (
        "CVE-2011-3374",
        "CVE-2011-3374",
        "apt",
        "1.8.2.2",
    )


def test_it_reads_misconfigurations_and_masked_secrets() -> None:
    findings = findings_of(parse_file(TRIVY / "misconfigurations_and_secrets.json"))

    assert [(finding.rule_id, finding.location, finding.severity) for finding in findings] == [
        ("CVE-2021-33503", "requirements.txt", "HIGH"),
        ("CVE-2021-28363", "requirements.txt", "MEDIUM"),
        ("DS002", "Dockerfile", "HIGH"),
        ("github-pat", "Dockerfile:24", "CRITICAL"),
        ("github-pat", "secret.txt:1", "CRITICAL"),
    ]
    misconfiguration = findings[2]
    assert misconfiguration.title == "Image user should not be 'root'"
    assert misconfiguration.solution == "Add 'USER <non root user name>' line to the Dockerfile"
    assert misconfiguration.description.endswith(
        "Specify at least 1 USER command in Dockerfile with non-root user as argument"
    )
    assert misconfiguration.references == (
        "https://avd.aquasec.com/misconfig/ds002",
        "https://docs.docker.com/develop/develop-images/dockerfile_best-practices/",
    )
    assert [finding.evidence for finding in findings[3:]] == ["ENV GITHUB_PAT=*****", "GITHUB_PAT=*****"]
    assert findings[3].title == "GitHub Personal Access Token"


def test_it_reads_a_kubernetes_report_placing_findings_in_their_resources() -> None:
    findings = findings_of(parse_file(TRIVY / "kubernetes.json"))

    assert len(findings) == 20
    assert Counter(finding.severity for finding in findings) == {"LOW": 14, "MEDIUM": 6}
    assert Counter(finding.location for finding in findings) == {
        "default/Deployment/redis-follower | gcr.io/google_samples/gb-redis-follower:v2 (debian 10.4)": 5,
        "default/Deployment/redis-leader | docker.io/redis:6.0.5 (debian 10.4)": 5,
        "default/Deployment/redis-follower:132-143": 5,
        "default/Deployment/redis-leader:132-143": 5,
    }
    assert [finding.rule_id for finding in findings[10:15]] == [
        "KSV001",
        "KSV003",
        "KSV011",
        "KSV012",
        "KSV014",
    ]
    assert findings[0].rule_id == "CVE-2020-27350"
    assert findings[0].fixed_version == "1.8.2.2"


def test_a_report_without_findings_yields_nothing() -> None:
    assert parse_file(TRIVY / "scheme_2_no_vuln.json") == []


def test_it_reads_the_newer_kubernetes_shape_and_prefers_a_version_4_vector() -> None:
    vulnerability = {
        "VulnerabilityID": "CVE-2024-0001",
        "PkgName": "openssl",
        "Severity": "HIGH",
        "CVSS": {
            "ghsa": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8},
            "nvd": {
                "V40Vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "V40Score": 9.3,
            },
        },
    }
    report = {
        "ClusterName": "prod",
        "Resources": [
            {
                "Namespace": "shop",
                "Kind": "Pod",
                "Name": "web",
                "Results": [{"Target": "nginx:1.25", "Vulnerabilities": [vulnerability]}],
            }
        ],
    }

    [finding] = findings_of(parse_bytes(json.dumps(report).encode()))

    assert finding.location == "shop/Pod/web | nginx:1.25"
    assert finding.cvss_vector.startswith("CVSS:4.0/")
    assert finding.cvss_score == 9.3


def test_it_rejects_a_vulnerability_without_an_id_and_keeps_the_others() -> None:
    report = {
        "SchemaVersion": 2,
        "ArtifactName": "app:1",
        "Results": [
            {
                "Target": "app:1 (alpine 3.19)",
                "Vulnerabilities": [{"PkgName": "zlib"}, {"VulnerabilityID": "CVE-2022-37434"}],
            }
        ],
    }

    records = parse_bytes(json.dumps(report).encode())

    assert records[0] == RejectedRecord(
        where="Results[0].Vulnerabilities[0]", problem=Problem.MISSING_VALUE, detail="VulnerabilityID"
    )
    assert isinstance(records[1], ParsedFinding)
    assert (records[1].rule_id, records[1].title, records[1].location) == (
        "CVE-2022-37434",
        "CVE-2022-37434",
        "app:1 (alpine 3.19)",
    )


def test_findings_listed_before_their_target_wait_for_it() -> None:
    data = (
        b'{"SchemaVersion": 2, "Results": '
        b'[{"Secrets": [{"RuleID": "aws-key", "StartLine": 3}], "Target": "a.env"}]}'
    )

    [finding] = findings_of(parse_bytes(data))

    assert (finding.rule_id, finding.location) == ("aws-key", "a.env:3")


def test_passed_checks_are_not_findings_and_unmasked_secrets_are_not_kept() -> None:
    report = {
        "SchemaVersion": 2,
        "Results": [
            {
                "Target": "deploy.yaml",
                "Misconfigurations": [
                    {"ID": "KSV001", "Status": "PASS"},
                    {"AVDID": "AVD-KSV-0012", "Status": "FAIL"},
                ],
                "Secrets": [{"RuleID": "github-pat", "StartLine": 7, "Match": "token=ghp_realvalue123"}],
            }
        ],
    }

    findings = findings_of(parse_bytes(json.dumps(report).encode()))

    assert [(finding.rule_id, finding.location, finding.evidence) for finding in findings] == [
        ("AVD-KSV-0012", "deploy.yaml", ""),
        ("github-pat", "deploy.yaml:7", ""),
    ]


def test_a_truncated_report_is_refused_naming_where_it_stops() -> None:
    data = (TRIVY / "scheme_2_many_vulns.json").read_bytes()[:5000]

    with pytest.raises(ParseError) as caught:
        parse_bytes(data)

    assert caught.value.problem == Problem.TRUNCATED
    assert caught.value.where.startswith("Results[].Vulnerabilities[]")
    assert caught.value.where.endswith("bytes 1-5000")
    assert caught.value.detail == "parse error: premature EOF"


def test_a_syntax_error_is_refused_as_not_well_formed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(b'{"SchemaVersion": 2, "Results": [}')

    assert caught.value.problem == Problem.NOT_WELL_FORMED
    assert caught.value.where == "Results, bytes 1-34"


@pytest.mark.parametrize(
    "path",
    [SAMPLES / "sarif" / "codeQL-output.sarif", SAMPLES / "sarif" / "no_runs.sarif"],
    ids=["codeql", "no-runs"],
)
def test_a_sarif_file_is_the_wrong_format(path: Path) -> None:
    with pytest.raises(ParseError) as caught:
        parse_file(path)

    assert caught.value.problem == Problem.WRONG_FORMAT


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"", b"   \n", b'"just a string"', b'{"name": "package.json"}'],
    ids=["binary", "empty", "blank", "scalar", "other-json"],
)
def test_something_else_is_the_wrong_format(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(data)

    assert caught.value.problem == Problem.WRONG_FORMAT


def test_a_byte_order_mark_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + (TRIVY / "scheme_2_many_vulns.json").read_bytes()

    assert len(parse_bytes(data)) == 5


def test_a_rejected_kubernetes_check_is_named_by_its_resource() -> None:
    report = json.loads((TRIVY / "kubernetes.json").read_bytes())
    del report["Misconfigurations"][1]["Results"][0]["Misconfigurations"][0]["ID"]

    records = parse_bytes(json.dumps(report).encode())

    assert len(records) == 20
    assert [record for record in records if isinstance(record, RejectedRecord)] == [
        RejectedRecord(
            where="Misconfigurations[1].Results[0].Misconfigurations[0]",
            problem=Problem.MISSING_VALUE,
            detail="ID",
        )
    ]
