"""Every sample Sigma rule (the 210 Linux rules of SigmaHQ) run by the engine and by the
reference evaluator over events synthesised from the rules' own values, and over 20,000
generated events: the (rule, line) matches must be identical, rule by rule."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.logaudit.engine.cases.harness import EngineRun, differences, run_engine, write_jsonl
from tests.logaudit.engine.cases.synthesis import Synthesis, synthesise
from tests.logaudit.engine.reference_evaluator import ReferenceRuleSet, evaluate, load_reference_rules

SAMPLES = Path("/work/shared/samples/sigma/rules/linux")
GENERATOR = Path("/work/shared/benchmarks/gen_linux_events.py")
GENERATED_EVENTS = 20_000

# Rules for which no positive event can be made from their own values, and why.
NO_POSITIVE: dict[str, str] = {}

# Lines that are not events: the engine must count them and keep numbering the lines after them.
NOT_EVENTS = ["", "{not json", "   ", "[1, 2]"]


class Synthetic:
    def __init__(self, folder: Path) -> None:
        self.reference: ReferenceRuleSet = load_reference_rules([SAMPLES])
        self.syntheses: dict[str, Synthesis] = {}
        self.positive_lines: dict[str, list[int]] = {}
        lines: list[Any] = [NOT_EVENTS[0], NOT_EVENTS[1]]
        for rule in self.reference.rules:
            synthesis = synthesise(rule, len(lines))
            self.syntheses[rule.rule_id] = synthesis
            for positive in synthesis.positives:
                lines.append(positive)
                self.positive_lines.setdefault(rule.rule_id, []).append(len(lines))
            lines.extend(synthesis.negatives)
            if len(self.syntheses) == 100:
                lines.extend(NOT_EVENTS[2:])
                self.malformed_lines = [2, len(lines)]
        self.events = write_jsonl(folder / "synthetic.jsonl", lines)
        self.line_count = len(lines)
        self.engine: EngineRun = run_engine([SAMPLES], folder / "synthetic.jsonl", workdir=folder)
        self.matches = Counter(evaluate(self.reference.rules, self.events))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    return Synthetic(tmp_path_factory.mktemp("h4_samples"))


def test_every_sample_rule_compiles(synthetic: Synthetic) -> None:
    assert synthetic.engine.compiled.problems == []
    assert len(synthetic.reference.rules) == 210
    assert {rule.rule_id for rule in synthetic.engine.compiled.detections} == {
        rule.rule_id for rule in synthetic.reference.rules
    }


def test_engine_and_evaluator_match_the_same_lines_rule_by_rule(synthetic: Synthetic) -> None:
    assert differences(synthetic.engine.pairs(), synthetic.matches) == {}
    assert sum(synthetic.matches.values()) > 300


def test_each_rule_matches_its_synthesised_positive(synthetic: Synthetic) -> None:
    engine = synthetic.engine.pairs()
    missed = {
        rule_id: lines
        for rule_id, lines in synthetic.positive_lines.items()
        if any((rule_id, line) not in engine for line in lines)
    }
    assert missed == {}


def test_the_rules_without_a_positive_are_the_known_ones(synthetic: Synthetic) -> None:
    without = {
        rule_id: synthesis.why_no_positive
        for rule_id, synthesis in synthetic.syntheses.items()
        if not synthesis.positives
    }
    assert without == NO_POSITIVE


def test_lines_that_are_not_events_are_counted_and_keep_the_numbering(synthetic: Synthetic) -> None:
    report = synthetic.engine.result.inputs[0]
    assert synthetic.engine.result.malformed == 2
    assert [bad.line for bad in report.malformed] == synthetic.malformed_lines
    assert synthetic.engine.result.events == len(synthetic.events)
    assert report.line_count == synthetic.line_count


def test_generated_events_agree(tmp_path: Path) -> None:
    events_path = tmp_path / "generated.jsonl"
    subprocess.run(  # noqa: S603 - our own generator, fixed arguments
        [sys.executable, str(GENERATOR), str(GENERATED_EVENTS), str(events_path), "42"], check=True
    )
    import orjson

    events = [
        (number, orjson.loads(line)) for number, line in enumerate(events_path.read_bytes().splitlines(), 1)
    ]
    engine = run_engine([SAMPLES], events_path, workdir=tmp_path)
    reference = load_reference_rules([SAMPLES])
    matches = Counter(evaluate(reference.rules, events))
    assert engine.result.events == GENERATED_EVENTS
    assert differences(engine.pairs(), matches) == {}
    assert sum(matches.values()) > 1000
