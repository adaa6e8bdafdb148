"""JSON lines: objects pass through with their source line; every other line is reported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from garrison.logaudit.engine.inputs import MALFORMED_KEPT, InputFormat

from .test_inputs_common import DATA, malformed_lines, read


def test_objects_pass_through_with_their_line() -> None:
    report, events = read(DATA / "events.jsonl", InputFormat.JSONL)
    assert [event["_line"] for event in events] == [1, 2, 6, 9]
    assert events[0]["CommandLine"] == "mysqldump --all-databases"
    assert events[0]["EventID"] == 1
    assert events[3]["Image"] == "/usr/bin/crontab"  # a CRLF line end is not part of the event
    assert report.line_count == 9
    assert report.event_count == 4


def test_each_kind_of_bad_line_is_reported_with_its_number() -> None:
    report, _events = read(DATA / "events.jsonl", InputFormat.JSONL)
    bad = malformed_lines(report)
    assert sorted(bad) == [3, 5, 7, 8]  # the blank line 4 is not malformed
    assert bad[3].startswith("invalid JSON")
    assert bad[5] == "a JSON array, not an object"
    assert bad[7] == "a JSON number, not an object"
    assert bad[8].startswith("undecodable bytes")
    assert report.malformed_count == 4


def test_time_range_spans_the_earliest_and_latest_event() -> None:
    report, _events = read(DATA / "events.jsonl", InputFormat.JSONL)
    assert report.first_time == datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC)
    assert report.last_time == datetime(2026, 11, 3, 15, 41, 9, tzinfo=UTC)


def test_a_byte_order_mark_and_epoch_times_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"timestamp": 1793665000, "msg": "a"}\n{"ts": "2026-11-03T09:00:00"}\n')
    report, events = read(path, InputFormat.JSONL)
    assert [event["_line"] for event in events] == [1, 2]
    assert report.malformed_count == 0
    assert report.first_time == datetime(2026, 11, 3, 0, 16, 40, tzinfo=UTC)
    assert report.last_time == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # naive times taken as UTC


def test_a_json_array_is_read_element_by_element(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text('[\n  {"a": 1},\n  {"a": 2, },\n  {"a": 3}\n]\n')
    report, events = read(path, InputFormat.JSONL)
    assert [(event["_line"], event["a"]) for event in events] == [(2, 1), (4, 3)]
    assert list(malformed_lines(report)) == [3]


def test_only_the_first_malformed_lines_are_listed_but_all_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_text("oops\n" * (MALFORMED_KEPT + 5) + '{"ok": true}\n')
    report, events = read(path, InputFormat.JSONL)
    assert report.malformed_count == MALFORMED_KEPT + 5
    assert len(report.malformed) == MALFORMED_KEPT
    assert events[0]["_line"] == MALFORMED_KEPT + 6


def test_an_overlong_line_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"x": "' + b"a" * (2 << 20) + b'"}\n{"ok": 1}\n')
    report, events = read(path, InputFormat.JSONL)
    assert malformed_lines(report)[1].startswith("line longer than")
    assert [event["_line"] for event in events] == [2]
