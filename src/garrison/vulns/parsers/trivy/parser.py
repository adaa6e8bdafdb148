"""Trivy's JSON reports: image, filesystem and repository scans in the current schema
(``SchemaVersion`` 2, ``Results`` under the artifact), the legacy schema (a bare list of
results) and the Kubernetes cluster report (results under each namespace/kind/name
resource). Vulnerabilities, misconfigurations and secrets all become findings.

Trivy scans artifacts, not machines: findings carry no host, and their `location` says
where they are (``image:tag (debian 10.4) | usr/lib/app.jar``, ``Dockerfile:24``,
``default/Deployment/web:132-143``). Pure module: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

from garrison.vulns.parsers.base import ParsedFinding, ParseError, Parser, Problem, Record, RejectedRecord
from garrison.vulns.parsers.jsonstream import END, START, VALUE, mapping, number, sequence, text, unique, walk

# Where results sit: the current schema, the legacy list, and the Kubernetes report
# (older releases list resources under Vulnerabilities/Misconfigurations, newer under Resources).
RESOURCE_PREFIXES = ("Vulnerabilities.item", "Misconfigurations.item", "Resources.item")
RESULT_PREFIXES = ("Results.item", "item", *(f"{resource}.Results.item" for resource in RESOURCE_PREFIXES))
KINDS = ("Vulnerabilities", "Misconfigurations", "Secrets")
CAPTURED = {f"{result}.{kind}.item": (result, kind) for result in RESULT_PREFIXES for kind in KINDS}
RESOURCE_FIELDS = {
    f"{resource}.{key}": key for resource in RESOURCE_PREFIXES for key in ("Namespace", "Kind", "Name")
}
RESULT_FIELDS = {f"{result}.{key}": key for result in RESULT_PREFIXES for key in ("Target", "Class", "Type")}
# Top-level keys only Trivy writes; the legacy list is known by its results' Target.
MARKERS = frozenset(
    ("SchemaVersion", "ArtifactName", "ArtifactType", "Results", "ClusterName", "Resources", "item.Target")
)
# Top-level keys of the formats most often mistaken for Trivy's.
FOREIGN = frozenset(("$schema", "runs"))
# Trivy writes a result's Target before its findings; should a file not, findings wait for
# it, but only so many.
MAX_WAITING = 10_000

HEAD_OBJECT = re.compile(rb'^\s*\{[^\[]*?"(SchemaVersion|ArtifactName|ClusterName)"\s*:', re.DOTALL)
HEAD_LIST = re.compile(rb'^\s*\[\s*\{\s*"(Target|Class|Type)"\s*:')
HEAD_FINDINGS = re.compile(rb'"(Vulnerabilities|Misconfigurations|Secrets)"\s*:')
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
# Trivy masks the secret in a match with asterisks; a match without them is not stored.
MASKED = re.compile(r"\*{3,}")
# CVSS sources other than these are vendors; NVD's own scores are preferred.
PREFERRED_SOURCES = ("nvd",)


@dataclass(slots=True)
class _Result:
    """What is known so far of the result being read, and findings waiting for its Target."""

    path: str  # for messages: ``Results[2]``, ``Vulnerabilities[0].Results[1]``
    target: str = ""
    has_target: bool = False
    waiting: list[tuple[str, int, Any]] = field(default_factory=list)


def _best_cvss(cvss: dict[str, Any], severity_source: str) -> tuple[str, float | None]:
    """The best vector Trivy gave (v4.0 over v3.x over v2; NVD's over the severity
    source's over other vendors') and its score."""
    sources = [name for name in (*PREFERRED_SOURCES, severity_source) if name in cvss]
    sources += [name for name in cvss if name not in sources]
    for vector_key, score_key in (
        ("V40Vector", "V40Score"),
        ("V3Vector", "V3Score"),
        ("V2Vector", "V2Score"),
    ):
        for name in sources:
            entry = mapping(cvss.get(name))
            vector = text(entry.get(vector_key))
            if vector:
                return vector, number(entry.get(score_key))
    return "", None


def _references(item: dict[str, Any]) -> tuple[str, ...]:
    return unique([text(item.get("PrimaryURL")), *(text(url) for url in sequence(item.get("References")))])


class TrivyParser(Parser):
    """Reads Trivy JSON reports (``trivy image|fs|repo|k8s --format json``)."""

    name: ClassVar[str] = "trivy"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        head = head.removeprefix(b"\xef\xbb\xbf")
        if HEAD_OBJECT.search(head):
            return True
        return bool(HEAD_LIST.search(head) and HEAD_FINDINGS.search(head))

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        artifact = ""
        resource: dict[str, str] = {}
        recognised = False
        result: _Result | None = None
        result_count = 0
        resource_counts: dict[str, int] = {}  # per top-level list of resources
        counts: dict[str, int] = {}
        for prefix, kind, value in walk(stream, CAPTURED.__contains__):
            if kind == VALUE and prefix in CAPTURED:
                if result is None:  # pragma: no cover - a captured prefix lies inside a result
                    continue
                list_kind = CAPTURED[prefix][1]
                index = counts.get(list_kind, 0)
                counts[list_kind] = index + 1
                if result.has_target:
                    record = self._record(list_kind, index, value, result, artifact, resource)
                    if record is not None:
                        yield record
                elif len(result.waiting) < MAX_WAITING:
                    result.waiting.append((list_kind, index, value))
                else:
                    raise ParseError(
                        Problem.TOO_LARGE,
                        where=f"{result.path}.{list_kind}",
                        detail=f"more than {MAX_WAITING} findings before the result's Target",
                    )
                continue
            if prefix in MARKERS:
                recognised = True
            elif prefix in FOREIGN:
                raise ParseError(
                    Problem.WRONG_FORMAT, where=prefix, detail="a SARIF file, not a Trivy report"
                )
            if kind == START and prefix in RESULT_PREFIXES:
                if prefix == "item":  # the legacy schema's bare list
                    path = f"[{result_count}]"
                elif prefix == "Results.item":
                    path = f"Results[{result_count}]"
                else:
                    resources = prefix.split(".")[0]
                    path = f"{resources}[{resource_counts[resources] - 1}].Results[{result_count}]"
                result = _Result(path=path)
                result_count += 1
                counts = {}
            elif kind == END and prefix in RESULT_PREFIXES and result is not None:
                for list_kind, index, item in result.waiting:
                    record = self._record(list_kind, index, item, result, artifact, resource)
                    if record is not None:
                        yield record
                result = None
            elif kind == START and prefix in RESOURCE_PREFIXES:
                resource = {}
                resources = prefix.split(".")[0]
                resource_counts[resources] = resource_counts.get(resources, 0) + 1
                result_count = 0
            elif kind == VALUE and prefix in RESOURCE_FIELDS:
                resource[RESOURCE_FIELDS[prefix]] = text(value)
            elif kind == VALUE and prefix in RESULT_FIELDS and result is not None:
                if RESULT_FIELDS[prefix] == "Target":
                    result.target = text(value)
                    result.has_target = True
            elif kind == VALUE and prefix == "ArtifactName":
                artifact = text(value)
        if not recognised:
            raise ParseError(
                Problem.WRONG_FORMAT,
                where="(document)",
                detail="no Trivy report keys (SchemaVersion, Results)",
            )

    def _record(
        self, list_kind: str, index: int, item: Any, result: _Result, artifact: str, resource: dict[str, str]
    ) -> Record | None:
        where = f"{result.path}.{list_kind}[{index}]"
        if not isinstance(item, dict):
            return RejectedRecord(where=where, problem=Problem.BAD_VALUE, detail="not an object")
        place = self._place(result.target, artifact, resource)
        if list_kind == "Vulnerabilities":
            return self._vulnerability(item, place, where)
        if list_kind == "Misconfigurations":
            return self._misconfiguration(item, place, where)
        return self._secret(item, place, where)

    @staticmethod
    def _place(target: str, artifact: str, resource: dict[str, str]) -> str:
        """Where the result's findings are: the Kubernetes resource, then the target
        (named inside its artifact unless the target names the artifact itself)."""
        parts = []
        if resource:
            parts.append(
                "/".join(resource[key] for key in ("Namespace", "Kind", "Name") if resource.get(key))
            )
        elif artifact and artifact != "." and artifact not in target:
            parts.append(artifact)
        if target and not (parts and parts[0].endswith(target)):
            parts.append(target)
        return " | ".join(part for part in parts if part)

    @staticmethod
    def _vulnerability(item: dict[str, Any], place: str, where: str) -> Record:
        identifier = text(item.get("VulnerabilityID"))
        if not identifier:
            return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="VulnerabilityID")
        vector, score = _best_cvss(mapping(item.get("CVSS")), text(item.get("SeveritySource")))
        package_path = text(item.get("PkgPath"))
        return ParsedFinding(
            title=text(item.get("Title")) or identifier,
            rule_id=identifier,
            location=" | ".join(part for part in (place, package_path) if part),
            component=text(item.get("PkgName")),
            component_version=text(item.get("InstalledVersion")),
            fixed_version=text(item.get("FixedVersion")),
            severity=text(item.get("Severity")),
            cvss_vector=vector,
            cvss_score=score,
            cve_ids=(identifier.upper(),) if CVE.match(identifier) else (),
            cwe_ids=unique([text(cwe).upper() for cwe in sequence(item.get("CweIDs"))]),
            description=text(item.get("Description")),
            references=_references(item),
        )

    @staticmethod
    def _misconfiguration(item: dict[str, Any], place: str, where: str) -> Record | None:
        identifier = text(item.get("ID")) or text(item.get("AVDID"))
        if not identifier:
            return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="ID")
        status = text(item.get("Status")).upper()
        if status and status != "FAIL":
            return None  # a passed or exempted check, listed with --include-non-failures
        cause = mapping(item.get("CauseMetadata"))
        start, end = text(cause.get("StartLine")), text(cause.get("EndLine"))
        lines = start if not end or end == start else f"{start}-{end}"
        description = text(item.get("Description"))
        message = text(item.get("Message"))
        return ParsedFinding(
            title=text(item.get("Title")) or identifier,
            rule_id=identifier,
            location=f"{place}:{lines}" if start and start != "0" else place,
            severity=text(item.get("Severity")),
            description="\n\n".join(part for part in (description, message) if part),
            solution=text(item.get("Resolution")),
            references=_references(item),
        )

    @staticmethod
    def _secret(item: dict[str, Any], place: str, where: str) -> Record:
        identifier = text(item.get("RuleID"))
        if not identifier:
            return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="RuleID")
        line = text(item.get("StartLine"))
        match = text(item.get("Match"))
        category = text(item.get("Category"))
        return ParsedFinding(
            title=text(item.get("Title")) or identifier,
            rule_id=identifier,
            location=f"{place}:{line}" if line and line != "0" else place,
            severity=text(item.get("Severity")),
            description=category,
            evidence=match if MASKED.search(match) else "",
        )
