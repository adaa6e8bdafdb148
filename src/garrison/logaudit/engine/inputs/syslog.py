"""Syslog files: RFC 5424 lines, and RFC 3164 (BSD) lines with or without their priority,
including the ISO time stamp rsyslog writes in the traditional layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from .common import Tally, text_lines

FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
)}  # fmt: skip

_RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<timestamp>\S+) (?P<host>\S+) (?P<app>\S+) (?P<pid>\S+) (?P<msgid>\S+) "
    r"(?P<rest>.*)$",
    re.DOTALL,
)
_RFC3164 = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?"
    r"(?:(?P<month>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) (?P<clock>\d{2}:\d{2}:\d{2})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?))"
    r" (?P<host>\S+)(?: (?P<rest>.*))?$",
    re.DOTALL,
)
_TAG = re.compile(r"^(?P<app>[^\s:\[\]]{1,64})(?:\[(?P<pid>[^\]\s]{1,32})\])?: ?")
_SD_PARAM = re.compile(r'\s*([^\s="\]]+)="((?:[^"\\]|\\.)*)"')
_SD_UNESCAPE = re.compile(r'\\(["\\\]])')

# A clock a little ahead of the reader's (another time zone, drift) is not "in the future".
FUTURE_TOLERANCE = timedelta(days=1)


class SyslogReader:
    def __init__(self, reference_time: datetime | None = None) -> None:
        reference = reference_time or datetime.now()
        if reference.tzinfo is not None:
            reference = reference.replace(tzinfo=None)
        self.reference = reference + FUTURE_TOLERANCE
        self.years: dict[tuple[int, int], int] = {}

    def events(self, stream: BinaryIO, tally: Tally) -> Iterator[dict[str, Any]]:
        for number, line in text_lines(stream, tally):
            if not line.strip():
                continue
            parsed = self.parse(line)
            if isinstance(parsed, str):
                tally.bad(number, parsed)
                continue
            event, moment = parsed
            tally.event_count += 1
            tally.saw_time(moment)
            event["_line"] = number
            yield event

    def parse(self, line: str) -> tuple[dict[str, Any], datetime | None] | str:
        """The event and its time, or the reason the line is not syslog."""
        if line.startswith("<") and ">1 " in line[:8]:
            return self._rfc5424(line)
        return self._rfc3164(line)

    def _rfc5424(self, line: str) -> tuple[dict[str, Any], datetime | None] | str:
        match = _RFC5424.match(line)
        if match is None:
            return "RFC 5424 header incomplete"
        event: dict[str, Any] = {"format": "rfc5424"}
        problem = _priority(match["pri"], event)
        if problem:
            return problem
        moment = None
        if match["timestamp"] != "-":
            try:
                moment = datetime.fromisoformat(match["timestamp"])
            except ValueError:
                return f"unreadable time stamp {match['timestamp'][:40]!r}"
            event["timestamp"] = match["timestamp"]
        for name in ("host", "app", "pid", "msgid"):
            if match[name] != "-":
                event[name] = match[name]
        structured, message = _structured_data(match["rest"])
        if structured is None:
            return "malformed structured data"
        if structured:
            event["structured_data"] = structured
        if message is not None:
            event["message"] = message.removeprefix("\ufeff")
        return event, moment

    def _rfc3164(self, line: str) -> tuple[dict[str, Any], datetime | None] | str:
        match = _RFC3164.match(line)
        if match is None:
            return "no syslog header (priority, time stamp and host)"
        event: dict[str, Any] = {"format": "rfc3164"}
        problem = _priority(match["pri"], event)
        if problem:
            return problem
        if match["iso"]:
            try:
                moment = datetime.fromisoformat(match["iso"])
            except ValueError:
                return f"unreadable time stamp {match['iso']!r}"
            event["timestamp"] = match["iso"]
        else:
            found = self._infer_year(MONTHS.get(match["month"], 0), int(match["day"]), match["clock"])
            if found is None:
                return f"unreadable time stamp {match['month']} {match['day']} {match['clock']}"
            moment = found
            event["timestamp"] = moment.isoformat()
        event["host"] = match["host"]
        rest = match["rest"] or ""
        tag = _TAG.match(rest)
        if tag:
            event["app"] = tag["app"]
            if tag["pid"]:
                event["pid"] = tag["pid"]
            rest = rest[tag.end() :]
        event["message"] = rest
        return event, moment

    def _infer_year(self, month: int, day: int, clock: str) -> datetime | None:
        """RFC 3164 time stamps have no year: the latest year that does not put the time in
        the future of the reference time (29 February looks back to a leap year)."""
        if not month:
            return None
        try:
            hour, minute, second = (int(part) for part in clock.split(":"))
        except ValueError:
            return None
        # Most days lie wholly before the reference day: their year holds for every clock time.
        known = self.years.get((month, day))
        if known is not None:
            try:
                return datetime(known, month, day, hour, minute, second)
            except ValueError:
                return None
        for year in range(self.reference.year, self.reference.year - 9, -1):
            try:
                moment = datetime(year, month, day, hour, minute, second)
            except ValueError:
                continue
            if moment <= self.reference:
                if moment.date() < self.reference.date():
                    self.years[(month, day)] = year
                return moment
        return None


def _priority(text: str | None, event: dict[str, Any]) -> str | None:
    if text is None:
        return None
    value = int(text)
    if value > 191:
        return f"priority {value} out of range"
    event["facility"] = FACILITIES[value >> 3]
    event["severity"] = SEVERITIES[value & 7]
    return None


def _structured_data(rest: str) -> tuple[dict[str, dict[str, str]] | None, str | None]:
    """RFC 5424 structured data ({SD-ID: {name: value}}, None when malformed) and the
    message after it (None when there is none)."""
    if rest.startswith("-"):
        message = rest[2:] if rest.startswith("- ") else (None if rest == "-" else rest[1:])
        return {}, message
    elements: dict[str, dict[str, str]] = {}
    position = 0
    while position < len(rest) and rest[position] == "[":
        end_of_id = position + 1
        while end_of_id < len(rest) and rest[end_of_id] not in " ]":
            end_of_id += 1
        sd_id = rest[position + 1 : end_of_id]
        if not sd_id:
            return None, None
        params: dict[str, str] = {}
        position = end_of_id
        while True:
            param = _SD_PARAM.match(rest, position)
            if param is None:
                break
            params[param[1]] = _SD_UNESCAPE.sub(r"\1", param[2])
            position = param.end()
        if position >= len(rest) or rest[position] != "]":
            return None, None
        elements[sd_id] = params
        position += 1
    if not elements:
        return None, None
    if position >= len(rest):
        return elements, None
    if rest[position] != " ":
        return None, None
    return elements, rest[position + 1 :]
