"""Every Sigma modifier on hand-written events: for each case the engine's matches, the
reference evaluator's and the truth written by hand in cases/*.yml must be the same, event by
event (a positive and a negative event at least for each modifier)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.logaudit.engine.cases import PLACEHOLDERS, Case, load_cases
from tests.logaudit.engine.cases.harness import EngineRun, rule_set_from, run_engine, write_jsonl
from tests.logaudit.engine.reference_evaluator import evaluate, load_reference_rules

CASES = load_cases(
    "modifiers_strings.yml", "modifiers_types.yml", "modifiers_encodings.yml", "conditions.yml"
)


class Outcome:
    """The engine and the evaluator run once over every case's rule and event together."""

    def __init__(self, folder: Path) -> None:
        lines: list[Any] = []
        for case in CASES:
            for case_event in case.events:
                lines.append(case_event.event)
                case_event.line = len(lines)
        self.events = write_jsonl(folder / "cases.jsonl", lines)
        texts = [case.text for case in CASES]
        self.engine: EngineRun = run_engine(texts, folder / "cases.jsonl", placeholders=PLACEHOLDERS)
        reference = load_reference_rules(texts, placeholders=PLACEHOLDERS)
        self.reference = Counter(evaluate(reference.rules, self.events))

    def lines(self, pairs: Counter[tuple[str, int]], rule_id: str) -> list[int]:
        return sorted(line for (rule, line), count in pairs.items() for _ in range(count) if rule == rule_id)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return Outcome(tmp_path_factory.mktemp("h4_modifiers"))


def test_every_case_has_a_positive_and_a_negative_event() -> None:
    lopsided = [case.name for case in CASES if {event.match for event in case.events} != {True, False}]
    assert lopsided == []
    assert len(CASES) >= 60


def test_every_case_rule_compiles(outcome: Outcome) -> None:
    assert outcome.engine.compiled.problems == []
    assert len(outcome.engine.compiled.detections) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_engine_and_evaluator_agree_with_the_hand_written_truth(outcome: Outcome, case: Case) -> None:
    expected = sorted(event.line for event in case.events if event.match)
    engine = outcome.lines(outcome.engine.pairs(), case.rule_id)
    reference = outcome.lines(outcome.reference, case.rule_id)
    own_lines = {event.line for event in case.events}
    assert [line for line in reference if line in own_lines] == expected, "reference evaluator"
    assert [line for line in engine if line in own_lines] == expected, "engine"
    # on the other cases' events too
    assert engine == reference


def test_a_placeholder_without_a_value_is_a_problem_with_the_reason() -> None:
    (case,) = [case for case in CASES if case.placeholders]
    from garrison.logaudit.engine.compiler import compile_rules

    compiled = compile_rules(rule_set_from([case.text]))
    assert compiled.detections == []
    assert len(compiled.problems) == 1
    assert "privileged_users" in compiled.problems[0].reason
