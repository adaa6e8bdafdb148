"""Reading a test log through `normalise` and checking `inspect` agrees."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from garrison.logaudit.engine.inputs import InputFormat, InputReport, inspect, normalise
from garrison.logaudit.engine.inputs.common import read_time

DATA = Path(__file__).resolve().parent.parent / "data"


def read(
    path: str | Path, fmt: InputFormat, reference_time: datetime | None = None
) -> tuple[InputReport, list[dict[str, Any]]]:
    """The report and the written events (sorted by source line); `inspect` must report the same."""
    out = io.BytesIO()
    report = normalise(path, fmt, out, reference_time=reference_time)
    events = [orjson.loads(line) for line in out.getvalue().splitlines()]
    counted = inspect(path, fmt, reference_time=reference_time)
    assert (counted.line_count, counted.event_count, counted.malformed_count) == (
        report.line_count,
        report.event_count,
        report.malformed_count,
    )
    assert (counted.first_time, counted.last_time) == (report.first_time, report.last_time)
    assert len(events) == report.event_count
    return report, sorted(events, key=lambda event: event["_line"])


def malformed_lines(report: InputReport) -> dict[int, str]:
    return {item.line: item.reason for item in report.malformed}


# ---- the shared time reading ---------------------------------------------------------------


def test_iso_times_are_kept_as_written() -> None:
    found = read_time("2026-11-03T08:16:40.003+08:00")
    assert found is not None
    assert found[0] == "2026-11-03T08:16:40.003+08:00"
    assert found[1].utcoffset() is not None


def test_other_layouts_become_iso_without_an_invented_offset() -> None:
    assert read_time("2026/11/03 08:16:40") == ("2026-11-03T08:16:40", datetime(2026, 11, 3, 8, 16, 40))
    assert read_time("2026-11-03 08:16:40")[0] == "2026-11-03T08:16:40"  # type: ignore[index]
    assert read_time("2026年11月03日 08:16:40")[0] == "2026-11-03T08:16:40"  # type: ignore[index]


def test_epoch_seconds_and_milliseconds_become_utc() -> None:
    assert read_time(1793665000)[0] == "2026-11-03T00:16:40Z"  # type: ignore[index]
    assert read_time(1793665000250)[0] == "2026-11-03T00:16:40.250Z"  # type: ignore[index]
    assert read_time("1793665000.5")[0] == "2026-11-03T00:16:40.500Z"  # type: ignore[index]


def test_unreadable_times_are_none() -> None:
    assert read_time("yesterday") is None
    assert read_time(True) is None
    assert read_time("") is None
    assert read_time(None) is None
