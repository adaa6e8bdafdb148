"""Telling a file's format from its first lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from garrison.logaudit.engine.inputs import InputFormat, UnknownFormat, detect_format

from .test_inputs_common import DATA


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("events.jsonl", InputFormat.JSONL),
        ("syslog_rfc5424.log", InputFormat.SYSLOG),
        ("syslog_rfc3164.log", InputFormat.SYSLOG),
        ("auditd.log", InputFormat.AUDITD),
        ("bastion.csv", InputFormat.BASTION),
        ("bastion_zh.csv", InputFormat.BASTION),
        ("bastion.jsonl", InputFormat.BASTION),
        ("bastion.json", InputFormat.BASTION),
    ],
)
def test_each_sample_is_recognised(name: str, expected: InputFormat) -> None:
    assert detect_format(DATA / name) == expected


def test_a_few_bad_first_lines_do_not_decide(tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    path.write_text(
        "garbage\n"
        + "".join(f"type=SYSCALL msg=audit(1793665000.{n:03d}:{n}): syscall=59\n" for n in range(5))
    )
    assert detect_format(path) == InputFormat.AUDITD


def test_syslog_with_a_priority_and_no_year(tmp_path: Path) -> None:
    path = tmp_path / "pri.log"
    path.write_text("<38>Nov  3 08:20:13 app01 sshd[1021]: session opened\n")
    assert detect_format(path) == InputFormat.SYSLOG


def test_a_json_array_without_bastion_fields_is_json(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text('[{"EventID": 1, "Image": "/usr/bin/id"}]')
    assert detect_format(path) == InputFormat.JSONL


def test_unknown_and_empty_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\nmilk\n")
    with pytest.raises(UnknownFormat):
        detect_format(path)
    empty = tmp_path / "empty.log"
    empty.write_text("")
    with pytest.raises(UnknownFormat, match="empty"):
        detect_format(empty)
