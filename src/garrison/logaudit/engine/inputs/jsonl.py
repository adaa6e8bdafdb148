"""JSON inputs: JSON lines (one object a line) and JSON arrays of objects, read element by
element so a large array never sits in memory whole."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

import orjson

from .common import BOM, MAX_LINE_BYTES, Tally, read_time, undecodable_reason

# Keys that commonly hold an event's time, in the order they are tried.
TIME_KEYS = ("timestamp", "@timestamp", "time", "UtcTime", "TimeCreated", "EventTime", "date", "ts")

_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_reason(line: bytes, error: Exception) -> str:
    return undecodable_reason(line) or f"invalid JSON: {str(error).split(':')[0]}"


class TimeFinder:
    """Finds an object's time under TIME_KEYS, trying first the key the previous event used."""

    def __init__(self, keys: tuple[str, ...] = TIME_KEYS) -> None:
        self.keys = keys
        self.last = keys[0]

    def __call__(self, event: dict[str, Any]) -> datetime | None:
        value = event.get(self.last)
        if value is None:
            for key in self.keys:
                value = event.get(key)
                if value is not None:
                    self.last = key
                    break
            else:
                return None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        found = read_time(value)
        return found[1] if found else None


def json_line_objects(stream: BinaryIO, tally: Tally) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields (line number, object) for each JSON-lines line holding an object; blank lines
    are skipped and every other line is reported. Kept to one tight loop: this is the
    format audits read most."""
    loads = _loads
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
        try:
            event = loads(line)
        except _JSONDecodeError as error:
            if line.strip():
                tally.bad(number, _json_reason(line, error))
            continue
        if type(event) is not dict:
            tally.bad(number, f"a JSON {_kind(event)}, not an object")
            continue
        yield number, event
    tally.line_count = number


def read_json_lines(stream: BinaryIO, tally: Tally, emit: Callable[[bytes], Any] | None) -> None:
    """JSON lines for the engine: each object gets "_line" and is written through `emit`
    (None: only counted), and the time range is kept; the time key found first is tried
    first on the next events, which name their time the same way."""
    dumps = orjson.dumps
    option = orjson.OPT_APPEND_NEWLINE
    keys = TIME_KEYS
    time_key = keys[0]
    fromisoformat = datetime.fromisoformat
    naive_tz = tally.naive_tz
    earliest: datetime | None = None
    latest: datetime | None = None
    events = 0
    for number, event in json_line_objects(stream, tally):
        events += 1
        value = event.get(time_key)
        if value is None:
            for key in keys:
                value = event.get(key)
                if value is not None:
                    time_key = key
                    break
        if value is not None:
            moment: datetime | None
            try:
                moment = fromisoformat(value)
            except (TypeError, ValueError):
                found = read_time(value)
                moment = found[1] if found else None
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=naive_tz)
                if earliest is None or moment < earliest:
                    earliest = moment
                if latest is None or moment > latest:
                    latest = moment
        if emit is not None:
            event["_line"] = number
            try:
                emit(dumps(event, option=option))
            except TypeError:
                emit(json.dumps(event, ensure_ascii=False).encode() + b"\n")
    tally.event_count += events
    tally.saw_time(earliest)
    tally.saw_time(latest)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


# ---- JSON arrays --------------------------------------------------------------------------

_CHUNK = 1 << 22
_MAX_ELEMENT = 16 << 20
_decoder = json.JSONDecoder(parse_constant=_reject_constant)
_INVALID = object()


def json_array_objects(stream: BinaryIO, tally: Tally) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields (line where the element starts, object) for each element of a top-level JSON
    array. A broken element is reported at its line and reading resumes at the next line
    that starts an object, so one bad element does not lose the rest of the array."""
    reader = _ArrayReader(stream, tally)
    yield from reader.objects()


class _ArrayReader:
    def __init__(self, stream: BinaryIO, tally: Tally) -> None:
        self.stream = stream
        self.tally = tally
        self.buffer = ""
        self.position = 0
        self.line = 1  # line number at self.position
        self.at_end = False
        self.problem = ""
        self.first_chunk = True
        # Bytes that are not UTF-8 become U+FFFD: an array cannot be cut into lines to report.
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def _fill(self) -> bool:
        """Appends the next chunk; False at end of input."""
        if self.at_end:
            return False
        data = self.stream.read(_CHUNK)
        if not data:
            self.at_end = True
            tail = self.decoder.decode(b"", final=True)
            if not tail:
                return False
        else:
            if self.first_chunk and data.startswith(BOM):
                data = data[3:]
            tail = self.decoder.decode(data)
        self.first_chunk = False
        self.buffer = self.buffer[self.position :] + tail
        self.position = 0
        return True

    def _advance(self, to: int) -> None:
        self.line += self.buffer.count("\n", self.position, to)
        self.position = to

    def _skip_space(self, also: str = "") -> str:
        """Moves past whitespace (and the characters in `also`); returns the next character
        or "" at end of input."""
        while True:
            buffer = self.buffer
            index = self.position
            size = len(buffer)
            while index < size and (buffer[index] in " \t\r\n" or buffer[index] in also):
                index += 1
            self._advance(index)
            if index < size:
                return buffer[index]
            if not self._fill():
                return ""

    def objects(self) -> Iterator[tuple[int, dict[str, Any]]]:
        tally = self.tally
        first = self._skip_space()
        if first != "[":
            if first:
                tally.bad(self.line, "expected a JSON array")
            self._count_remaining_lines()
            return
        self._advance(self.position + 1)
        while True:
            char = self._skip_space(",")
            if char == "" or char == "]":
                if char == "":
                    tally.bad(self.line, "the JSON array is not closed")
                else:
                    self._advance(self.position + 1)
                    trailing = self._skip_space()
                    if trailing:
                        tally.bad(self.line, "text after the end of the JSON array")
                break
            start_line = self.line
            element = self._decode()
            if element is _INVALID:
                tally.bad(start_line, f"invalid JSON element: {self.problem}")
                self._resync()
                continue
            if type(element) is not dict:
                tally.bad(start_line, f"a JSON {_kind(element)}, not an object")
                continue
            yield start_line, element
        self._count_remaining_lines()

    def _decode(self) -> Any:
        while True:
            try:
                value, end = _decoder.raw_decode(self.buffer, self.position)
            except ValueError as error:
                position = getattr(error, "pos", self.position)
                incomplete = position >= len(self.buffer) - 1 or "Unterminated" in str(error)
                if incomplete and len(self.buffer) - self.position < _MAX_ELEMENT and self._fill():
                    continue
                self.problem = getattr(error, "msg", "unreadable")
                return _INVALID
            self._advance(end)
            return value

    def _resync(self) -> None:
        """Skips to the next line whose first non-blank character opens an object."""
        while True:
            newline = self.buffer.find("\n", self.position)
            if newline < 0:
                self._advance(len(self.buffer))
                if not self._fill():
                    return
                continue
            self._advance(newline + 1)
            stripped_at = self.position
            while stripped_at < len(self.buffer) and self.buffer[stripped_at] in " \t\r":
                stripped_at += 1
            if stripped_at >= len(self.buffer) and self._fill():
                continue
            if stripped_at < len(self.buffer) and self.buffer[stripped_at] in "{]":
                self._advance(stripped_at)
                return

    def _count_remaining_lines(self) -> None:
        self._advance(len(self.buffer))
        while self._fill():
            self._advance(len(self.buffer))
        if not self.buffer:
            self.tally.line_count = self.line - 1
        else:
            self.tally.line_count = self.line - 1 if self.buffer.endswith("\n") else self.line
