"""Running the same rules and events through the engine and through the reference evaluator,
for the agreement tests. The engine is only reached through its public names
(`rules.parse_rule_text` / `load_rules`, `compiler.compile_rules`, `runner.scan`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from garrison.logaudit.engine.compiler import CompiledRuleSet, compile_rules
from garrison.logaudit.engine.inputs import InputFormat
from garrison.logaudit.engine.rules import RuleSet, load_rules, parse_rule_text
from garrison.logaudit.engine.runner import EventFile, Match, ScanResult, scan

CASES = Path(__file__).parent

Line = dict[str, Any] | str  # an event, or a raw line written as it is (blank, malformed)


def write_jsonl(path: Path, lines: Sequence[Line]) -> list[tuple[int, dict[str, Any]]]:
    """Write the lines; return the events with their 1-based line numbers."""
    events: list[tuple[int, dict[str, Any]]] = []
    with path.open("wb") as out:
        for number, line in enumerate(lines, start=1):
            if isinstance(line, str):
                out.write(line.encode() + b"\n")
            else:
                out.write(orjson.dumps(line) + b"\n")
                events.append((number, line))
    return events


def rule_set_from(sources: Iterable[str | Path]) -> RuleSet:
    """Rule files and folders, or YAML texts (a str holding a newline)."""
    texts: list[str] = []
    paths: list[str | Path] = []
    for source in sources:
        (texts if isinstance(source, str) and "\n" in source else paths).append(source)  # type: ignore[arg-type]
    result = load_rules(paths) if paths else RuleSet([], [])
    for number, text in enumerate(texts):
        parsed = parse_rule_text(text, f"<case {number}>")
        result.rules.extend(parsed.rules)
        result.problems.extend(parsed.problems)
    return result


@dataclass
class EngineRun:
    compiled: CompiledRuleSet
    result: ScanResult
    matches: list[Match]

    def pairs(self) -> Counter[tuple[str, int]]:
        """(rule id, line) of every match, counted (a duplicate match would show)."""
        return Counter((match.rule_id, match.line) for match in self.matches)


def run_engine(
    sources: Iterable[str | Path],
    events_path: Path,
    *,
    placeholders: Mapping[str, Sequence[str]] | None = None,
    workdir: Path | None = None,
) -> EngineRun:
    compiled = compile_rules(rule_set_from(sources), placeholders=placeholders)
    matches: list[Match] = []
    result = scan(
        compiled,
        [EventFile(str(events_path), InputFormat.JSONL, "events")],
        on_match=matches.append,
        workdir=str(workdir) if workdir else None,
        memory_limit_mb=256,
    )
    return EngineRun(compiled, result, matches)


def differences(engine: Counter[tuple[str, int]], reference: Counter[tuple[str, int]]) -> dict[str, Any]:
    """Per rule, the lines only the engine matched and only the evaluator matched."""
    report: dict[str, Any] = {}
    for rule_id in sorted({rule for rule, _ in engine} | {rule for rule, _ in reference}):
        mine = Counter({pair: n for pair, n in engine.items() if pair[0] == rule_id})
        theirs = Counter({pair: n for pair, n in reference.items() if pair[0] == rule_id})
        if mine != theirs:
            report[rule_id] = {
                "engine_only": sorted(line for _, line in (mine - theirs).elements()),
                "reference_only": sorted(line for _, line in (theirs - mine).elements()),
            }
    return report
