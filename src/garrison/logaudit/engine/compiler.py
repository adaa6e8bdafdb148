"""Compiling loaded Sigma rules into DuckDB SQL the runner can execute.

A detection rule becomes one boolean SQL expression over the event columns (`backend.Columns`):
its log source's gate AND its detection. A correlation rule becomes a `CompiledCorrelation`
whose SQL runs over the matches of the rules it names (see `correlation.py`). Whatever cannot
run — no pipeline for its log source, a modifier or regular expression DuckDB cannot execute,
a placeholder without a value, a correlation over a rule that cannot run — is a `RuleProblem`
with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from garrison.logaudit.engine.backend import Columns, DuckDBBackend, Expr, _slots_of, any_sql, sql_string
from garrison.logaudit.engine.correlation import CompiledCorrelation, compile_correlation
from garrison.logaudit.engine.pipelines import (
    MAPPINGS,
    Gate,
    LogSourceMapping,
    describe_logsource,
    processing_pipeline,
)
from garrison.logaudit.engine.rules import LoadedRule, RuleProblem, RuleSet, sigma_rule


@dataclass
class CompiledRule:
    """A detection rule ready to run: `sql` is true for the events it matches."""

    rule: LoadedRule
    sql: str
    logsource: str  # key of its pipelines.LogSourceMapping
    generate: bool = True  # False: only feeds correlations (Sigma `generate: false`)
    tree: Expr = field(repr=False, default_factory=lambda: Expr("false"))  # for the runner's split by slot
    patterns: list[str] = field(default_factory=list, repr=False)  # its regular expressions (SQL literals)
    event_text: bool = False  # searches the keyword text of the whole event

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id


@dataclass
class CompiledRuleSet:
    rules: list[CompiledRule | CompiledCorrelation]
    problems: list[RuleProblem]
    columns: Columns = field(default_factory=Columns)
    gates: dict[str, str] = field(default_factory=dict)  # log source key -> gate SQL

    # Computed once: the runner looks a matched rule up here for every match.
    @cached_property
    def detections(self) -> list[CompiledRule]:
        return [rule for rule in self.rules if isinstance(rule, CompiledRule)]

    @cached_property
    def correlations(self) -> list[CompiledCorrelation]:
        return [rule for rule in self.rules if isinstance(rule, CompiledCorrelation)]


def compile_rules(
    rules: RuleSet, *, placeholders: Mapping[str, Sequence[str]] | None = None
) -> CompiledRuleSet:
    """Compile every rule of the set; the result's problems hold the load problems too."""
    columns = Columns()
    backend = DuckDBBackend(processing_pipeline(placeholders), columns)
    backend.init_processing_pipeline()
    compiled = CompiledRuleSet([], list(rules.problems), columns)
    detections: dict[str, CompiledRule] = {}
    correlations: list[tuple[LoadedRule, SigmaCorrelationRule]] = []
    for loaded in rules.rules:
        try:
            parsed = sigma_rule(loaded)
        except SigmaError as error:  # pragma: no cover - loading already parsed it once
            compiled.problems.append(RuleProblem(loaded.path, loaded.title, _reason(error)))
            continue
        if isinstance(parsed, SigmaCorrelationRule):
            correlations.append((loaded, parsed))
            continue
        assert isinstance(parsed, SigmaRule)
        mapping = _mapping_for(loaded)
        if mapping is None:
            reason = f"no pipeline covers the log source {describe_logsource(loaded.logsource) or '(none)'}"
            compiled.problems.append(RuleProblem(loaded.path, loaded.title, reason))
            continue
        backend.patterns = []
        backend.event_text = False
        try:
            queries = backend.convert_rule(parsed)
        except (SigmaError, NotImplementedError) as error:
            compiled.problems.append(RuleProblem(loaded.path, loaded.title, _reason(error)))
            continue
        if not queries:
            compiled.problems.append(RuleProblem(loaded.path, loaded.title, "the rule has no condition"))
            continue
        detection = (
            queries[0]
            if len(queries) == 1
            else Expr(any_sql([query.sql for query in queries]), _slots_of(queries), "or", tuple(queries))
        )
        detections[loaded.rule_id] = CompiledRule(
            loaded,
            detection.sql,
            mapping.key,
            tree=detection,
            patterns=list(backend.patterns),
            event_text=backend.event_text,
        )
    compiled.gates = {mapping.key: gate_sql(mapping.gate, columns) for mapping in MAPPINGS}
    _reject_unrunnable(compiled, detections)
    compiled.rules.extend(detections.values())
    for loaded, parsed in correlations:
        result = compile_correlation(loaded, parsed, rules.rules, detections)
        if isinstance(result, RuleProblem):
            compiled.problems.append(result)
        else:
            compiled.rules.append(result)
    for correlation in compiled.correlations:
        if correlation.generate:
            continue
        for base in correlation.base_ids:
            if base in detections and not _generated_elsewhere(base, compiled.correlations):
                detections[base].generate = False
    return compiled


def gate_sql(gate: Gate, columns: Columns) -> str:
    """The SQL of a log source's gate: which events its rules look at."""
    if gate.any_of:
        return "(" + " OR ".join(gate_sql(option, columns) for option in gate.any_of) + ")"
    parts: list[str] = []
    if gate.event_id is not None:
        parts.append(f"{columns.value('EventID')} = '{gate.event_id}'")
    parts.extend(f"{columns.value(name)} IS NOT NULL" for name in gate.present)
    parts.extend(f"{columns.value(name)} IS NULL" for name in gate.absent)
    if gate.app_in:
        options = ", ".join(sql_string(app.lower()) for app in gate.app_in)
        parts.append(f"{columns.lower('app')} IN ({options})")
    return "(" + " AND ".join(parts or ["true"]) + ")"


def _mapping_for(rule: LoadedRule) -> LogSourceMapping | None:
    source = rule.logsource
    if source.get("product", "linux") != "linux":
        return None
    for mapping in MAPPINGS:
        if source.get("category") == mapping.category and source.get("service") == mapping.service:
            return mapping
    return None


def _reject_unrunnable(compiled: CompiledRuleSet, detections: dict[str, CompiledRule]) -> None:
    """Compile every regular expression in DuckDB (RE2) once, so a pattern RE2 cannot run is a
    problem of its rule, found before any event is read."""
    patterns: dict[str, list[str]] = {}
    for rule in detections.values():
        for pattern in rule.patterns:
            patterns.setdefault(pattern, []).append(rule.rule_id)
    if not patterns:
        return
    connection = duckdb.connect()
    try:
        try:
            connection.execute("SELECT " + ", ".join(f"regexp_matches('', {p})" for p in patterns)).fetchall()
            return
        except duckdb.Error:
            pass
        for pattern, owners in patterns.items():
            try:
                connection.execute(f"SELECT regexp_matches('', {pattern})").fetchall()
            except duckdb.Error as error:
                for owner in owners:
                    if owner in detections:
                        rule = detections.pop(owner)
                        reason = f"DuckDB (RE2) cannot run the regular expression {pattern}: {_reason(error)}"
                        compiled.problems.append(RuleProblem(rule.rule.path, rule.rule.title, reason))
    finally:
        connection.close()


def _generated_elsewhere(base: str, correlations: list[CompiledCorrelation]) -> bool:
    return any(base in correlation.base_ids and correlation.generate for correlation in correlations)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
