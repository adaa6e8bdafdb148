"""Each Sigma modifier the engine runs, on a positive and a negative hand-written event."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from .engine_helpers import matched_lines, process, process_rule

CASES: list[tuple[str, str, list[dict[str, Any]], list[int]]] = [
    # (name, detection block, events, lines that match)
    (
        "plain value is whole and any case",
        "    sel:\n        Image: /usr/bin/Curl\n    condition: sel",
        [process(Image="/usr/bin/curl"), process(Image="/usr/bin/curl2"), process(Image="/USR/BIN/CURL")],
        [1, 3],
    ),
    (
        "contains",
        "    sel:\n        CommandLine|contains: 'iptables -F'\n    condition: sel",
        [process(CommandLine="sudo IPTABLES -F input"), process(CommandLine="iptables -L")],
        [1],
    ),
    (
        "startswith",
        "    sel:\n        CommandLine|startswith: 'rm '\n    condition: sel",
        [process(CommandLine="rm -rf /"), process(CommandLine="sudo rm -rf /")],
        [1],
    ),
    (
        "endswith",
        "    sel:\n        Image|endswith: '/nc'\n    condition: sel",
        [process(Image="/usr/bin/nc"), process(Image="/usr/bin/ncat")],
        [1],
    ),
    (
        "contains all",
        "    sel:\n        CommandLine|contains|all:\n            - 'curl'\n            - '| sh'\n"
        "    condition: sel",
        [process(CommandLine="curl http://x | sh"), process(CommandLine="curl http://x")],
        [1],
    ),
    (
        "list is any of",
        "    sel:\n        Image|endswith:\n            - /nc\n            - /ncat\n    condition: sel",
        [process(Image="/bin/nc"), process(Image="/bin/ncat"), process(Image="/bin/netcat")],
        [1, 2],
    ),
    (
        "wildcards star and question mark",
        "    sel:\n        CommandLine: 'chmod ?777 /tmp/*'\n    condition: sel",
        [
            process(CommandLine="chmod 0777 /tmp/x"),
            process(CommandLine="chmod 777 /tmp/x"),
            process(CommandLine="chmod 0777 /var/x"),
        ],
        [1],
    ),
    (
        "escaped star is a star",
        "    sel:\n        CommandLine|contains: 'a\\*b'\n    condition: sel",
        [process(CommandLine="x a*b y"), process(CommandLine="x axxb y")],
        [1],
    ),
    (
        "percent and underscore are literal",
        "    sel:\n        CommandLine|contains: '50%_off'\n    condition: sel",
        [process(CommandLine="get 50%_off now"), process(CommandLine="get 50xxoff now")],
        [1],
    ),
    (
        "re is searched and case-sensitive",
        "    sel:\n        CommandLine|re: '\\s-[FX]\\s'\n    condition: sel",
        [process(CommandLine="iptables -F input"), process(CommandLine="iptables -f input")],
        [1],
    ),
    (
        "re with i flag",
        "    sel:\n        CommandLine|re|i: 'passwd$'\n    condition: sel",
        [process(CommandLine="cat /etc/PASSWD"), process(CommandLine="cat /etc/passwd.bak")],
        [1],
    ),
    (
        "re with m flag",
        "    sel:\n        CommandLine|re|m: '^second'\n    condition: sel",
        [process(CommandLine="first\nsecond"), process(CommandLine="first second")],
        [1],
    ),
    (
        "re with s flag",
        "    sel:\n        CommandLine|re|s: 'a.b'\n    condition: sel",
        [process(CommandLine="a\nb"), process(CommandLine="a\n\nb")],
        [1],
    ),
    (
        "cased",
        "    sel:\n        CommandLine|cased: 'Secret'\n    condition: sel",
        [process(CommandLine="Secret"), process(CommandLine="secret")],
        [1],
    ),
    (
        "cidr v4",
        "    sel:\n        DestIp|cidr: 10.0.0.0/8\n    condition: sel",
        [process(DestIp="10.1.2.3"), process(DestIp="11.0.0.1"), process(DestIp="10.1")],
        [1],
    ),
    (
        "cidr v6 in any spelling",
        "    sel:\n        DestIp|cidr: 'fe80::/10'\n    condition: sel",
        [process(DestIp="FE80:0000::01"), process(DestIp="fec0::1"), process(DestIp="fe80:0:0:0:0:0:0:1")],
        [1, 3],
    ),
    (
        "exists true",
        "    sel:\n        ParentImage|exists: true\n    condition: sel",
        [process(ParentImage="/bin/sh"), process()],
        [1],
    ),
    (
        "exists false",
        "    sel:\n        ParentImage|exists: false\n    condition: sel",
        [process(ParentImage="/bin/sh"), process()],
        [2],
    ),
    (
        "null",
        "    sel:\n        ParentImage: null\n    condition: sel",
        [process(ParentImage="/bin/sh"), process(), process(ParentImage=None)],
        [2, 3],
    ),
    (
        "lt",
        "    sel:\n        LogonId|lt: 10\n    condition: sel",
        [process(LogonId=9), process(LogonId=10), process(LogonId="x")],
        [1],
    ),
    (
        "lte",
        "    sel:\n        LogonId|lte: 10\n    condition: sel",
        [process(LogonId=10), process(LogonId=11)],
        [1],
    ),
    (
        "gt",
        "    sel:\n        LogonId|gt: 10\n    condition: sel",
        [process(LogonId="11"), process(LogonId=10)],
        [1],
    ),
    (
        "gte",
        "    sel:\n        LogonId|gte: 10\n    condition: sel",
        [process(LogonId=10.0), process(LogonId=9.5)],
        [1],
    ),
    (
        "number equals number",
        "    sel:\n        LogonId: 0\n    condition: sel",
        [process(LogonId=0), process(LogonId="0"), process(LogonId=1)],
        [1, 2],
    ),
    (
        "windash",
        "    sel:\n        CommandLine|windash|contains: ' -exec '\n    condition: sel",
        [
            process(CommandLine="find . /exec x"),
            process(CommandLine="find . -exec x"),
            process(CommandLine="find . exec x"),
        ],
        [1, 2],
    ),
    (
        "base64",
        "    sel:\n        CommandLine|base64: 'whoami'\n    condition: sel",
        [process(CommandLine=base64.b64encode(b"whoami").decode()), process(CommandLine="whoami")],
        [1],
    ),
    (
        "base64offset",
        "    sel:\n        CommandLine|base64offset|contains: 'bash -i'\n    condition: sel",
        [
            process(CommandLine="echo " + base64.b64encode(b"xxbash -i >& /dev/tcp").decode()),
            process(CommandLine="echo bash -i"),
        ],
        [1],
    ),
    (
        "wide (utf-16le) then base64",
        "    sel:\n        CommandLine|wide|base64offset|contains: 'ping'\n    condition: sel",
        [
            process(CommandLine=base64.b64encode("ping x".encode("utf-16-le")).decode()),
            process(CommandLine=base64.b64encode(b"ping x").decode()),
        ],
        [1],
    ),
    (
        "utf16be then base64",
        "    sel:\n        CommandLine|utf16be|base64: 'id'\n    condition: sel",
        [
            process(CommandLine=base64.b64encode("id".encode("utf-16-be")).decode()),
            process(CommandLine=base64.b64encode(b"id").decode()),
        ],
        [1],
    ),
    (
        "neq",
        "    sel:\n        User|neq: root\n    condition: sel",
        [process(User="root"), process(User="alice")],
        [2],
    ),
    (
        "hour of a time",
        "    sel:\n        UtcTime|hour: 3\n    condition: sel",
        [process(UtcTime="2026-11-02T03:15:00Z"), process(UtcTime="2026-11-02T04:15:00Z")],
        [1],
    ),
    (
        "fieldref",
        "    sel:\n        User|fieldref: TargetUser\n    condition: sel",
        [
            process(User="root", TargetUser="ROOT"),
            process(User="root", TargetUser="alice"),
            process(User="root"),
        ],
        [1],
    ),
    (
        "not of a missing field holds",
        "    sel:\n        ParentImage: /bin/sh\n    condition: not sel",
        [process(ParentImage="/bin/sh"), process()],
        [2],
    ),
    (
        "1 of and all of",
        "    sel_a:\n        Image|endswith: /a\n    sel_b:\n        Image|endswith: /b\n"
        "    other:\n        User: root\n    condition: 1 of sel_* and all of other",
        [process(Image="/x/a"), process(Image="/x/b", User="alice"), process(Image="/x/c")],
        [1],
    ),
    (
        "parentheses and or",
        "    a:\n        Image: /a\n    b:\n        Image: /b\n    c:\n        User: root\n"
        "    condition: (a or b) and not c",
        [process(Image="/a", User="alice"), process(Image="/b"), process(Image="/c", User="alice")],
        [1],
    ),
]


@pytest.mark.parametrize(("name", "detection", "events", "expected"), CASES, ids=[case[0] for case in CASES])
def test_modifier_matches_its_positive_and_not_its_negative(
    name: str, detection: str, events: list[dict[str, Any]], expected: list[int], tmp_path: Path
) -> None:
    assert matched_lines(process_rule(detection), events, tmp_path) == expected


def keyword_rule(keywords: str, *, service: str = "") -> str:
    source = f"    service: {service}\n" if service else ""
    return f"""
title: Keywords
id: 0f0e0d0c-0000-4000-8000-0000000000aa
logsource:
    product: linux
{source}detection:
    keywords:
{keywords}
    condition: keywords
"""


def test_keywords_search_the_message_of_syslog_events(tmp_path: Path) -> None:
    rule = keyword_rule("        - 'session opened'\n        - 'Accepted * for root'")
    events: list[dict[str, Any]] = [
        {"message": "pam: SESSION OPENED for user x", "host": "h"},
        {"message": "Accepted publickey for root from 10.0.0.1", "host": "h"},
        {"message": "Accepted publickey for alice", "host": "h"},
        {"text": "session opened"},  # no message: not a syslog event
    ]
    assert matched_lines(rule, events, tmp_path) == [1, 2]


def test_keywords_of_a_service_apply_to_its_programs_only(tmp_path: Path) -> None:
    rule = keyword_rule("        - 'replace'", service="cron")
    events = [
        {"app": "CRON", "message": "(root) REPLACE (root)"},
        {"app": "crond", "message": "(root) REPLACE (root)"},
        {"app": "sshd", "message": "(root) REPLACE (root)"},
    ]
    assert matched_lines(rule, events, tmp_path) == [1, 2]


def test_keywords_of_auditd_rules_search_all_the_event_values(tmp_path: Path) -> None:
    rule = """
title: Port redirect
id: 0f0e0d0c-0000-4000-8000-0000000000ab
logsource:
    product: linux
    service: auditd
detection:
    cmd:
        type: EXECVE
    keywords:
        - '--to-ports 42'
    condition: cmd and keywords
"""
    events: list[dict[str, Any]] = [
        {"type": "EXECVE", "a0": "iptables", "a1": "--to-ports", "a2": "42"},
        {"type": "EXECVE", "a0": "iptables", "a1": "--to-ports", "a2": "43"},
        {"type": "SYSCALL", "a0": "--to-ports 42"},
        {"EventID": 1, "type": "EXECVE", "a0": "--to-ports 42"},  # a Sysmon event is not auditd
    ]
    assert matched_lines(rule, events, tmp_path) == [1]


def test_bastion_commands_are_process_creation_events(tmp_path: Path) -> None:
    rule = process_rule(
        "    sel:\n        CommandLine|contains: 'iptables -F'\n        User: root\n    condition: sel"
    )
    events: list[dict[str, Any]] = [
        {"user": "root", "asset": "db1", "command": "iptables -F", "time": "2026-11-02T00:00:00Z"},
        {"user": "alice", "asset": "db1", "command": "iptables -F"},
        {"EventID": 3, "CommandLine": "iptables -F", "User": "root"},
    ]
    assert matched_lines(rule, events, tmp_path) == [1]
