"""Bastion-host (jump server) command logs, exported as CSV with a header row or as JSON
(lines or one array): who ran which command on which asset under which account, when."""

from __future__ import annotations

import codecs
import csv
import functools
from collections.abc import Iterator
from typing import Any, BinaryIO

from .common import BOM, Tally, raw_lines, read_time
from .jsonl import json_array_objects, json_line_objects

# Canonical field -> header spellings seen in exports (compared lower-cased, with spaces and
# hyphens as underscores).
ALIASES: dict[str, tuple[str, ...]] = {
    "user": ("user", "username", "user_name", "operator", "用户", "用户名", "操作用户", "运维用户", "操作人"),
    "asset": ("asset", "host", "hostname", "target", "asset_name", "资产", "资产名称", "主机", "目标主机"),
    "account": ("account", "login", "system_user", "account_name", "login_as", "账号", "账户", "系统用户",
                "登录账号"),
    "command": ("command", "cmd", "input", "命令", "执行命令", "操作命令"),
    "time": ("time", "timestamp", "date", "datetime", "date_time", "@timestamp", "time_stamp", "时间",
             "执行时间", "日期", "操作时间"),
    "session": ("session", "session_id", "sessionid", "会话", "会话id", "会话编号"),
    "source_ip": ("source_ip", "src_ip", "remote_addr", "client_ip", "remote_ip", "来源ip", "来源地址",
                  "源ip", "客户端ip"),
}  # fmt: skip
_CANONICAL = {spelling: name for name, spellings in ALIASES.items() for spelling in spellings}
# Enough to tell a bastion command log from other JSON or CSV.
REQUIRED_FOR_DETECTION = frozenset({"command"})
_DELIMITERS = (",", "\t", ";", "|")


@functools.lru_cache(maxsize=4096)
def canonical_name(header: str) -> str | None:
    key = header.strip().lower().replace(" ", "_").replace("-", "_")
    return _CANONICAL.get(key)


def is_bastion_header(names: list[str]) -> bool:
    found = {canonical_name(name) for name in names}
    who_where_when = found & {"user", "asset", "account", "time", "session"}
    return found >= REQUIRED_FOR_DETECTION and len(who_where_when) >= 2


def bastion_event(record: dict[str, Any], line: int, tally: Tally) -> dict[str, Any]:
    """The normalised event: canonical names for the known fields, other fields as written,
    time as ISO 8601 with `hour` (0 to 23) and `weekday` (1 = Monday) from the time as written,
    so rules can flag commands outside change windows."""
    event: dict[str, Any] = {"_line": line}
    for name, value in record.items():
        canonical = canonical_name(name) if isinstance(name, str) else None
        target = canonical or name
        if target in event and canonical is None:
            continue
        event[target] = value
    if "time" in event:
        found = read_time(event["time"])
        if found is not None:
            text, moment = found
            event["time"] = text
            event["hour"] = moment.hour
            event["weekday"] = moment.isoweekday()
            tally.saw_time(moment)
    tally.event_count += 1
    return event


class BastionReader:
    def events(self, stream: BinaryIO, tally: Tally) -> Iterator[dict[str, Any]]:
        first = _first_character(stream)
        if first == b"[":
            for line, record in json_array_objects(stream, tally):
                yield bastion_event(record, line, tally)
        elif first == b"{":
            for line, record in json_line_objects(stream, tally):
                yield bastion_event(record, line, tally)
        else:
            yield from self._csv(stream, tally)

    def _csv(self, stream: BinaryIO, tally: Tally) -> Iterator[dict[str, Any]]:
        encoding = _guess_encoding(stream)
        decoder = codecs.getdecoder(encoding)
        consumed: list[int] = []

        def lines() -> Iterator[str]:
            for number, raw in raw_lines(stream, tally):
                try:
                    text = decoder(raw)[0]
                except UnicodeDecodeError as error:
                    tally.bad(number, f"undecodable bytes (not {encoding}) at column {error.start + 1}")
                    continue
                consumed.append(number)
                yield text + "\n"

        source = lines()
        header_line = 0
        header: list[str] = []
        for text in source:
            if text.strip():
                header_line = consumed[-1]
                header = split_header(text)
                break
        if not header:
            return
        delimiter = _delimiter(text)
        del consumed[:]
        reader = csv.reader(source, delimiter=delimiter)
        for row in reader:
            start = consumed[0] if consumed else header_line
            del consumed[:]
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                tally.bad(start, f"expected {len(header)} columns, found {len(row)}")
                continue
            yield bastion_event(dict(zip(header, row, strict=True)), start, tally)


def _first_character(stream: BinaryIO) -> bytes:
    """The first byte that is not blank (after a byte-order mark); the stream is rewound."""
    head = stream.read(4096)
    stream.seek(0)
    head = head.removeprefix(BOM).lstrip()
    return head[:1]


def _guess_encoding(stream: BinaryIO) -> str:
    """UTF-8 unless the start of the file is not UTF-8 but is GB 18030, as Chinese bastion
    exports opened and saved in a spreadsheet often are."""
    head = stream.read(65536)
    stream.seek(0)
    try:
        head.decode()
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            try:
                head.decode("gb18030")
            except UnicodeDecodeError:
                return "utf-8"
            return "gb18030"
    return "utf-8"


def _delimiter(header_text: str) -> str:
    counts = {candidate: header_text.count(candidate) for candidate in _DELIMITERS}
    return max(counts, key=lambda candidate: counts[candidate]) if any(counts.values()) else ","


def split_header(text: str) -> list[str]:
    return [name.strip() for name in next(csv.reader([text], delimiter=_delimiter(text)))]
