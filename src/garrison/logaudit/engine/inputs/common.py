"""What every input reader shares: the report of one file, the tally that builds it, reading
lines with a length bound, and turning the many ways logs write a time into ISO 8601."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

# How many malformed lines a report lists; the count covers all of them.
MALFORMED_KEPT = 1000
# A longer line is reported as malformed and skipped, so one runaway line cannot exhaust memory.
MAX_LINE_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


class InputFormat(StrEnum):
    JSONL = "jsonl"
    SYSLOG = "syslog"
    AUDITD = "auditd"
    BASTION = "bastion"


@dataclass
class Malformed:
    line: int
    reason: str


@dataclass
class InputReport:
    """What reading one file found. `first_time`/`last_time` are the earliest and latest
    event times (always time-zone aware), None when no event carried a readable time."""

    path: str
    format: InputFormat
    line_count: int
    event_count: int
    malformed_count: int
    malformed: list[Malformed] = field(default_factory=list)
    first_time: datetime | None = None
    last_time: datetime | None = None


class Tally:
    """Counts lines, events and malformed lines of one file and keeps the time range."""

    def __init__(self, naive_tz: tzinfo = UTC) -> None:
        self.line_count = 0
        self.event_count = 0
        self.malformed_count = 0
        self.malformed: list[Malformed] = []
        self.first_time: datetime | None = None
        self.last_time: datetime | None = None
        self.naive_tz = naive_tz

    def bad(self, line: int, reason: str) -> None:
        self.malformed_count += 1
        if len(self.malformed) < MALFORMED_KEPT:
            self.malformed.append(Malformed(line, reason))

    def saw_time(self, moment: datetime | None) -> None:
        if moment is None:
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.naive_tz)
        if self.first_time is None or moment < self.first_time:
            self.first_time = moment
        if self.last_time is None or moment > self.last_time:
            self.last_time = moment

    def report(self, path: str | Path, fmt: InputFormat) -> InputReport:
        self.malformed.sort(key=lambda item: item.line)
        return InputReport(
            path=str(path),
            format=fmt,
            line_count=self.line_count,
            event_count=self.event_count,
            malformed_count=self.malformed_count,
            malformed=self.malformed,
            first_time=self.first_time,
            last_time=self.last_time,
        )


def raw_lines(stream: BinaryIO, tally: Tally) -> Iterator[tuple[int, bytes]]:
    """Yields (1-based number, line without its end-of-line bytes); the byte-order mark of
    the first line is dropped and over-long lines are reported and skipped."""
    readline = stream.readline
    number = 0
    while True:
        line = readline(MAX_LINE_BYTES + 1)
        if not line:
            break
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = readline(MAX_LINE_BYTES + 1)
            tally.bad(number, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if number == 1 and line.startswith(BOM):
            line = line[3:]
        yield number, line.rstrip(b"\r\n")
    tally.line_count = number


def text_lines(stream: BinaryIO, tally: Tally) -> Iterator[tuple[int, str]]:
    """Like raw_lines, decoded as UTF-8; a line that does not decode is reported."""
    for number, line in raw_lines(stream, tally):
        try:
            yield number, line.decode()
        except UnicodeDecodeError as error:
            tally.bad(number, f"undecodable bytes (not UTF-8) at column {error.start + 1}")


def undecodable_reason(line: bytes) -> str | None:
    try:
        line.decode()
    except UnicodeDecodeError as error:
        return f"undecodable bytes (not UTF-8) at column {error.start + 1}"
    return None


# ---- times ------------------------------------------------------------------------------

_FALLBACK_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H时%M分%S秒",
    "%d/%b/%Y:%H:%M:%S %z",
    "%b %d %Y %H:%M:%S",
)
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")


def epoch_time(seconds: float) -> tuple[str, datetime]:
    moment = datetime.fromtimestamp(seconds, UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z"), moment


def read_time(value: Any) -> tuple[str, datetime] | None:
    """An event time as ISO 8601 text and as a datetime. ISO text is kept as written; other
    layouts are rewritten to ISO without inventing an offset; epoch numbers (seconds or
    milliseconds) become UTC with "Z". None when the value is not a time we can read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        if len(text) > 10 and text[10] == "T":
            return text, moment
        return moment.isoformat(), moment
    if _EPOCH.match(text):
        return _from_epoch(float(text))
    for layout in _FALLBACK_FORMATS:
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        return moment.isoformat(), moment
    return None


def _from_epoch(number: float) -> tuple[str, datetime] | None:
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return epoch_time(number)
    except (OverflowError, OSError, ValueError):
        return None
