"""Scanner-file parsers, one package per format, each with the shape of `base.Parser`.

`PARSERS` maps a format's key to its parser; `detect` names the format of a file from
its first bytes (and, where the bytes cannot tell, its name).
"""

from __future__ import annotations

from garrison.vulns.parsers.base import (
    ParsedFinding,
    ParseError,
    Parser,
    Problem,
    Record,
    RejectedRecord,
    ScannedHost,
)
from garrison.vulns.parsers.csv import CsvParser
from garrison.vulns.parsers.nessus import NessusParser
from garrison.vulns.parsers.nmap import NmapParser
from garrison.vulns.parsers.openvas import OpenvasParser
from garrison.vulns.parsers.sarif import SarifParser
from garrison.vulns.parsers.trivy import TrivyParser

# Asked in this order: the XML formats by their root element, then the JSON ones by their
# keys, CSV last because almost any text could be CSV.
PARSERS: dict[str, type[Parser]] = {
    parser.name: parser
    for parser in (NessusParser, OpenvasParser, NmapParser, SarifParser, TrivyParser, CsvParser)
}
# How many bytes `detect` looks at.
HEAD_SIZE = 8192


def detect(head: bytes, filename: str) -> str:
    """The key of the format of the file starting with `head`; ParseError when none fits."""
    for key, parser in PARSERS.items():
        if parser.recognises(head, filename):
            return key
    raise ParseError(Problem.UNKNOWN_FORMAT, where=filename)


def parser_for(key: str) -> Parser:
    """A parser of the format `key` (a key of PARSERS)."""
    return PARSERS[key]()


__all__ = [
    "HEAD_SIZE",
    "PARSERS",
    "ParseError",
    "ParsedFinding",
    "Parser",
    "Problem",
    "Record",
    "RejectedRecord",
    "ScannedHost",
    "detect",
    "parser_for",
]
