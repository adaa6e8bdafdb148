"""Correlation rules (event_count, value_count, temporal, temporal_ordered; group-by, aliases,
timespan, generate) on hand-written events: the engine's hits, the reference evaluator's and
the hits written by hand in cases/correlations.yml must be the same — the event where the
condition starts to hold, its group values, the count and the window."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.logaudit.engine.cases import CASES
from tests.logaudit.engine.cases.harness import EngineRun, run_engine, write_jsonl
from tests.logaudit.engine.cases.reference_correlations import (
    CorrelationHit,
    evaluate_correlation,
    generated_rule_ids,
)
from tests.logaudit.engine.reference_evaluator import evaluate, load_reference_rules, parse_time

CORRELATION_CASES: list[dict[str, Any]] = yaml.safe_load(
    (CASES / "correlations.yml").read_text(encoding="utf-8")
)


def seconds(text: str | None) -> float:
    moment = parse_time(text)
    assert moment is not None, text
    return moment.timestamp()


@dataclass
class Outcome:
    case: dict[str, Any]
    engine: EngineRun
    reference: list[CorrelationHit]
    reference_detections: Counter[tuple[str, int]]
    generated: set[str]
    correlation_id: str
    lines: list[int]  # line of each case event

    def engine_hits(self) -> list[tuple[int, tuple[Any, ...], float, float, float]]:
        hits = []
        for match in self.engine.matches:
            if match.rule_id == self.correlation_id:
                event = match.event
                hits.append(
                    (
                        match.line,
                        tuple(event["group"].values()),
                        float(event["count"]),
                        seconds(event["window_start"]),
                        seconds(event["window_end"]),
                    )
                )
        return sorted(hits)

    def reference_hits(self) -> list[tuple[int, tuple[Any, ...], float, float, float]]:
        return sorted(
            (hit.line, hit.group, hit.count, hit.window_start, hit.window_end) for hit in self.reference
        )

    def expected(self) -> list[tuple[int, tuple[Any, ...], float]]:
        return sorted(
            (self.lines[hit["event"]], tuple(hit["group"]), float(hit["count"])) for hit in self.case["hits"]
        )


def run_case(case: dict[str, Any], folder: Path) -> Outcome:
    events = [{**case.get("base", {}), **event} for event in case["events"]]
    numbered = write_jsonl(folder / "events.jsonl", events)
    engine = run_engine([case["rules"]], folder / "events.jsonl", workdir=folder)
    reference = load_reference_rules([case["rules"]])
    (correlation,) = reference.correlations
    hits = evaluate_correlation(correlation, reference.by_id(), numbered)
    detections = Counter(evaluate(reference.rules, numbered))
    return Outcome(
        case,
        engine,
        hits,
        detections,
        generated_rule_ids(reference),
        correlation.rule_id,
        [n for n, _ in numbered],
    )


@pytest.mark.parametrize("case", CORRELATION_CASES, ids=[case["name"] for case in CORRELATION_CASES])
def test_engine_and_evaluator_agree_with_the_hand_written_hits(case: dict[str, Any], tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    assert outcome.engine.compiled.problems == []
    expected = outcome.expected()
    assert [hit[:3] for hit in outcome.reference_hits()] == expected, "reference evaluator"
    assert [hit[:3] for hit in outcome.engine_hits()] == expected, "engine"
    assert outcome.engine_hits() == outcome.reference_hits(), "windows"


@pytest.mark.parametrize("case", CORRELATION_CASES, ids=[case["name"] for case in CORRELATION_CASES])
def test_base_rules_report_their_own_matches_only_when_generated(
    case: dict[str, Any], tmp_path: Path
) -> None:
    outcome = run_case(case, tmp_path)
    engine = Counter(pair for pair in outcome.engine.pairs().elements() if pair[0] != outcome.correlation_id)
    reference = Counter(
        {pair: count for pair, count in outcome.reference_detections.items() if pair[0] in outcome.generated}
    )
    assert engine == reference
    assert bool(reference) == ("generate: true" in case["rules"])


def test_every_correlation_type_is_covered() -> None:
    kinds = {
        yaml.safe_load_all(case["rules"]).__next__() and _kind(case["rules"]) for case in CORRELATION_CASES
    }
    assert kinds == {"event_count", "value_count", "temporal", "temporal_ordered"}


def _kind(text: str) -> str:
    return next(
        document["correlation"]["type"] for document in yaml.safe_load_all(text) if "correlation" in document
    )
