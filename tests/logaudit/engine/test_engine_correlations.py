"""Correlation rules over the matches of their base rules: counts, distinct values, rules
seen together and in order, per group and within the timespan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from garrison.logaudit.engine.correlation import CompiledCorrelation

from .engine_helpers import compiled, process, run

BASE = """
title: Failed su
id: 0f0e0d0c-0000-4000-8000-0000000000b1
name: failed_su
logsource:
    product: linux
    category: process_creation
detection:
    sel:
        CommandLine|startswith: 'su '
    condition: sel
level: low
---
title: Shadow read
id: 0f0e0d0c-0000-4000-8000-0000000000b2
name: shadow_read
logsource:
    product: linux
    category: process_creation
detection:
    sel:
        CommandLine|contains: '/etc/shadow'
    condition: sel
level: low
---
"""


def correlation(body: str) -> str:
    return (
        BASE
        + "title: The correlation\nid: 0f0e0d0c-0000-4000-8000-0000000000c1\nlevel: high\n"
        + f"correlation:\n{body}"
    )


def at(second: int, **fields: Any) -> dict[str, Any]:
    return process(UtcTime=f"2026-11-02T00:{second // 60:02d}:{second % 60:02d}Z", **fields)


def correlation_matches(text: str, events: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    matches, _ = run(text, events, tmp_path)
    return [match for match in matches if match.rule_id == "0f0e0d0c-0000-4000-8000-0000000000c1"]


def test_event_count_reports_the_group_where_the_count_is_reached(tmp_path: Path) -> None:
    text = correlation(
        "    type: event_count\n    rules:\n        - failed_su\n    group-by:\n        - User\n"
        "    timespan: 1m\n    condition:\n        gte: 3\n"
    )
    events = [
        at(0, User="alice", CommandLine="su root"),
        at(10, User="bob", CommandLine="su root"),
        at(20, User="alice", CommandLine="su root"),
        at(30, User="alice", CommandLine="su root"),  # alice's third within a minute
        at(40, User="alice", CommandLine="su root"),  # still above: no second report
        at(50, User="bob", CommandLine="su root"),
        at(200, User="bob", CommandLine="su root"),  # bob never three within a minute
    ]
    (match,) = correlation_matches(text, events, tmp_path)
    assert match.line == 4
    assert match.time == "2026-11-02T00:00:30Z"
    assert match.user == "alice"
    assert match.event == {
        "correlation": "event_count",
        "group": {"User": "alice"},
        "count": 3,
        "window_start": "2026-11-02T00:00:00Z",
        "window_end": "2026-11-02T00:00:30Z",
        "rules": ["0f0e0d0c-0000-4000-8000-0000000000b1"],
    }


def test_base_rules_of_a_correlation_do_not_report_on_their_own_unless_generate(tmp_path: Path) -> None:
    body = (
        "    type: event_count\n    rules:\n        - failed_su\n    group-by:\n        - User\n"
        "    timespan: 1m\n    condition:\n        gte: 2\n"
    )
    events = [at(0, User="a", CommandLine="su x"), at(1, User="a", CommandLine="su x")]
    hidden, _ = run(correlation(body), events, tmp_path)
    assert {match.rule_id for match in hidden} == {"0f0e0d0c-0000-4000-8000-0000000000c1"}
    shown, _ = run(correlation(body + "    generate: true\n"), events, tmp_path)
    assert sorted(match.rule_id for match in shown) == [
        "0f0e0d0c-0000-4000-8000-0000000000b1",
        "0f0e0d0c-0000-4000-8000-0000000000b1",
        "0f0e0d0c-0000-4000-8000-0000000000c1",
    ]


def test_value_count_counts_distinct_values_in_the_window(tmp_path: Path) -> None:
    text = correlation(
        "    type: value_count\n    rules:\n        - failed_su\n    group-by:\n        - Computer\n"
        "    timespan: 5m\n    condition:\n        field: User\n        gte: 3\n"
    )
    events = [
        at(0, Computer="h1", User="a", CommandLine="su root"),
        at(1, Computer="h1", User="a", CommandLine="su root"),
        at(2, Computer="h1", User="b", CommandLine="su root"),
        at(3, Computer="h2", User="c", CommandLine="su root"),
        at(4, Computer="h1", User="c", CommandLine="su root"),
    ]
    (match,) = correlation_matches(text, events, tmp_path)
    assert match.line == 5
    assert match.event["count"] == 3
    assert match.event["group"] == {"Computer": "h1"}


def test_temporal_needs_every_rule_within_the_timespan(tmp_path: Path) -> None:
    text = correlation(
        "    type: temporal\n    rules:\n        - failed_su\n        - shadow_read\n"
        "    group-by:\n        - User\n"
        "    timespan: 1m\n"
    )
    events = [
        at(0, User="a", CommandLine="su root"),
        at(30, User="a", CommandLine="cat /etc/shadow"),  # both within a minute
        at(0, User="b", CommandLine="su root"),
        at(100, User="b", CommandLine="cat /etc/shadow"),  # too late
        at(5, User="c", CommandLine="cat /etc/shadow"),
    ]
    (match,) = correlation_matches(text, events, tmp_path)
    assert match.line == 2
    assert match.event["group"] == {"User": "a"}
    assert match.event["count"] == 2


def test_temporal_ordered_needs_the_rules_in_their_order(tmp_path: Path) -> None:
    text = correlation(
        "    type: temporal_ordered\n    rules:\n        - failed_su\n        - shadow_read\n    group-by:\n"
        "        - User\n    timespan: 1m\n"
    )
    events = [
        at(0, User="a", CommandLine="su root"),
        at(20, User="a", CommandLine="cat /etc/shadow"),  # in order
        at(0, User="b", CommandLine="cat /etc/shadow"),
        at(20, User="b", CommandLine="su root"),  # wrong order
        at(0, User="c", CommandLine="su root"),
        at(90, User="c", CommandLine="cat /etc/shadow"),  # in order, too late
    ]
    (match,) = correlation_matches(text, events, tmp_path)
    assert match.line == 2
    assert match.event["group"] == {"User": "a"}
    assert match.event["window_start"] == "2026-11-02T00:00:00Z"


def test_aliases_group_different_fields_of_each_rule(tmp_path: Path) -> None:
    text = correlation(
        "    type: temporal\n    rules:\n        - failed_su\n        - shadow_read\n    aliases:\n"
        "        account:\n            failed_su: User\n            shadow_read: TargetUser\n"
        "    group-by:\n        - account\n    timespan: 1m\n"
    )
    events = [
        at(0, User="a", CommandLine="su root"),
        at(10, User="root", TargetUser="a", CommandLine="cat /etc/shadow"),
        at(20, User="b", CommandLine="su root"),
        at(30, User="b", TargetUser="z", CommandLine="cat /etc/shadow"),
    ]
    (match,) = correlation_matches(text, events, tmp_path)
    assert match.line == 2
    assert match.event["group"] == {"account": "a"}


def test_events_without_time_are_left_out_and_counted(tmp_path: Path) -> None:
    text = correlation(
        "    type: event_count\n    rules:\n        - failed_su\n    group-by:\n        - User\n"
        "    timespan: 1m\n    condition:\n        gte: 1\n"
    )
    events = [process(User="a", CommandLine="su root", UtcTime="yesterday")]
    matches, result = run(text, events, tmp_path)
    assert matches == []
    assert result.correlation_events_without_time == 1


def test_compiled_correlation_describes_itself() -> None:
    text = correlation(
        "    type: event_count\n    rules:\n        - failed_su\n    group-by:\n        - User\n"
        "    timespan: 10m\n    condition:\n        gte: 5\n"
    )
    (correlated,) = compiled(text).correlations
    assert isinstance(correlated, CompiledCorrelation)
    assert correlated.kind == "event_count"
    assert correlated.timespan_seconds == 600
    assert correlated.base_ids == ["0f0e0d0c-0000-4000-8000-0000000000b1"]
    assert correlated.group_by == ["User"]
