"""Loading Sigma rules from files and texts with pySigma.

Every rule that cannot be read becomes a `RuleProblem` naming the file and the reason; nothing
is skipped silently. A loaded rule keeps what the Detection Rule License of SigmaHQ asks us to
show with its alerts: the author, the link to the rule (its references) and the licence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

RULE_SUFFIXES = (".yml", ".yaml")
SIGMAHQ_LICENSE = "DRL 1.1"
_LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE.Detection.Rules.md")
_DOCUMENT_SEPARATOR = re.compile(r"(?m)^---[ \t]*\r?\n?")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is five times faster


@dataclass(frozen=True)
class RuleProblem:
    """A rule that could not be loaded or cannot run, and why."""

    path: str
    rule: str  # title or id; "" when the file could not be read far enough to know
    reason: str


@dataclass
class LoadedRule:
    """One Sigma rule (detection or correlation) as read from its YAML document."""

    rule_id: str
    name: str
    title: str
    description: str
    level: str
    status: str
    author: str
    references: list[str]
    license: str
    logsource: dict[str, str]
    tags: list[str]
    text: str  # the YAML document of this rule alone
    path: str
    is_correlation: bool
    document: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    parsed: Any = field(default=None, repr=False, compare=False)  # pySigma object, reused once


@dataclass
class RuleSet:
    rules: list[LoadedRule]
    problems: list[RuleProblem]

    def by_id(self) -> dict[str, LoadedRule]:
        return {rule.rule_id: rule for rule in self.rules}


def load_rules(paths: Iterable[str | Path]) -> RuleSet:
    """Load rule files and folders (searched recursively for .yml and .yaml files)."""
    result = RuleSet([], [])
    for path in _rule_files(paths, result.problems):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            result.problems.append(RuleProblem(str(path), "", f"cannot read the file: {error}"))
            continue
        _add(result, parse_rule_text(text, str(path), license_hint=_folder_license(path)))
    return _checked(result)


def parse_rule_text(text: str, path: str = "", *, license_hint: str = "") -> RuleSet:
    """Parse one YAML text, which may hold several documents (for example a correlation rule
    and the rules it counts)."""
    label = path or "<text>"
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]
    except yaml.YAMLError as error:
        return RuleSet([], [RuleProblem(label, "", f"invalid YAML: {_one_line(str(error))}")])
    texts = _document_texts(text, documents)
    result = RuleSet([], [])
    for document, document_text in zip(documents, texts, strict=True):
        if not isinstance(document, dict):
            result.problems.append(
                RuleProblem(label, "", "the YAML document is not a mapping of rule fields")
            )
            continue
        name = str(document.get("title") or document.get("id") or "")
        if "action" in document:
            result.problems.append(
                RuleProblem(label, name, "rule collections with `action` are not supported")
            )
            continue
        if "filter" in document and "correlation" not in document:
            result.problems.append(RuleProblem(label, name, "Sigma filters are not supported; write a rule"))
            continue
        try:
            collection = SigmaCollection.from_dicts(
                [_copy(document)], collect_errors=True, resolve_references=False
            )
        except SigmaError as error:
            result.problems.append(RuleProblem(label, name, _one_line(str(error))))
            continue
        errors = list(collection.errors)
        parsed = collection.rules[0] if collection.rules else None
        if parsed is not None:
            errors.extend(parsed.errors)
        if errors or parsed is None:
            reasons = (
                "; ".join(dict.fromkeys(_one_line(str(error)) for error in errors)) or "not a Sigma rule"
            )
            result.problems.append(RuleProblem(label, name, reasons))
            continue
        result.rules.append(_loaded(parsed, document, document_text, label, license_hint))
    return result


def sigma_rule(rule: LoadedRule) -> SigmaRule | SigmaCorrelationRule:
    """A pySigma object for the rule. Pipelines change the objects they process, so the object
    parsed at loading is handed out once and later calls parse the document again."""
    if rule.parsed is not None:
        parsed, rule.parsed = rule.parsed, None
        return parsed
    document = rule.document or yaml.load(rule.text, Loader=_Loader)  # noqa: S506 - a safe loader
    collection = SigmaCollection.from_dicts([_copy(document)], resolve_references=False)
    return collection.rules[0]


def _loaded(
    parsed: SigmaRule | SigmaCorrelationRule,
    document: dict[str, Any],
    text: str,
    path: str,
    license_hint: str,
) -> LoadedRule:
    is_correlation = isinstance(parsed, SigmaCorrelationRule)
    logsource: dict[str, str] = {}
    if isinstance(parsed, SigmaRule):
        for key in ("product", "category", "service"):
            value = getattr(parsed.logsource, key)
            if value:
                logsource[key] = str(value)
    rule_id = str(parsed.id) if parsed.id else str(parsed.name or parsed.title)
    return LoadedRule(
        rule_id=rule_id,
        name=str(parsed.name or ""),
        title=str(parsed.title or ""),
        description=str(parsed.description or ""),
        level=str(parsed.level.name.lower()) if parsed.level else "",
        status=str(parsed.status.name.lower()) if parsed.status else "",
        author=str(parsed.author or ""),
        references=[str(reference) for reference in parsed.references or []],
        license=str(document.get("license") or license_hint or ""),
        logsource=logsource,
        tags=[str(tag) for tag in parsed.tags or []],
        text=text,
        path=path,
        is_correlation=is_correlation,
        document=document,
        parsed=parsed,
    )


def _add(result: RuleSet, more: RuleSet) -> None:
    result.rules.extend(more.rules)
    result.problems.extend(more.problems)


def _checked(result: RuleSet) -> RuleSet:
    """Drop (and report) later rules reusing an id, and correlations naming unknown rules."""
    seen: dict[str, LoadedRule] = {}
    kept: list[LoadedRule] = []
    for rule in result.rules:
        if rule.rule_id in seen:
            first = seen[rule.rule_id]
            result.problems.append(
                RuleProblem(rule.path, rule.title, f"id {rule.rule_id} is already used by {first.path}")
            )
            continue
        seen[rule.rule_id] = rule
        kept.append(rule)
    result.rules = kept
    return result


def _rule_files(paths: Iterable[str | Path], problems: list[RuleProblem]) -> list[Path]:
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(RuleProblem(str(path), "", "no such file or folder"))
    return files


def _folder_license(path: Path) -> str:
    """SigmaHQ's rules carry no licence field: the licence file of the collection says it."""
    for folder in list(path.parents)[:6]:
        for name in _LICENSE_FILES:
            candidate = folder / name
            if candidate.is_file():
                try:
                    head = candidate.read_text(encoding="utf-8", errors="replace")[:4000]
                except OSError:
                    return ""
                return SIGMAHQ_LICENSE if "Detection Rule License" in head else ""
    return ""


def _document_texts(text: str, documents: list[Any]) -> list[str]:
    """The source text of each YAML document, so a rule's own text can be stored and re-read."""
    if len(documents) == 1:
        return [text]
    parts = [part for part in _DOCUMENT_SEPARATOR.split(text) if part.strip() and _has_content(part)]
    if len(parts) == len(documents):
        return parts
    return [yaml.safe_dump(document, sort_keys=False, allow_unicode=True) for document in documents]


def _has_content(part: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in part.splitlines())


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())
