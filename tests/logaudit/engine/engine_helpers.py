"""Helpers of the engine's own tests: run rule texts over hand-written events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from garrison.logaudit.engine.compiler import CompiledRuleSet, compile_rules
from garrison.logaudit.engine.inputs import InputFormat
from garrison.logaudit.engine.rules import parse_rule_text
from garrison.logaudit.engine.runner import EventFile, Match, ScanResult, scan


def write_jsonl(path: Path, events: Iterable[Mapping[str, Any] | str]) -> Path:
    """One event a line; a str is written as is (for malformed or blank lines)."""
    with open(path, "wb") as out:
        for event in events:
            out.write((event.encode() if isinstance(event, str) else orjson.dumps(event)) + b"\n")
    return path


def compiled(text: str, **options: Any) -> CompiledRuleSet:
    return compile_rules(parse_rule_text(text, "test.yml"), **options)


def run(
    text: str, events: Sequence[Mapping[str, Any] | str], tmp_path: Path, **options: Any
) -> tuple[list[Match], ScanResult]:
    rules = compiled(text, **options)
    path = write_jsonl(tmp_path / "events.jsonl", events)
    matches: list[Match] = []
    result = scan(
        rules,
        [EventFile(str(path), InputFormat.JSONL, "events")],
        on_match=matches.append,
        workdir=str(tmp_path),
    )
    return matches, result


def matched_lines(
    text: str, events: Sequence[Mapping[str, Any] | str], tmp_path: Path, **options: Any
) -> list[int]:
    matches, _ = run(text, events, tmp_path, **options)
    return sorted(match.line for match in matches)


def process_rule(detection: str, *, title: str = "Test rule") -> str:
    """A process-creation rule with the given (indented) detection block."""
    return f"""
title: {title}
id: 0f0e0d0c-0000-4000-8000-000000000001
status: test
author: Garrison tests
logsource:
    product: linux
    category: process_creation
detection:
{detection}
level: high
"""


def process(**fields: Any) -> dict[str, Any]:
    """A Sysmon-for-Linux process creation event."""
    return {"EventID": 1, "UtcTime": "2026-11-02T00:00:00Z", "Computer": "host1", "User": "root", **fields}
