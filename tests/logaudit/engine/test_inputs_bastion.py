"""Bastion command logs: CSV (English or Chinese header), JSON lines and JSON arrays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from garrison.logaudit.engine.inputs import InputFormat

from .test_inputs_common import DATA, malformed_lines, read


def test_csv_rows_get_canonical_fields_and_change_window_figures() -> None:
    report, events = read(DATA / "bastion.csv", InputFormat.BASTION)
    assert events[0] == {
        "_line": 2,
        "time": "2026-11-03T08:16:40",
        "user": "dbadmin",
        "asset": "db01 (10.20.3.8)",
        "account": "root",
        "command": "mysqldump --all-databases > /tmp/all.sql",
        "session": "S-20261103-0007",
        "source_ip": "10.20.1.15",
        "hour": 8,
        "weekday": 2,  # Tuesday
    }
    late = events[2]
    assert (late["command"], late["hour"], late["weekday"]) == ("iptables -F", 23, 2)
    assert events[-1]["weekday"] == 7  # Sunday
    assert report.event_count == 5


def test_csv_quoted_fields_may_hold_commas_and_newlines() -> None:
    _report, events = read(DATA / "bastion.csv", InputFormat.BASTION)
    by_line = {event["_line"]: event for event in events}
    assert by_line[3]["command"] == "scp /tmp/all.sql backup@10.20.9.9:/srv/dump/"
    assert by_line[6]["command"] == "systemctl restart nginx\nsystemctl status nginx"
    assert by_line[9]["command"] == "history -c"  # after the two-line row and a blank line


def test_csv_row_with_the_wrong_column_count_is_reported() -> None:
    report, _events = read(DATA / "bastion.csv", InputFormat.BASTION)
    assert malformed_lines(report) == {5: "expected 7 columns, found 6"}
    assert report.line_count == 9


def test_chinese_headers_and_dates() -> None:
    report, events = read(DATA / "bastion_zh.csv", InputFormat.BASTION)
    first = events[0]
    assert (first["user"], first["asset"], first["account"]) == ("张伟", "核心数据库 db01", "root")
    assert (first["command"], first["session"]) == ("sudo -i", "会话-0007")
    assert first["time"] == "2026-11-03T08:16:40"
    assert first["风险等级"] == "高"  # other columns keep their header as written
    assert events[1]["hour"] == 21
    assert malformed_lines(report) == {4: "expected 7 columns, found 6"}


def test_a_gb18030_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = "时间,用户,资产,账号,命令,会话\r\n2026-11-03 08:00:00,张伟,数据库,root,whoami,会话-1\r\n"
    path.write_bytes(text.encode("gb18030"))
    report, events = read(path, InputFormat.BASTION)
    assert events[0]["user"] == "张伟"
    assert events[0]["command"] == "whoami"
    assert report.malformed_count == 0


def test_json_lines_with_other_spellings_and_epoch_times() -> None:
    report, events = read(DATA / "bastion.jsonl", InputFormat.BASTION)
    first, second, third = events
    assert (first["user"], first["asset"], first["account"]) == ("dbadmin", "db01", "root")
    assert first["command"] == "cat /etc/shadow"
    assert first["time"] == "2026-11-03T08:16:40+08:00"
    assert (first["hour"], first["weekday"]) == (8, 2)
    assert second["user"] == "ops1"  # "operator"
    assert second["time"] == "2026-11-03T20:00:00Z"
    assert second["session"] == "S-0011"  # "session_id"
    assert third["risk"] == "high"
    assert malformed_lines(report).keys() == {3, 4}
    assert report.first_time == datetime(2026, 11, 3, 0, 16, 40, tzinfo=UTC)


def test_json_array_elements_keep_their_line_and_a_broken_one_is_skipped() -> None:
    report, events = read(DATA / "bastion.json", InputFormat.BASTION)
    assert [event["_line"] for event in events] == [2, 18, 20]
    assert [event["command"] for event in events] == [
        "mysqldump --all-databases",
        "rm -f /var/log/audit/audit.log",
        "chmod 600 ~/.ssh/authorized_keys",
    ]
    bad = malformed_lines(report)
    assert sorted(bad) == [10, 19]
    assert bad[10].startswith("invalid JSON element")
    assert bad[19] == "a JSON string, not an object"
    assert report.line_count == 28


def test_an_unclosed_json_array_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(
        '[\n {"user": "a", "command": "id", "time": "2026-11-03T08:00:00"},\n {"user": "b", "comm'
    )
    report, events = read(path, InputFormat.BASTION)
    assert [event["user"] for event in events] == ["a"]
    assert report.malformed_count >= 1
    assert 3 in malformed_lines(report)
