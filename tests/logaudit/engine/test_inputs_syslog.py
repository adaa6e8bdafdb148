"""Syslog: RFC 5424 with structured data and byte-order marks, RFC 3164 with its missing year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from garrison.logaudit.engine.inputs import InputFormat

from .test_inputs_common import DATA, malformed_lines, read

REFERENCE = datetime(2026, 11, 5, 12, 0)


def test_rfc5424_header_fields_are_normalised() -> None:
    report, events = read(DATA / "syslog_rfc5424.log", InputFormat.SYSLOG)
    first = events[0]
    assert first["_line"] == 1  # the file's byte-order mark does not hide the header
    assert first["format"] == "rfc5424"
    assert first["timestamp"] == "2026-11-03T08:15:02.412+08:00"
    assert (first["host"], first["app"], first["pid"]) == ("bastion01", "sshd", "21877")
    assert (first["facility"], first["severity"]) == ("authpriv", "info")
    assert first["message"].startswith("Accepted publickey for ops1")
    assert "msgid" not in first  # NILVALUE fields are left out
    assert report.event_count == 6


def test_rfc5424_structured_data_and_message_bom() -> None:
    _report, events = read(DATA / "syslog_rfc5424.log", InputFormat.SYSLOG)
    by_line = {event["_line"]: event for event in events}
    sudo = by_line[2]
    assert sudo["structured_data"] == {
        "origin": {"ip": "10.20.3.8", "software": "sudo"},
        "meta": {"sequenceId": "42"},
    }
    assert sudo["message"].startswith("dbadmin : TTY=pts/1")  # the message's BOM is dropped
    escaped = by_line[4]
    assert "timestamp" not in escaped
    assert escaped["msgid"] == "ID47"
    assert escaped["structured_data"]["exampleSDID@32473"] == {
        "iut": "3",
        "eventSource": 'Application "main"',
        "note": "a ] bracket",
    }
    assert escaped["message"] == "started"
    assert "message" not in by_line[6]


def test_rfc5424_bad_lines_are_reported_by_number() -> None:
    report, _events = read(DATA / "syslog_rfc5424.log", InputFormat.SYSLOG)
    bad = malformed_lines(report)
    assert sorted(bad) == [5, 8, 9, 11]
    assert bad[5].startswith("no syslog header")
    assert bad[8] == "priority 999 out of range"
    assert bad[9] == "malformed structured data"
    assert bad[11].startswith("unreadable time stamp")
    assert report.line_count == 11


def test_rfc5424_time_range_uses_the_offsets() -> None:
    report, _events = read(DATA / "syslog_rfc5424.log", InputFormat.SYSLOG)
    assert report.first_time == datetime(2026, 11, 3, 0, 15, 2, 412000, tzinfo=UTC)
    assert report.last_time == datetime(2026, 11, 3, 11, 20, 45, 120000, tzinfo=UTC)


def test_rfc3164_lines_with_and_without_priority() -> None:
    _report, events = read(DATA / "syslog_rfc3164.log", InputFormat.SYSLOG, REFERENCE)
    by_line = {event["_line"]: event for event in events}
    assert by_line[1] == {
        "_line": 1,
        "format": "rfc3164",
        "timestamp": "2026-11-03T08:15:02",
        "host": "bastion01",
        "app": "sshd",
        "pid": "21877",
        "message": "Accepted publickey for ops1 from 10.20.1.15 port 51522 ssh2",
    }
    assert by_line[2]["app"] == "sudo"
    assert "pid" not in by_line[2]
    assert "COMMAND=/usr/bin/mysqldump" in by_line[2]["message"]
    assert (by_line[4]["facility"], by_line[4]["severity"]) == ("auth", "info")
    assert by_line[6]["timestamp"] == "2026-11-03T08:22:30.551234+08:00"  # rsyslog's ISO stamp
    assert by_line[10]["app"] == "useradd"


def test_rfc3164_year_is_the_latest_not_in_the_future() -> None:
    _report, events = read(DATA / "syslog_rfc3164.log", InputFormat.SYSLOG, REFERENCE)
    by_line = {event["_line"]: event for event in events}
    assert by_line[7]["timestamp"] == "2025-12-31T23:59:58"  # December, read early in November
    assert by_line[8]["timestamp"] == "2024-02-29T12:00:00"  # 29 February: the last leap year


def test_rfc3164_year_follows_the_reference_time(tmp_path: Path) -> None:
    path = tmp_path / "newyear.log"
    path.write_text("Dec 31 23:59:59 h app: old year\nJan  1 00:00:05 h app: new year\n")
    _report, events = read(path, InputFormat.SYSLOG, datetime(2027, 1, 1, 0, 1))
    assert [event["timestamp"] for event in events] == ["2026-12-31T23:59:59", "2027-01-01T00:00:05"]
    _report, events = read(
        path, InputFormat.SYSLOG, datetime(2026, 12, 20, tzinfo=timezone(timedelta(hours=8)))
    )
    assert [event["timestamp"] for event in events] == ["2025-12-31T23:59:59", "2026-01-01T00:00:05"]


def test_rfc3164_bad_lines_are_reported_by_number() -> None:
    report, events = read(DATA / "syslog_rfc3164.log", InputFormat.SYSLOG, REFERENCE)
    bad = malformed_lines(report)
    assert sorted(bad) == [5, 9, 11]
    assert bad[5].startswith("no syslog header")
    assert bad[11].startswith("undecodable bytes")
    assert events[-1]["_line"] == 12  # the line after the undecodable one is kept
    assert report.line_count == 12
