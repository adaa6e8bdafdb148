"""Fuzzing the Trivy, SARIF and CSV parsers on a small budget: whatever the bytes, a
parser yields records or raises ParseError, and nothing else escapes it."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garrison.vulns.parsers import ParsedFinding, ParseError, Parser, Problem, RejectedRecord, ScannedHost
from garrison.vulns.parsers.csv import CsvParser
from garrison.vulns.parsers.sarif import SarifParser
from garrison.vulns.parsers.trivy import TrivyParser
from tests.vulns.conftest import SAMPLES

SMALL_SAMPLES = [
    (SAMPLES / "trivy" / name).read_bytes()
    for name in ("scheme_2_many_vulns.json", "misconfigurations_and_secrets.json", "scheme_2_no_vuln.json")
] + [
    (SAMPLES / "sarif" / name).read_bytes()
    for name in ("gitleaks_7.5.0.sarif", "appendix_k.sarif", "no_runs.sarif")
]
PARSERS: list[type[Parser]] = [TrivyParser, SarifParser, CsvParser]
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# yajl refuses integers beyond 64 bits (as not well-formed), which no scanner writes
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def outcome(parser: type[Parser], data: bytes, filename: str = "fuzz.json") -> str:
    """Parse `data` whole: "records" or "refused"; anything else fails the test."""
    try:
        records = list(parser().parse(io.BytesIO(data), filename))
    except ParseError as error:
        refusal = error
    else:
        assert all(isinstance(record, ParsedFinding | ScannedHost | RejectedRecord) for record in records)
        for record in records:
            if isinstance(record, ParsedFinding):
                assert isinstance(record.title, str)
                assert record.title
                assert isinstance(record.rule_id, str)
        return "records"
    assert refusal.problem in set(Problem)
    return "refused"


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SMALL_SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        mutation = draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if mutation == "truncate":
            del data[position:]
        elif mutation == "replace" and data:
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif mutation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[position : position + draw(st.integers(min_value=1, max_value=16))]
    return bytes(data)


@FUZZ
@given(data=mutated_samples(), parser=st.sampled_from(PARSERS))
def test_mutated_samples_give_records_or_a_parse_error(data: bytes, parser: type[Parser]) -> None:
    assert outcome(parser, data) in {"records", "refused"}


@FUZZ
@given(value=json_values, where=st.sampled_from(["vulnerability", "result", "tool", "sarif-result", "rule"]))
def test_reports_with_random_values_in_their_fields_give_records_or_a_parse_error(
    value: Any, where: str
) -> None:
    trivy: dict[str, Any] = {
        "SchemaVersion": 2,
        "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1"}]}],
    }
    sarif: dict[str, Any] = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x", "rules": [{"id": "r"}]}},
                "results": [{"ruleId": "r", "ruleIndex": 0}],
            }
        ],
    }
    if where == "vulnerability":
        trivy["Results"][0]["Vulnerabilities"].append(value)
        trivy["Results"][0]["Vulnerabilities"][0]["CVSS"] = value
    elif where == "result":
        trivy["Results"].append(value)
    elif where == "tool":
        sarif["runs"][0]["tool"] = value
    elif where == "sarif-result":
        sarif["runs"][0]["results"].append(value)
        sarif["runs"][0]["results"][0]["locations"] = value
    else:
        sarif["runs"][0]["tool"]["driver"]["rules"][0]["properties"] = value
    assert outcome(TrivyParser, json.dumps(trivy).encode()) == "records"
    assert outcome(SarifParser, json.dumps(sarif).encode()) == "records"


@FUZZ
@given(
    rows=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), max_size=6),
    header=st.lists(
        st.sampled_from(["title", "host", "port", "severity", "cve", "cwe", "cvss_score", "标题", "x"]),
        max_size=6,
    ),
    separator=st.sampled_from([",", ";", "\t"]),
)
def test_random_csv_text_gives_records_or_a_parse_error(
    rows: list[list[str]], header: list[str], separator: str
) -> None:
    text = "\n".join(separator.join(row) for row in [header, *rows])
    assert outcome(CsvParser, text.encode("utf-8"), "fuzz.csv") in {"records", "refused"}


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_give_records_or_a_parse_error(data: bytes) -> None:
    for parser in PARSERS:
        assert outcome(parser, data, "fuzz.csv") in {"records", "refused"}
