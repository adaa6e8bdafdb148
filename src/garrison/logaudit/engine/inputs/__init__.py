"""Reading log files into events: JSON lines, syslog (RFC 5424 and 3164), Linux auditd raw
records and bastion-host command logs (CSV or JSON). `normalise` writes the events as JSON
lines for the engine, `inspect` only counts them (at ingestion). Malformed lines are
counted and listed with their line numbers; they never stop the reading and never cost a
good line. Pure: no Django import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .auditd import AuditdReader
from .bastion import BastionReader
from .common import BOM, MALFORMED_KEPT, InputFormat, InputReport, Malformed, Tally
from .detect import UnknownFormat, detect_format
from .jsonl import TimeFinder, json_array_objects, read_json_lines
from .syslog import SyslogReader

__all__ = [
    "MALFORMED_KEPT",
    "InputFormat",
    "InputReport",
    "Malformed",
    "UnknownFormat",
    "detect_format",
    "inspect",
    "normalise",
]

_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def _jsonl_array_events(stream: BinaryIO, tally: Tally) -> Iterator[dict[str, Any]]:
    time_of = TimeFinder()
    for number, event in json_array_objects(stream, tally):
        tally.event_count += 1
        tally.saw_time(time_of(event))
        event["_line"] = number
        yield event


def _starts_array(stream: BinaryIO) -> bool:
    head = stream.read(4096)
    stream.seek(0)
    return head.removeprefix(BOM).lstrip().startswith(b"[")


def _events(
    stream: BinaryIO, fmt: InputFormat, tally: Tally, reference_time: datetime | None
) -> Iterator[dict[str, Any]]:
    if fmt == InputFormat.JSONL:
        return _jsonl_array_events(stream, tally)
    if fmt == InputFormat.SYSLOG:
        return SyslogReader(reference_time).events(stream, tally)
    if fmt == InputFormat.AUDITD:
        return AuditdReader().events(stream, tally)
    if fmt == InputFormat.BASTION:
        return BastionReader().events(stream, tally)
    raise ValueError(f"unknown input format {fmt!r}")


def _encode(event: dict[str, Any]) -> bytes:
    try:
        return _dumps(event, option=_NEWLINE)
    except TypeError:  # integers beyond 64 bits, which only the standard library writes
        return json.dumps(event, ensure_ascii=False).encode() + b"\n"


def _read(
    path: str | Path,
    fmt: InputFormat,
    emit: Callable[[bytes], Any] | None,
    reference_time: datetime | None,
    naive_tz: tzinfo,
) -> InputReport:
    fmt = InputFormat(fmt)
    tally = Tally(naive_tz)
    with open(path, "rb") as stream:
        if fmt == InputFormat.JSONL and not _starts_array(stream):
            read_json_lines(stream, tally, emit)
            return tally.report(path, fmt)
        events = _events(stream, fmt, tally, reference_time)
        if emit is None:
            for _event in events:
                pass
        else:
            for event in events:
                emit(_encode(event))
    return tally.report(path, fmt)


def normalise(
    path: str | Path,
    fmt: InputFormat,
    out: BinaryIO,
    *,
    reference_time: datetime | None = None,
    naive_tz: tzinfo = UTC,
) -> InputReport:
    """Writes the file's events to `out`, one JSON object a line, each with "_line" (the
    1-based source line of the event's first record) and the fields of its format.
    `reference_time` (default now) dates RFC 3164 lines, which carry no year; `naive_tz`
    is the zone assumed for times without an offset in the report's time range."""
    return _read(path, fmt, out.write, reference_time, naive_tz)


def inspect(
    path: str | Path,
    fmt: InputFormat,
    *,
    reference_time: datetime | None = None,
    naive_tz: tzinfo = UTC,
) -> InputReport:
    """The counts and time range `normalise` would report, without writing anything."""
    return _read(path, fmt, None, reference_time, naive_tz)
