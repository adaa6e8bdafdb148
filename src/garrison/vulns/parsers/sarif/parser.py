"""SARIF 2.1.0, the static-analysis results format of CodeQL, Semgrep, Gitleaks,
Flawfinder, Dependency-Check and most code scanners. Pure module: no Django import.

Each run names its tool and (usually) describes its rules before listing its results;
results are read one at a time. A result's rule is ``<tool>:<ruleId>`` (``CodeQL:py/sql-
injection``), so two tools' rules of the same name stay apart; where a tool names no rule
(Gitleaks 7) the result's message stands for it. Its score is the result's or rule's
``security-severity`` (or Dependency-Check's ``cvssv3_baseScore``); its severity word the
result's ``properties.severity`` where given, else its level (error, warning, note, none).
Results the tool marks as passed or not applicable, and baseline results absent from this
run, are not findings. A file with no runs is a valid, empty report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

from garrison.vulns.parsers.base import ParsedFinding, ParseError, Parser, Problem, Record, RejectedRecord
from garrison.vulns.parsers.jsonstream import END, START, VALUE, mapping, number, sequence, text, unique, walk

RUN = "runs.item"
TOOL = "runs.item.tool"
RESULT = "runs.item.results.item"
CAPTURED = frozenset((TOOL, RESULT))
# Top-level keys of a Trivy report: a clear "wrong format" at once rather than at the end.
FOREIGN = frozenset(("SchemaVersion", "ArtifactName", "Results", "ClusterName"))
# Results a run lists before its tool wait for it (the tool names their rules); so many at most.
MAX_WAITING = 10_000
SKIPPED_KINDS = frozenset(("pass", "notApplicable"))
# Enough of a code snippet to recognise the place; snippets can hold whole files.
EVIDENCE_LIMIT = 4000
# Keys under which secret scanners put the secret itself (Gitleaks 7: "offender").
SECRET_PROPERTIES = ("offender", "secret", "match")

HEAD_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"[^"]*sarif', re.IGNORECASE)
HEAD_VERSION = re.compile(rb'"version"\s*:\s*"2\.1\.0"')
HEAD_RUNS = re.compile(rb'"runs"\s*:')
CWE_TAG = re.compile(r"^(?:external/cwe/)?cwe[-_:]?0*(\d+)$", re.IGNORECASE)
CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)
ARGUMENT = re.compile(r"\{(\d+)\}")


@dataclass(frozen=True, slots=True)
class _RuleFacts:
    """What a rule says of every result it raises, worked out once per rule."""

    title: str
    level: str
    score: float | None
    description: str
    solution: str
    cve_ids: tuple[str, ...]
    cwe_ids: tuple[str, ...]
    references: tuple[str, ...]

    @classmethod
    def of(cls, rule_id: str, rule: dict[str, Any]) -> _RuleFacts:
        name = text(rule.get("name"))
        help_text = mapping(rule.get("help"))
        return cls(
            title=text(mapping(rule.get("shortDescription")).get("text"))
            or (name if name != rule_id else ""),
            # SARIF's default level when neither result nor rule gives one
            level=text(mapping(rule.get("defaultConfiguration")).get("level")) or "warning",
            score=number(mapping(rule.get("properties")).get("security-severity")),
            description=text(mapping(rule.get("fullDescription")).get("text")),
            solution=text(help_text.get("text")) or text(help_text.get("markdown")),
            cve_ids=unique([cve.upper() for cve in CVE.findall(rule_id)]),
            cwe_ids=_cwe_ids(rule),
            references=unique([text(rule.get("helpUri"))]),
        )


class _Run:
    """The run being read: its tool's name and rules, and results waiting for them."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.tool_name = ""
        self.rules: list[dict[str, Any]] = []
        self.rules_by_id: dict[str, dict[str, Any]] = {}
        self.has_tool = False
        self.results_seen = 0
        self.waiting: list[tuple[int, Any]] = []
        self._facts: dict[str, _RuleFacts] = {}

    def describe(self, tool: Any) -> None:
        tool = mapping(tool)
        driver = mapping(tool.get("driver"))
        self.tool_name = text(driver.get("name"))
        self.rules = [mapping(rule) for rule in sequence(driver.get("rules"))]
        for component in (driver, *(mapping(extension) for extension in sequence(tool.get("extensions")))):
            for rule in sequence(component.get("rules")):
                rule = mapping(rule)
                self.rules_by_id.setdefault(text(rule.get("id")), rule)
        self.has_tool = True

    def facts_of(self, rule_id: str, rule: dict[str, Any]) -> _RuleFacts:
        if not rule:  # not described: nothing worth keeping (and ids may be messages)
            return _RuleFacts.of(rule_id, rule)
        facts = self._facts.get(rule_id)
        if facts is None:
            facts = self._facts[rule_id] = _RuleFacts.of(rule_id, rule)
        return facts

    def rule_of(self, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The result's rule id and description (empty when the run does not describe it)."""
        reference = mapping(result.get("rule"))
        rule_id = text(result.get("ruleId")) or text(reference.get("id"))
        index = result.get("ruleIndex", reference.get("index"))
        rule: dict[str, Any] = {}
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(self.rules):
            rule = self.rules[index]
        elif rule_id:
            # a hierarchical id ("C2001/sub") is described by its base rule
            rule = self.rules_by_id.get(rule_id) or self.rules_by_id.get(rule_id.split("/")[0], {})
        return rule_id or text(rule.get("id")), rule


def _message(result: dict[str, Any], rule: dict[str, Any]) -> str:
    """The result's message: its own text, or the rule's message string it refers to
    with the arguments filled in."""
    message = mapping(result.get("message"))
    own = text(message.get("text")) or text(message.get("markdown"))
    if own:
        return own
    template = mapping(mapping(rule.get("messageStrings")).get(text(message.get("id"))))
    pattern = text(template.get("text")) or text(template.get("markdown"))
    arguments = [text(argument) for argument in sequence(message.get("arguments"))]

    def fill(match: re.Match[str]) -> str:
        position = int(match.group(1))
        return arguments[position] if position < len(arguments) else match.group(0)

    return ARGUMENT.sub(fill, pattern)


def _location(result: dict[str, Any]) -> tuple[str, str]:
    """(``uri:line``, the region's snippet) of the result's first location."""
    for place in sequence(result.get("locations")):
        place = mapping(place)
        physical = mapping(place.get("physicalLocation"))
        uri = text(mapping(physical.get("artifactLocation")).get("uri"))
        region = mapping(physical.get("region"))
        line = text(region.get("startLine"))
        snippet = text(mapping(region.get("snippet")).get("text"))
        if uri:
            return (f"{uri}:{line}" if line else uri), snippet
        for logical in sequence(place.get("logicalLocations")):
            logical = mapping(logical)
            name = text(logical.get("fullyQualifiedName")) or text(logical.get("name"))
            if name:
                return name, snippet
    return text(mapping(result.get("analysisTarget")).get("uri")), ""


def _cwe_ids(rule: dict[str, Any]) -> tuple[str, ...]:
    """CWE identifiers from the rule's tags (``external/cwe/cwe-079``) and its
    relationships to the CWE taxonomy."""
    found = []
    for tag in sequence(mapping(rule.get("properties")).get("tags")):
        match = CWE_TAG.match(text(tag))
        if match:
            found.append(f"CWE-{match.group(1)}")
    for relationship in sequence(rule.get("relationships")):
        target = mapping(mapping(relationship).get("target"))
        match = CWE_TAG.match(text(target.get("id")))
        if match:
            found.append(f"CWE-{match.group(1)}")
    return unique(found)


def _masked(snippet: str, properties: dict[str, Any]) -> str:
    """The snippet with any secret the scanner reported in it masked."""
    for key in SECRET_PROPERTIES:
        secret = text(properties.get(key))
        if len(secret) >= 4:
            snippet = snippet.replace(secret, secret[:4] + "*****")
    return snippet[:EVIDENCE_LIMIT]


class SarifParser(Parser):
    """Reads SARIF 2.1.0 logs (``.sarif``)."""

    name: ClassVar[str] = "sarif"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not head.startswith(b"{"):
            return False
        return bool(HEAD_SCHEMA.search(head) or (HEAD_VERSION.search(head) and HEAD_RUNS.search(head)))

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        version = schema = ""
        has_runs = False
        run: _Run | None = None
        run_count = 0
        for prefix, kind, value in walk(stream, CAPTURED.__contains__, opening=b"{"):
            if prefix == RESULT and kind == VALUE and run is not None:
                index = run.results_seen
                run.results_seen += 1
                if run.has_tool:
                    record = self._record(run, index, value)
                    if record is not None:
                        yield record
                elif len(run.waiting) < MAX_WAITING:
                    run.waiting.append((index, value))
                else:
                    raise ParseError(
                        Problem.TOO_LARGE,
                        where=f"runs[{run.index}].results",
                        detail=f"more than {MAX_WAITING} results before the run's tool",
                    )
            elif prefix == TOOL and kind == VALUE and run is not None:
                run.describe(value)
                for index, waiting in run.waiting:
                    record = self._record(run, index, waiting)
                    if record is not None:
                        yield record
                run.waiting = []
            elif prefix == RUN and kind == START:
                run = _Run(run_count)
                run_count += 1
            elif prefix == RUN and kind == END and run is not None:
                for index, waiting in run.waiting:  # a run without a tool: rules stay unnamed
                    record = self._record(run, index, waiting)
                    if record is not None:
                        yield record
                run = None
            elif prefix == "runs":
                has_runs = True
            elif prefix == "version" and kind == VALUE:
                version = text(value)
                if not version.startswith("2.1"):
                    raise ParseError(
                        Problem.WRONG_FORMAT, where="version", detail=f"SARIF {version}, not 2.1.0"
                    )
            elif prefix == "$schema" and kind == VALUE:
                schema = text(value)
            elif prefix in FOREIGN:
                raise ParseError(Problem.WRONG_FORMAT, where=prefix, detail="a Trivy report, not SARIF")
        if not has_runs or not (version or "sarif" in schema.lower()):
            raise ParseError(Problem.WRONG_FORMAT, where="(document)", detail="no SARIF version and runs")

    @staticmethod
    def _record(run: _Run, index: int, result: Any) -> Record | None:
        where = f"runs[{run.index}].results[{index}]"
        if not isinstance(result, dict):
            return RejectedRecord(where=where, problem=Problem.BAD_VALUE, detail="not an object")
        if text(result.get("kind")) in SKIPPED_KINDS or text(result.get("baselineState")) == "absent":
            return None
        rule_id, rule = run.rule_of(result)
        message = _message(result, rule)
        # the message's first line, short enough to be a rule's name
        rule_id = rule_id or (message.splitlines()[0][:150] if message else "")
        if not rule_id:
            return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="ruleId")
        facts = run.facts_of(rule_id, rule)
        properties = mapping(result.get("properties"))
        score = number(properties.get("security-severity"))
        if score is None:
            score = facts.score
        if score is None:  # Dependency-Check's own property
            score = number(properties.get("cvssv3_baseScore"))
        word = properties.get("severity")
        location, snippet = _location(result)
        title = facts.title or message or rule_id
        return ParsedFinding(
            title=title.splitlines()[0] if title else rule_id,
            rule_id=f"{run.tool_name}:{rule_id}" if run.tool_name else rule_id,
            location=location,
            severity=text(word)
            if isinstance(word, str) and text(word)
            else (text(result.get("level")) or facts.level),
            cvss_score=score if score is not None and 0 <= score <= 10 else None,
            cve_ids=facts.cve_ids,
            cwe_ids=facts.cwe_ids,
            description="\n\n".join(part for part in unique([message, facts.description]) if part),
            solution=facts.solution,
            evidence=_masked(snippet, properties),
            references=facts.references,
        )
