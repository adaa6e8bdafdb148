"""The detection-rule library: Garrison's own rule pack, rules imported from SigmaHQ and
rules the organisation writes, stored as DetectionRule rows with what the engine says of them.

Rules are library data of the whole organisation: everyone with the log-audit domain reads
them; Security Officers and Administrators of the whole organisation add, import and switch
them on or off (the system — the audit job, the console, the demo — may too). A rule the
engine cannot run is kept, marked not runnable with the reason, so that it is never skipped
without a word; a text that is not a Sigma rule at all is refused with the reason.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant_everywhere, is_system
from garrison.core.services.records import create_record, update_record
from garrison.logaudit.engine.compiler import CompiledRuleSet, compile_rules
from garrison.logaudit.engine.rules import LoadedRule, RuleProblem, RuleSet, load_rules, parse_rule_text
from garrison.logaudit.models import DetectionRule, RuleLevel, RuleOrigin

# Our own rule pack, shipped inside the package.
PACK_DIRECTORY = Path(__file__).resolve().parent.parent / "rules"
GARRISON_LICENCE = "Garrison rule pack, Apache-2.0"
# Every rule of the SigmaHQ repository is published under this licence, which asks that
# alerts name the rule's author.
SIGMAHQ_LICENCE = "Detection Rule License (DRL) 1.1"
# The reason stored when the engine reports no reason of its own.
UNKNOWN_PROBLEM = "The engine cannot run this rule."
REMOVED_FROM_PACK = gettext_lazy("Removed from the Garrison rule pack.")
LIBRARY_REFUSAL = gettext_lazy("Only Security Officers and Administrators of the whole organisation do this.")

# The fields copied from what the engine read of a rule.
RULE_FIELDS = (
    "name",
    "title",
    "description",
    "level",
    "sigma_status",
    "author",
    "references",
    "licence",
    "logsource",
    "tags",
    "source_path",
    "text",
    "is_correlation",
)


@dataclass
class RulePackSummary:
    """What a sync of the rule pack changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    disabled: int = 0
    # Files or rules that could not be read (a broken pack), and rules stored but not runnable.
    problems: list[RuleProblem] = field(default_factory=list)
    cannot_run: list[RuleProblem] = field(default_factory=list)


@dataclass
class RuleImportSummary:
    """What an import of rule files changed; `problems` name the files and rules not stored
    (not Sigma, or an identifier already used by a rule of another origin)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RuleProblem] = field(default_factory=list)
    # Rules stored, but marked not runnable with the engine's reason.
    cannot_run: list[RuleProblem] = field(default_factory=list)


# Who may change the library ---------------------------------------------------------------------


def may_change_rules(person: Any) -> bool:
    """Whether `person` may add, import and switch rules: log-audit rights over every tree."""
    return is_system(person) or has_grant_everywhere(person, Domain.LOG_AUDIT, Action.ADD)


def _require_add(by: Any) -> None:
    if not may_change_rules(by):
        raise PermissionDenied(LIBRARY_REFUSAL)


def _require_change(by: Any, rule: DetectionRule) -> None:
    if not is_system(by) and not can(by, Action.CHANGE, rule):
        raise PermissionDenied(LIBRARY_REFUSAL)


# Reading rules with the engine ------------------------------------------------------------------


def _fields_of(loaded: LoadedRule, origin: str) -> dict[str, Any]:
    if origin == RuleOrigin.SIGMAHQ:
        licence = SIGMAHQ_LICENCE
    elif origin == RuleOrigin.GARRISON:
        licence = loaded.license or GARRISON_LICENCE
    else:
        licence = loaded.license
    level = loaded.level if loaded.level in RuleLevel.values else RuleLevel.MEDIUM
    return {
        "name": (loaded.name or "")[:200],
        "title": (loaded.title or loaded.rule_id)[:500],
        "description": loaded.description or "",
        "level": level,
        "sigma_status": (loaded.status or "")[:20],
        "author": (loaded.author or "")[:500],
        "references": list(loaded.references or []),
        "licence": (licence or "")[:200],
        "logsource": dict(loaded.logsource or {}),
        "tags": list(loaded.tags or []),
        "source_path": (loaded.path or "")[:500],
        "text": loaded.text,
        "is_correlation": loaded.is_correlation,
    }


_parsed_lock = threading.Lock()
# Parsed rule texts by digest: parsing with pySigma is the slow part of checking a rule, and
# the same stored texts are read again for every rule added and every audit compiled.
_parsed: dict[str, RuleSet] = {}
_PARSED_KEPT = 5000


def _digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


def _parse(text: str, path: str = "") -> RuleSet:
    key = _digest(path, text)
    with _parsed_lock:
        cached = _parsed.get(key)
    if cached is not None:
        return cached
    parsed = parse_rule_text(text, path=path)
    with _parsed_lock:
        if len(_parsed) >= _PARSED_KEPT:
            _parsed.clear()
        _parsed[key] = parsed
    return parsed


def _loaded_rows(rows: Iterable[DetectionRule]) -> list[LoadedRule]:
    """The stored rules as the engine reads them (a stored text that no longer reads is left out:
    it is marked not runnable when the library is checked)."""
    loaded: list[LoadedRule] = []
    for row in rows:
        found = [rule for rule in _parse(row.text, row.source_path).rules if rule.rule_id == row.rule_id]
        loaded.extend(found[:1])
    return loaded


def _problem_text(problems: Sequence[RuleProblem]) -> str:
    return "; ".join(problem.reason for problem in problems if problem.reason)[:5000]


def engine_verdicts(candidates: Sequence[LoadedRule], context: Sequence[LoadedRule] = ()) -> dict[str, str]:
    """For each candidate rule, "" when the engine can run it, else the reason it cannot.

    The candidates are compiled together with `context` (the stored rules), so that a
    correlation rule finds the rules it refers to by name."""
    wanted = {rule.rule_id for rule in candidates}
    others = [rule for rule in context if rule.rule_id not in wanted]
    compiled = compile_rules(RuleSet(rules=[*candidates, *others], problems=[]))
    runnable = {item.rule.rule_id for item in compiled.rules}
    verdicts: dict[str, str] = {}
    for rule in candidates:
        if rule.rule_id in runnable:
            verdicts[rule.rule_id] = ""
            continue
        about = [problem for problem in compiled.problems if problem.rule in (rule.rule_id, rule.title)]
        verdicts[rule.rule_id] = _problem_text(about) or UNKNOWN_PROBLEM
    return verdicts


# Writing rules ---------------------------------------------------------------------------------


def _store(
    loaded: LoadedRule, *, origin: str, problem: str, by: Any, existing: DetectionRule | None
) -> tuple[DetectionRule, str]:
    """Create or update the row of `loaded`; returns it with "added", "updated" or "unchanged"."""
    values = {**_fields_of(loaded, origin), "runnable": not problem, "problem": problem}
    if existing is None:
        return create_record(
            DetectionRule, by=by, rule_id=loaded.rule_id[:100], origin=origin, **values
        ), "added"
    before = audit.snapshot(existing)
    update_record(existing, by=by, **values)
    return existing, "updated" if audit.diff(before, audit.snapshot(existing)) else "unchanged"


def _unreadable(problems: Sequence[RuleProblem]) -> ValidationError:
    # A pasted text has no file name worth repeating ("<text>").
    reasons = "; ".join(
        f"{problem.path}: {problem.reason}" if problem.path not in ("", "<text>") else problem.reason
        for problem in problems
    )
    return ValidationError(
        {"text": [_("This is not a Sigma rule the engine can read: %(reason)s") % {"reason": reasons}]},
        code="unreadable",
    )


@transaction.atomic
def add_rule(text: str, *, by: Any, origin: str = RuleOrigin.CUSTOM, source_path: str = "") -> DetectionRule:
    """Store one rule written in Sigma YAML. A text that is not YAML or not a Sigma rule, that
    holds several rules, or whose identifier is taken is refused with a ValidationError naming
    the reason; a rule the engine cannot run is stored, not runnable, with the reason."""
    _require_add(by)
    text = (text or "").replace("\x00", "")
    if not text.strip():
        raise ValidationError({"text": [_("Paste or upload the rule's YAML.")]}, code="required")
    parsed = _parse(text, source_path)
    if parsed.problems:
        raise _unreadable(parsed.problems)
    if not parsed.rules:
        raise ValidationError({"text": [_("The text holds no Sigma rule.")]}, code="empty")
    if len(parsed.rules) > 1:
        raise ValidationError(
            {
                "text": [
                    _("The text holds %(count)s rules; add one rule at a time.")
                    % {"count": len(parsed.rules)}
                ]
            },
            code="several",
        )
    loaded = parsed.rules[0]
    taken = DetectionRule.objects.filter(rule_id=loaded.rule_id).first()
    if taken is not None:
        raise ValidationError(
            {
                "text": [
                    _("A rule with the identifier %(id)s exists already: %(title)s.")
                    % {"id": loaded.rule_id, "title": taken.title}
                ]
            },
            code="duplicate",
        )
    context = _loaded_rows(DetectionRule.objects.filter(runnable=True))
    problem = engine_verdicts([loaded], context)[loaded.rule_id]
    rule, _outcome = _store(loaded, origin=origin, problem=problem, by=by, existing=None)
    return rule


def _store_many(
    loaded_rules: Sequence[LoadedRule], *, origin: str, by: Any, summary: RulePackSummary | RuleImportSummary
) -> set[str]:
    """Store rules read from files (one origin), counting into `summary`; returns the ids stored."""
    existing = {
        rule.rule_id: rule
        for rule in DetectionRule.objects.filter(rule_id__in=[r.rule_id for r in loaded_rules])
    }
    storable: list[LoadedRule] = []
    seen: set[str] = set()
    for loaded in loaded_rules:
        row = existing.get(loaded.rule_id)
        if loaded.rule_id in seen:
            summary.problems.append(
                RuleProblem(
                    loaded.path,
                    loaded.title,
                    _("The identifier %(id)s is used twice.") % {"id": loaded.rule_id},
                )
            )
            continue
        seen.add(loaded.rule_id)
        if row is not None and row.origin != origin:
            summary.problems.append(
                RuleProblem(
                    loaded.path,
                    loaded.title,
                    _("The identifier %(id)s belongs to a rule of another origin (%(origin)s).")
                    % {"id": loaded.rule_id, "origin": row.get_origin_display()},
                )
            )
            continue
        storable.append(loaded)
    context = _loaded_rows(DetectionRule.objects.filter(runnable=True).exclude(rule_id__in=seen))
    verdicts = engine_verdicts(storable, context) if storable else {}
    for loaded in storable:
        problem = verdicts[loaded.rule_id]
        _rule, outcome = _store(
            loaded, origin=origin, problem=problem, by=by, existing=existing.get(loaded.rule_id)
        )
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if problem:
            summary.cannot_run.append(RuleProblem(loaded.path, loaded.title, problem))
    return {loaded.rule_id for loaded in storable}


@transaction.atomic
def sync_rule_pack(*, by: Any = None, directory: Path | None = None) -> RulePackSummary:
    """Bring Garrison's rule pack into the library: new rules added, changed texts updated
    (their findings keep pointing at them), rules no longer in the pack switched off, never
    deleted. Running it again changes nothing."""
    _require_add(by)
    pack = load_rules([directory or PACK_DIRECTORY])
    summary = RulePackSummary(problems=list(pack.problems))
    stored = _store_many(pack.rules, origin=RuleOrigin.GARRISON, by=by, summary=summary)
    removed = DetectionRule.objects.filter(origin=RuleOrigin.GARRISON, enabled=True).exclude(
        rule_id__in=stored
    )
    for rule in removed:
        rule.enabled = False
        rule.save(update_fields=["enabled", "updated_at"])
        audit.record(
            rule, AuditAction.UPDATE, by=by, changes={"enabled": [True, False]}, reason=str(REMOVED_FROM_PACK)
        )
        summary.disabled += 1
    return summary


@transaction.atomic
def import_rule_files(
    paths: Iterable[str | Path], *, by: Any, origin: str = RuleOrigin.SIGMAHQ
) -> RuleImportSummary:
    """Import Sigma rule files or folders of them (recursively). Rules from SigmaHQ keep their
    author, references and licence notice; a rule already imported is updated when its text
    changed; files that are not Sigma are reported with the reason, the others still stored."""
    _require_add(by)
    if origin == RuleOrigin.GARRISON:
        raise ValidationError(_("Garrison's own rules come from the rule pack; sync it instead."))
    loaded = load_rules([Path(path) for path in paths])
    summary = RuleImportSummary(problems=list(loaded.problems))
    _store_many(loaded.rules, origin=origin, by=by, summary=summary)
    return summary


@transaction.atomic
def set_enabled(rule: DetectionRule, enabled: bool, *, by: Any, reason: str = "") -> DetectionRule:
    """Switch a rule on or off for the weekly audits (audited with the reason)."""
    _require_change(by, rule)
    if rule.enabled == enabled:
        return rule
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    audit.record(rule, AuditAction.UPDATE, by=by, changes={"enabled": [not enabled, enabled]}, reason=reason)
    return rule


# Running rules ----------------------------------------------------------------------------------

_compiled_lock = threading.Lock()
# The last compiled set of enabled rules, by the digest of their texts: the weekly audits of
# many sources run one after another with the same rules and compile them once.
_compiled: dict[str, CompiledRuleSet] = {}


def enabled_rules() -> tuple[CompiledRuleSet, dict[str, DetectionRule]]:
    """The enabled rules the engine can run, compiled, and their rows by rule identifier."""
    rows = list(DetectionRule.objects.filter(enabled=True, runnable=True).order_by("rule_id"))
    key = _digest(*(part for row in rows for part in (row.rule_id, row.source_path, row.text)))
    with _compiled_lock:
        compiled = _compiled.get(key)
    if compiled is None:
        compiled = compile_rules(RuleSet(rules=_loaded_rows(rows), problems=[]))
        with _compiled_lock:
            _compiled.clear()
            _compiled[key] = compiled
    return compiled, {row.rule_id: row for row in rows}


def forget_compiled_rules() -> None:
    """Drop the cached compilations (tests, and after the engine changed)."""
    with _compiled_lock:
        _compiled.clear()
    with _parsed_lock:
        _parsed.clear()
