"""Format detection: every sample scanner file is recognised as its own format from its
first bytes, a CSV by its name and title column, and anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from garrison.vulns.parsers import HEAD_SIZE, ParseError, Problem, detect
from tests.vulns.conftest import SAMPLES

FORMATS = ("nessus", "openvas", "nmap", "trivy", "sarif")
SAMPLE_FILES = sorted(path for folder in FORMATS for path in (SAMPLES / folder).iterdir() if path.is_file())


def head_of(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(HEAD_SIZE)


def test_every_format_has_samples() -> None:
    assert {path.parent.name for path in SAMPLE_FILES} == set(FORMATS)
    assert len(SAMPLE_FILES) == 20


@pytest.mark.parametrize(
    "path", SAMPLE_FILES, ids=[f"{path.parent.name}/{path.name}" for path in SAMPLE_FILES]
)
def test_each_sample_is_detected_as_its_format(path: Path) -> None:
    assert detect(head_of(path), path.name) == path.parent.name


@pytest.mark.parametrize(
    "path",
    [SAMPLES / "trivy" / "scheme_2_many_vulns.json", SAMPLES / "sarif" / "flawfinder.sarif"],
    ids=["trivy", "sarif"],
)
def test_the_file_name_does_not_decide_a_json_format(path: Path) -> None:
    assert detect(head_of(path), "upload.bin") == path.parent.name


def test_a_csv_with_a_title_column_is_detected_by_its_name() -> None:
    head = "\ufeffHost,Title,Severity\r\n10.0.0.5,Weak TLS,high\r\n".encode()

    assert detect(head, "findings.csv") == "csv"


@pytest.mark.parametrize(
    ("head", "filename"),
    [
        (b"Host,Title,Severity\n10.0.0.5,Weak TLS,high\n", "findings.txt"),
        (b"Host,Port\n10.0.0.5,22\n", "hosts.csv"),
        (b'{"name": "my-package", "version": "1.0.0"}', "package.json"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.png"),
        (b"", "empty.xml"),
    ],
    ids=["csv-named-txt", "csv-without-title", "other-json", "binary", "empty"],
)
def test_anything_else_is_an_unknown_format(head: bytes, filename: str) -> None:
    with pytest.raises(ParseError) as caught:
        detect(head, filename)

    assert caught.value.problem == Problem.UNKNOWN_FORMAT
    assert caught.value.where == filename
