"""The one shape of every scanner-file parser. Pure module: no Django import.

A parser reads a binary stream as it arrives (XML through defusedxml's iterparse,
clearing what it has read; JSON through ijson; CSV row by row), so memory stays
bounded whatever the file's size, and yields records: a `ScannedHost` for every host the
scan covered (with or without findings), a `ParsedFinding` for every weakness, and a
`RejectedRecord` for a record it cannot use (the good ones around it are kept). A file
it cannot read at all (not well-formed, cut short, the wrong format, a forbidden
entity or DTD) raises `ParseError`, naming where and why; the caller words the message
in the reader's language from `problem`.

Parsers never touch the database and know nothing of assets: matching hosts to
assets, fingerprints and severities are the import service's business.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO, ClassVar


class Problem(StrEnum):
    """Why a file or a record cannot be used."""

    NOT_WELL_FORMED = "not_well_formed"  # a syntax error in the XML, JSON or CSV
    TRUNCATED = "truncated"  # the file ends before its last element or value closes
    WRONG_FORMAT = "wrong_format"  # well formed, but not what this parser reads
    FORBIDDEN_CONSTRUCT = "forbidden_construct"  # entities, external references (XXE, billion laughs)
    UNKNOWN_FORMAT = "unknown_format"  # no parser recognises the file
    TOO_LARGE = "too_large"  # larger than the configured limit
    MISSING_VALUE = "missing_value"  # a record lacks something every finding needs
    BAD_VALUE = "bad_value"  # a record holds a value that cannot be right


class ParseError(ValueError):
    """The file cannot be imported: `problem`, at `where` (``line 12, column 4`` or an
    element or JSON path), with the underlying `detail` as the parsing library gave it."""

    def __init__(self, problem: Problem, *, where: str = "", detail: str = "") -> None:
        super().__init__(f"{problem}: {where}: {detail}")
        self.problem = problem
        self.where = where
        self.detail = detail


@dataclass(slots=True)
class ScannedHost:
    """A host the scan reached, whether or not it found anything on it."""

    address: str = ""  # the IP address as the scanner wrote it; may be blank
    names: tuple[str, ...] = ()  # host names (FQDN, NetBIOS, reverse DNS), as written
    operating_system: str = ""


@dataclass(slots=True)
class ParsedFinding:
    """One weakness as the scanner reported it.

    `host` is the address or name of the machine it is on (matched to an asset by the
    service); blank for a finding in code, a container image or a repository, which
    `location` then places (``src/app.py:42``, ``alpine:3.19``). `rule_id` is the
    scanner's rule (a Nessus plugin id, an OpenVAS OID, a SARIF ruleId, a Trivy
    vulnerability or check id). `severity` is the scanner's own word or number;
    `cvss_vector` the best vector it gave (v4.0 over v3.x over v2), `cvss_score` its
    own score for it.
    """

    title: str
    rule_id: str
    host: str = ""
    host_names: tuple[str, ...] = ()
    port: int | None = None
    protocol: str = ""
    service: str = ""
    location: str = ""
    component: str = ""
    component_version: str = ""
    fixed_version: str = ""
    severity: str = ""
    cvss_vector: str = ""
    cvss_score: float | None = None
    cve_ids: tuple[str, ...] = ()
    cwe_ids: tuple[str, ...] = ()
    description: str = ""
    solution: str = ""
    evidence: str = ""
    references: tuple[str, ...] = field(default=())


@dataclass(slots=True)
class RejectedRecord:
    """A record the parser skipped: where it is in the file and why."""

    where: str
    problem: Problem
    detail: str = ""


Record = ScannedHost | ParsedFinding | RejectedRecord


class Parser(ABC):
    """A scanner format. Subclasses set `name` (the format's key) and implement both methods."""

    name: ClassVar[str] = ""

    @classmethod
    @abstractmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        """Whether the file whose first bytes are `head` is in this format."""

    @abstractmethod
    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        """The file's records, read from `stream` as they come."""
