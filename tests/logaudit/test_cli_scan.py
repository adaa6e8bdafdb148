"""`garrison logaudit scan`: counts per rule, rules that cannot run, malformed lines, status."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command

from garrison.logaudit import cli_scan

CURL_RULE = """
title: Curl Usage
id: 0f0e0d0c-0000-4000-8000-0000000000f1
author: Garrison tests
logsource:
    product: linux
    category: process_creation
detection:
    sel:
        Image|endswith: /curl
    condition: sel
level: low
"""
WINDOWS_RULE = (
    CURL_RULE.replace("product: linux", "product: windows")
    .replace("f1", "f2")
    .replace("Curl Usage", "Windows Curl")
)


def event(image: str, line: int) -> bytes:
    return orjson.dumps({"EventID": 1, "Image": image, "UtcTime": f"2026-11-02T00:00:{line:02d}Z"})


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "curl.yml").write_text(CURL_RULE)
    return folder


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        b"\n".join([event("/usr/bin/curl", 1), event("/usr/bin/ls", 2), event("/bin/curl", 3)]) + b"\n"
    )
    return path


def scan(*arguments: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    parser = cli_scan.argparse.ArgumentParser()
    cli_scan.add_arguments(parser)
    status = cli_scan.handle_scan(vars(parser.parse_args(arguments)), stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def test_it_prints_counts_per_rule_and_writes_the_matches(rules: Path, events: Path, tmp_path: Path) -> None:
    output = tmp_path / "matches.jsonl"
    status, out, _ = scan("--rules", str(rules), "--events", str(events), "--output", str(output))
    assert status == 0
    assert "Matches per rule (1 of 1 rules matched):" in out
    assert "        2  Curl Usage  [0f0e0d0c-0000-4000-8000-0000000000f1]" in out
    assert f"{events}: jsonl — 3 events, 0 malformed lines" in out
    assert "3 events read, 2 matches" in out
    written = [orjson.loads(line) for line in output.read_bytes().splitlines()]
    assert [(match["line"], match["author"], match["file"]) for match in written] == [
        (1, "Garrison tests", str(events)),
        (3, "Garrison tests", str(events)),
    ]


def test_rules_that_cannot_run_are_named_with_the_reason_and_exit_one(rules: Path, events: Path) -> None:
    (rules / "windows.yml").write_text(WINDOWS_RULE)
    status, out, _ = scan("--rules", str(rules), "--events", str(events))
    assert status == 1
    assert "Rules that could not run (1):" in out
    reason = "no pipeline covers the log source product:windows/category:process_creation"
    assert f"windows.yml: Windows Curl: {reason}" in out


def test_malformed_lines_are_reported_with_their_numbers_and_exit_one(rules: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(event("/usr/bin/curl", 1) + b"\n{broken\n" + event("/usr/bin/curl", 3) + b"\n")
    status, out, _ = scan("--rules", str(rules), "--events", str(path), "--format", "jsonl")
    assert status == 1
    assert "2 events, 1 malformed lines" in out
    assert "  malformed lines: 2\n" in out
    assert "2 matches" in out


def test_a_missing_events_file_exits_two(rules: Path, tmp_path: Path) -> None:
    status, _, err = scan("--rules", str(rules), "--events", str(tmp_path / "missing.jsonl"))
    assert status == 2
    assert "no such file" in err


def test_no_runnable_rule_exits_two(events: Path, tmp_path: Path) -> None:
    (tmp_path / "only.yml").write_text(WINDOWS_RULE)
    status, out, err = scan("--rules", str(tmp_path / "only.yml"), "--events", str(events))
    assert status == 2
    assert "no rule can run" in err
    assert "no pipeline covers" in out


def test_the_format_is_detected_when_not_given(rules: Path, tmp_path: Path) -> None:
    path = tmp_path / "bastion.csv"
    path.write_text("user,asset,account,command,time,session\nops,db1,root,curl x,2026-11-02T00:00:00Z,s1\n")
    status, out, _ = scan("--rules", str(rules), "--events", str(path))
    assert status == 0
    assert f"{path}: bastion — 1 events" in out


def test_the_management_command_runs_the_scan(rules: Path, events: Path) -> None:
    stdout = io.StringIO()
    call_command("logaudit", "scan", "--rules", str(rules), "--events", str(events), stdout=stdout)
    assert "2 matches" in stdout.getvalue()


def test_the_management_command_exits_with_the_status(rules: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{broken\n")
    with pytest.raises(CommandError) as raised:
        call_command(
            "logaudit",
            "scan",
            "--rules",
            str(rules),
            "--events",
            str(path),
            "--format",
            "jsonl",
            stdout=io.StringIO(),
        )
    assert raised.value.returncode == 1
