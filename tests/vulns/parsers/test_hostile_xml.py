"""Files the XML parsers must refuse, saying where and why: cut short, another format, an
XXE or billion-laughs payload, bytes that are not XML at all."""

from __future__ import annotations

import io
import re

import pytest

from garrison.vulns.parsers import ParseError, Parser, Problem
from garrison.vulns.parsers.nessus import NessusParser
from garrison.vulns.parsers.nmap import NmapParser
from garrison.vulns.parsers.openvas import OpenvasParser
from tests.vulns.conftest import SAMPLES

LINE_AND_COLUMN = re.compile(r"line \d+, column \d+")

SAMPLE_OF = {
    NessusParser: SAMPLES / "nessus" / "nessus_with_cvssv3.nessus",
    OpenvasParser: SAMPLES / "openvas" / "many_vuln.xml",
    NmapParser: SAMPLES / "nmap" / "nmap_multiple_port.xml",
}
ROOT_OF = {NessusParser: "NessusClientData_v2", OpenvasParser: "report", NmapParser: "nmaprun"}
PARSERS = list(SAMPLE_OF)


@pytest.fixture(autouse=True)
def default_policy() -> None:
    """Parsers never touch the database: no policy row to restore."""


def refusal(parser: type[Parser], data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        list(parser().parse(io.BytesIO(data), "upload.xml"))
    return caught.value


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_a_file_cut_in_half_as_truncated(parser: type[Parser]) -> None:
    data = SAMPLE_OF[parser].read_bytes()

    error = refusal(parser, data[: len(data) // 2])

    assert error.problem == Problem.TRUNCATED
    assert LINE_AND_COLUMN.fullmatch(error.where)
    assert error.detail.startswith("no element found") or error.detail.startswith("unclosed token")


def test_it_names_the_line_and_column_where_the_file_ends() -> None:
    data = (SAMPLES / "nmap" / "nmap_script_vulners.xml").read_bytes()
    cut = data.index(b"<port protocol=") + len(b"<port protocol=")

    error = refusal(NmapParser, data[:cut])

    assert (error.problem, error.where) == (Problem.TRUNCATED, "line 13, column 7")
    assert error.detail == "unclosed token: line 13, column 7"


@pytest.mark.parametrize(
    ("parser", "other", "root"),
    [
        (NessusParser, NmapParser, "nmaprun"),
        (OpenvasParser, NessusParser, "NessusClientData_v2"),
        (NmapParser, OpenvasParser, "report"),
    ],
)
def test_it_refuses_another_format_naming_the_root_it_found(
    parser: type[Parser], other: type[Parser], root: str
) -> None:
    error = refusal(parser, SAMPLE_OF[other].read_bytes())

    assert error.problem == Problem.WRONG_FORMAT
    assert error.where == f"<{root}>"
    assert root in error.detail


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE %(root)s [
<!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<%(root)s>&secret;</%(root)s>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<%(root)s>&lol3;</%(root)s>
"""


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_an_external_entity(parser: type[Parser]) -> None:
    error = refusal(parser, XXE % {b"root": ROOT_OF[parser].encode()})

    assert error.problem == Problem.FORBIDDEN_CONSTRUCT
    assert error.where == "line 3, column 43"
    assert "secret" in error.detail
    assert "root:" not in error.detail


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_a_billion_laughs(parser: type[Parser]) -> None:
    error = refusal(parser, BILLION_LAUGHS % {b"root": ROOT_OF[parser].encode()})

    assert error.problem == Problem.FORBIDDEN_CONSTRUCT
    assert error.where == "line 3, column 14"
    assert "lol" in error.detail


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_garbage_as_not_well_formed(parser: type[Parser]) -> None:
    error = refusal(parser, bytes(range(256)) * 8)

    assert (error.problem, error.where) == (Problem.NOT_WELL_FORMED, "line 1, column 0")


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_an_empty_file_as_not_well_formed(parser: type[Parser]) -> None:
    error = refusal(parser, b"")

    assert (error.problem, error.where) == (Problem.NOT_WELL_FORMED, "line 1, column 0")


@pytest.mark.parametrize("parser", PARSERS)
def test_it_refuses_text_after_the_document(parser: type[Parser]) -> None:
    error = refusal(parser, f"<{ROOT_OF[parser]}/>\n<{ROOT_OF[parser]}/>".encode())

    assert error.problem == Problem.NOT_WELL_FORMED
    assert error.where == "line 2, column 0"
    assert error.detail.startswith("junk after document element")


def test_it_refuses_an_undeclared_encoding() -> None:
    error = refusal(NessusParser, b'<?xml version="1.0" encoding="klingon"?><NessusClientData_v2/>')

    assert error.problem == Problem.NOT_WELL_FORMED
    assert LINE_AND_COLUMN.fullmatch(error.where)
    assert "klingon" in error.detail


def test_it_reads_a_document_type_that_points_elsewhere_without_fetching_it() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun SYSTEM "http://attacker.example/x.dtd">\n<nmaprun/>'

    assert list(NmapParser().parse(io.BytesIO(data), "scan.xml")) == []
