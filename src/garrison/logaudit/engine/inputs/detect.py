"""Telling the format of a log file from its first few kilobytes."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from pathlib import Path

import orjson

from .bastion import canonical_name, is_bastion_header, split_header
from .common import BOM, InputFormat

SAMPLE_BYTES = 16384
SAMPLE_LINES = 20

_AUDITD = re.compile(r"^(?:node=\S+ )?type=\S+ msg=audit\(")
_SYSLOG = re.compile(
    r"^(?:<\d{1,3}>1 \S+ \S+ "  # RFC 5424
    r"|<\d{1,3}>[A-Z][a-z]{2} [ \d]\d "  # RFC 3164 with its priority
    # RFC 3164 as files hold it, without the priority, with a classic or an ISO time stamp
    r"|(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S*) \S+ )"
)
_BASTION_KEY = re.compile(r'"([^"\\]{1,40})"\s*:')


class UnknownFormat(ValueError):
    """The start of the file matches none of the formats we read."""


def detect_format(path: str | Path) -> InputFormat:
    """The file's format, judged by most of its first lines: JSON whose objects carry
    bastion fields (a command and who/where/when) is a bastion log, other JSON objects are
    JSON lines; auditd records and syslog headers are recognised by their shape; CSV is
    recognised by a bastion header row. Raises UnknownFormat otherwise."""
    with open(path, "rb") as stream:
        head = stream.read(SAMPLE_BYTES)
    text = head.removeprefix(BOM).decode(errors="replace")
    if "\ufffd" in text:
        with contextlib.suppress(UnicodeDecodeError):
            text = head.removeprefix(BOM).decode("gb18030")
    stripped = text.lstrip()
    if stripped.startswith("["):
        keys = _BASTION_KEY.findall(stripped)
        return InputFormat.BASTION if is_bastion_header(keys) else InputFormat.JSONL
    lines = [line for line in stripped.splitlines()[:SAMPLE_LINES] if line.strip()]
    if len(head) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut short
    if not lines:
        raise UnknownFormat("the file is empty")
    if not lines[0].startswith("{") and is_bastion_header(split_header(lines[0])):
        return InputFormat.BASTION
    votes: Counter[InputFormat] = Counter()
    for line in lines:
        kind = _line_format(line)
        if kind is not None:
            votes[kind] += 1
    if not votes:
        raise UnknownFormat("not JSON, syslog, auditd or a bastion CSV with a header row")
    return votes.most_common(1)[0][0]


def _line_format(line: str) -> InputFormat | None:
    if line.startswith("{"):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if isinstance(value, dict):
            keys = [key for key in value if canonical_name(key)]
            return InputFormat.BASTION if is_bastion_header(keys) else InputFormat.JSONL
        return None
    if _AUDITD.match(line):
        return InputFormat.AUDITD
    if _SYSLOG.match(line):
        return InputFormat.SYSLOG
    return None
