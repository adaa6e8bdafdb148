"""Linux auditd raw logs (audit.log): the records of one event (SYSCALL, EXECVE, CWD, PATH,
PROCTITLE …) share a serial and become one event. Records of different events may be
interleaved, so a bounded window of open events is kept: an event is complete when its EOE
record arrives, when its serial falls behind the window, or at the end of the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from .common import Tally, epoch_time, text_lines

# How far (in serials of the same node) an open event may fall behind the newest record, and
# how many events may be open at once, before they are taken as complete.
SERIAL_WINDOW = 100
MAX_OPEN = 1000

_RECORD = re.compile(
    r"^(?:node=(?P<node>\S+) )?type=(?P<type>\S+) msg=audit\((?P<seconds>\d+(?:\.\d+)?):(?P<serial>\d+)\):?"
    r"\s?(?P<body>.*)$",
    re.DOTALL,
)
_FIELD = re.compile(r"""([A-Za-z_][\w-]*(?:\[\d+\])?)=("[^"]*"|'[^']*'|\S*)""")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
_EXECVE_ARGUMENT = re.compile(r"^a\d+$")
_ARGUMENT_PART = re.compile(r"^(a\d+)\[\d+\]$")
# Fields auditd writes hex-encoded (unquoted) when the value holds spaces, quotes or control
# characters; everything else that is unquoted is taken as written.
_ENCODED_FIELDS = frozenset(
    {"proctitle", "name", "cwd", "cmd", "comm", "exe", "path", "data", "key", "acct", "old_comm",
     "ocomm", "watch", "dir", "file", "new_name", "old_name", "vm", "img-ctx", "root_dir"}
)  # fmt: skip
# Fields an event carries from its framing; record fields of the same name do not replace them.
_FRAMING = ("type", "types", "serial", "timestamp", "host", "paths")


@dataclass
class _OpenEvent:
    line: int
    node: str
    serial: int
    seconds: str
    types: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)


def _decode_hex(value: str, name: str) -> str:
    text = bytes.fromhex(value).decode(errors="replace")
    if name == "proctitle":
        return text.replace("\x00", " ").strip()
    if name == "key":
        return text.replace("\x01", ",")
    return text


def record_fields(record_type: str, body: str) -> dict[str, str]:
    """The key=value fields of one record, quotes removed and hex-encoded values decoded; a
    user-space record's msg='…' is opened and its fields merged in."""
    # Enriched logs (log_format = ENRICHED) append translated fields after a GS character.
    body = body.replace("\x1d", " ")
    fields: dict[str, str] = {}
    execve = record_type == "EXECVE"
    for name, raw in _FIELD.findall(body):
        if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
            if name == "msg":
                for inner_name, inner_value in record_fields(record_type, raw[1:-1]).items():
                    fields.setdefault(inner_name, inner_value)
                continue
            value = raw[1:-1]
        elif raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            value = raw[1:-1]
        else:
            value = raw
            is_argument = execve and (_EXECVE_ARGUMENT.match(name) or _ARGUMENT_PART.match(name))
            if (is_argument or name in _ENCODED_FIELDS) and _HEX.match(value):
                value = _decode_hex(value, name)
        part = _ARGUMENT_PART.match(name) if execve else None
        if part:
            fields[part[1]] = fields.get(part[1], "") + value
            continue
        fields.setdefault(name, value)
    return fields


class AuditdReader:
    def __init__(self, serial_window: int = SERIAL_WINDOW, max_open: int = MAX_OPEN) -> None:
        self.serial_window = serial_window
        self.max_open = max_open

    def events(self, stream: BinaryIO, tally: Tally) -> Iterator[dict[str, Any]]:
        open_events: dict[tuple[str, int, str], _OpenEvent] = {}
        newest: dict[str, int] = {}
        for number, line in text_lines(stream, tally):
            if not line.strip():
                continue
            match = _RECORD.match(line)
            if match is None:
                tally.bad(number, "no type=… msg=audit(time:serial) record header")
                continue
            node = match["node"] or ""
            serial = int(match["serial"])
            key = (node, serial, match["seconds"])
            record_type = match["type"]
            if record_type == "EOE":
                finished = open_events.pop(key, None)
                if finished is not None:
                    yield self._finish(finished, tally)
                continue
            event = open_events.get(key)
            if event is None:
                event = _OpenEvent(line=number, node=node, serial=serial, seconds=match["seconds"])
                open_events[key] = event
            self._merge(event, record_type, record_fields(record_type, match["body"]))
            if serial > newest.get(node, -1):
                newest[node] = serial
            # Events arrive roughly in serial order, so the oldest open one is checked first.
            while open_events:
                oldest_key = next(iter(open_events))
                oldest = open_events[oldest_key]
                behind = newest.get(oldest.node, 0) - oldest.serial > self.serial_window
                if not behind and len(open_events) <= self.max_open:
                    break
                del open_events[oldest_key]
                yield self._finish(oldest, tally)
        for event in sorted(open_events.values(), key=lambda item: item.line):
            yield self._finish(event, tally)

    @staticmethod
    def _merge(event: _OpenEvent, record_type: str, fields: dict[str, str]) -> None:
        merged = event.fields
        is_execve = record_type == "EXECVE"
        if is_execve and "EXECVE" not in event.types:
            # a0… of an event are the command's arguments, not the system call's registers.
            for name in [name for name in merged if _EXECVE_ARGUMENT.match(name)]:
                del merged[name]
        has_execve = is_execve or "EXECVE" in event.types
        if record_type not in event.types:
            event.types.append(record_type)
        if record_type == "PATH" and "name" in fields:
            event.paths.append(fields["name"])
        for name, value in fields.items():
            if name in merged:
                continue
            if has_execve and not is_execve and _EXECVE_ARGUMENT.match(name):
                continue
            merged[name] = value

    @staticmethod
    def _finish(event: _OpenEvent, tally: Tally) -> dict[str, Any]:
        text, moment = _event_time(event.seconds)
        result: dict[str, Any] = {"_line": event.line}
        for name, value in event.fields.items():
            if name not in _FRAMING:
                result[name] = value
        result["type"] = event.types[0] if event.types else ""
        result["types"] = event.types
        result["serial"] = event.serial
        result["timestamp"] = text
        if event.node:
            result["host"] = event.node
        if event.paths:
            result["paths"] = event.paths
        tally.event_count += 1
        tally.saw_time(moment)
        return result


def _event_time(seconds: str) -> tuple[str, datetime]:
    return epoch_time(float(seconds))
