"""auditd raw records: one event per serial, interleaved records joined, hex values decoded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from garrison.logaudit.engine.inputs import InputFormat

from .test_inputs_common import DATA, malformed_lines, read


def events_by_line() -> dict[int, dict]:
    _report, events = read(DATA / "auditd.log", InputFormat.AUDITD)
    return {event["_line"]: event for event in events}


def test_records_of_one_serial_become_one_event() -> None:
    sudo = events_by_line()[1]
    assert sudo["type"] == "SYSCALL"
    assert sudo["types"] == ["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"]
    assert sudo["serial"] == 1001
    assert sudo["timestamp"] == "2026-11-03T00:16:40.120Z"
    assert (sudo["comm"], sudo["exe"], sudo["key"], sudo["euid"]) == (
        "sudo",
        "/usr/bin/sudo",
        "priv_esc",
        "0",
    )
    assert sudo["cwd"] == "/home/dbadmin"
    assert sudo["name"] == "/usr/bin/sudo"  # the first PATH record's name
    assert sudo["paths"] == ["/usr/bin/sudo", "/lib64/ld-linux-x86-64.so.2"]
    assert sudo["proctitle"] == "sudo -i"  # hex, NUL-separated arguments
    assert "host" not in sudo


def test_execve_arguments_replace_the_syscall_registers() -> None:
    sudo = events_by_line()[1]
    assert (sudo["argc"], sudo["a0"], sudo["a1"]) == ("2", "sudo", "-i")
    # a2 and a3 were registers of the SYSCALL record, not arguments
    assert "a2" not in sudo
    assert "a3" not in sudo


def test_interleaved_serials_are_kept_apart() -> None:
    events = events_by_line()
    iptables, cat = events[9], events[10]
    assert iptables["serial"] == 1003
    assert iptables["types"] == ["SYSCALL", "EXECVE", "PROCTITLE"]
    assert (iptables["a0"], iptables["a1"], iptables["a2"]) == ("iptables", "-F", "INPUT chain")
    assert iptables["proctitle"] == "iptables -F INPUT"
    assert "cwd" not in iptables
    assert cat["serial"] == 1004
    assert cat["types"] == ["SYSCALL", "CWD", "PATH", "PROCTITLE"]
    assert cat["cwd"] == "/home/ops one"  # hex-encoded because of the space
    assert cat["name"] == "/etc/shadow"
    assert cat["key"] == "config,secret"  # two keys, separated by 0x01
    assert cat["a0"] == "ffffff9c"  # no EXECVE: the registers stay as written


def test_user_space_messages_are_opened() -> None:
    events = events_by_line()
    command = events[2]
    assert command["type"] == "USER_CMD"
    assert command["cmd"] == "cat /etc/shadow"
    assert command["cwd"] == "/home/dbadmin"
    assert command["res"] == "success"
    login = events[22]
    assert (login["type"], login["addr"], login["res"]) == ("USER_LOGIN", "203.0.113.50", "failed")


def test_the_same_serial_on_another_node_is_another_event() -> None:
    useradd = events_by_line()[18]
    assert useradd["host"] == "db01"
    assert useradd["serial"] == 1001
    assert useradd["types"] == ["SYSCALL", "EXECVE"]
    assert useradd["a4"] == "backdoor"  # a long argument split into a4[0], a4[1]
    assert useradd["comm"] == "useradd"


def test_bad_records_are_reported_and_the_rest_kept() -> None:
    report, events = read(DATA / "auditd.log", InputFormat.AUDITD)
    bad = malformed_lines(report)
    assert sorted(bad) == [16, 21, 23]
    assert bad[16].startswith("no type=")
    assert bad[23].startswith("undecodable bytes")
    assert report.event_count == 6
    assert len(events) == 6
    assert report.line_count == 23
    assert report.first_time == datetime(2026, 11, 3, 0, 16, 40, 120000, tzinfo=UTC)
    assert report.last_time == datetime(2026, 11, 3, 0, 17, 0, 250000, tzinfo=UTC)


def test_a_serial_behind_the_window_is_closed_without_its_eoe(tmp_path: Path) -> None:
    lines = ['type=SYSCALL msg=audit(1793665000.000:5): syscall=59 comm="early"']
    lines += [f"type=USER_AUTH msg=audit(1793665001.000:{serial}): res=success" for serial in range(6, 300)]
    lines.append("type=PROCTITLE msg=audit(1793665000.000:5): proctitle=6C617465")
    path = tmp_path / "window.log"
    path.write_text("\n".join(lines) + "\n")
    report, events = read(path, InputFormat.AUDITD)
    serial_five = [event for event in events if event["serial"] == 5]
    # The late record arrived after the window had closed serial 5: it starts a new event.
    assert [event["_line"] for event in serial_five] == [1, len(lines)]
    assert serial_five[0]["comm"] == "early"
    assert serial_five[1]["proctitle"] == "late"
    assert report.event_count == len(events) == 296
