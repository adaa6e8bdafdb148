"""One day of demo logs per format, generated in Python. Pure module: no Django import.

Each day holds routine work in office hours (and a nightly backup), plus the sensitive
operations the demo plants on chosen days (`Planted`): sudo to a root shell, flushing the
firewall, clearing the shell history, dumping a database, reading /etc/shadow, commands in
the night, root logins. The lines follow the formats the engine reads: a bastion host's
command export (CSV), Linux auditd raw records, and syslog (RFC 5424).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

BACKUP_ACCOUNT = "backup-svc"

OPERATORS = ("ops-zhang", "ops-li", "dba-wang", "ops-chen")
ROUTINE_COMMANDS = (
    "df -h",
    "uptime",
    "systemctl status nginx",
    "tail -n 200 /var/log/billing/app.log",
    "ls -la /srv/billing/releases",
    "free -m",
    "ps aux --sort=-%mem",
    "journalctl -u billing-api --since today",
    "cat /etc/os-release",
    "git -C /srv/billing/current log -1",
    "iptables -L -n",
    "ss -tlnp",
)
ROUTINE_SYSLOG = (
    ("CRON", "(root) CMD (/usr/local/bin/rotate-logs.sh)"),
    ("systemd", "Started Session of user deploy."),
    ("sshd", "Accepted publickey for deploy from 10.30.1.15 port 52210 ssh2"),
    ("console-api", "GET /healthz 200 2ms"),
    ("nginx", "upstream response time 0.012s"),
)


@dataclass(frozen=True)
class Planted:
    """A sensitive operation planted at a local time of a day: `what` names it (see the
    writers below), `who` the operator (or account)."""

    at: dt.datetime
    what: str
    who: str


BASTION_COMMANDS = {
    "sudo_root": "sudo -i",
    "sudo_su_night": "sudo su -",
    "iptables_flush": "iptables -F",
    "history_clear": "history -c",
    "mysqldump": "mysqldump --all-databases > /tmp/all.sql",
    "read_shadow": "cat /etc/shadow",
}


def _office_times(day: dt.date, zone: dt.tzinfo, count: int, rng: random.Random) -> list[dt.datetime]:
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
    return sorted(start + dt.timedelta(seconds=rng.randrange(0, 9 * 3600)) for _ in range(count))


def bastion_day(
    day: dt.date, zone: dt.tzinfo, host: str, rng: random.Random, planted: list[Planted]
) -> bytes:
    """The bastion host's command export for `day`: a CSV with a header."""
    rows: list[tuple[dt.datetime, str, str, str]] = []
    for moment in _office_times(day, zone, rng.randint(12, 20), rng):
        rows.append((moment, rng.choice(OPERATORS), "app", rng.choice(ROUTINE_COMMANDS)))
    backup = dt.datetime.combine(day, dt.time(1, 30), tzinfo=zone)
    rows.append(
        (
            backup,
            BACKUP_ACCOUNT,
            "mysql",
            f"mysqldump --single-transaction billing > /backup/billing-{day:%Y%m%d}.sql",
        )
    )
    for item in planted:
        rows.append((item.at, item.who, "root", BASTION_COMMANDS[item.what]))
    rows.sort(key=lambda row: row[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", "user", "asset", "account", "command", "session"])
    for number, (moment, user, account, command) in enumerate(rows, 1):
        session = f"S-{moment:%Y%m%d}-{number:04d}"
        writer.writerow([moment.isoformat(timespec="seconds"), user, host, account, command, session])
    return out.getvalue().encode()


def _audit_stamp(moment: dt.datetime, serial: int) -> str:
    return f"msg=audit({moment.timestamp():.3f}:{serial})"


def _exec_records(
    node: str, moment: dt.datetime, serial: int, comm: str, exe: str, uid: int, key: str
) -> list[str]:
    stamp = _audit_stamp(moment, serial)
    return [
        f"node={node} type=SYSCALL {stamp}: arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1200 "
        f'pid={2000 + serial % 5000} auid={uid} uid={uid} gid={uid} euid={uid} tty=pts0 ses=3 comm="{comm}" '
        f'exe="{exe}" key="{key}"',
        f'node={node} type=EXECVE {stamp}: argc=1 a0="{comm}"',
    ]


def _open_records(
    node: str, moment: dt.datetime, serial: int, comm: str, exe: str, uid: int, name: str
) -> list[str]:
    stamp = _audit_stamp(moment, serial)
    return [
        f"node={node} type=SYSCALL {stamp}: arch=c000003e syscall=257 success=yes exit=3 items=1 ppid=1200 "
        f'pid={2000 + serial % 5000} auid={uid} uid=0 gid=0 euid=0 tty=pts0 ses=3 comm="{comm}" '
        f'exe="{exe}" key="credentials"',
        f'node={node} type=PATH {stamp}: item=0 name="{name}" inode=1311 dev=fd:00 mode=0100640 '
        "ouid=0 ogid=0 nametype=NORMAL",
    ]


def auditd_day(
    day: dt.date, zone: dt.tzinfo, node: str, rng: random.Random, planted: list[Planted], first_serial: int
) -> tuple[bytes, int]:
    """The auditd log of `day` on `node`; returns it and the next free serial."""
    events: list[tuple[dt.datetime, str, str]] = []
    for moment in _office_times(day, zone, rng.randint(15, 25), rng):
        events.append((moment, "exec", rng.choice(("ls", "systemctl", "df", "ps", "journalctl"))))
    # sshd reads /etc/shadow to check passwords: filtered out by the rule.
    for moment in _office_times(day, zone, 3, rng):
        events.append((moment, "sshd", ""))
    for item in planted:
        events.append((item.at, item.what, item.who))
    events.sort(key=lambda event: event[0])
    lines: list[str] = []
    serial = first_serial
    for moment, kind, detail in events:
        if kind == "exec":
            lines += _exec_records(node, moment, serial, detail, f"/usr/bin/{detail}", 1001, "exec")
        elif kind == "sshd":
            lines += _open_records(node, moment, serial, "sshd", "/usr/sbin/sshd", 4294967295, "/etc/shadow")
        elif kind == "read_shadow":
            lines += _open_records(node, moment, serial, "cat", "/usr/bin/cat", 1003, "/etc/shadow")
        elif kind == "iptables_flush":
            lines += _exec_records(node, moment, serial, "iptables", "/usr/sbin/iptables", 1002, "firewall")
        serial += 1
    return ("\n".join(lines) + "\n").encode(), serial


SYSLOG_MESSAGES = {
    "root_login": ("sshd", "Accepted password for root from 10.30.9.41 port 40022 ssh2"),
    "sudo_iptables": (
        "sudo",
        "ops-li : TTY=pts/2 ; PWD=/home/ops-li ; USER=root ; COMMAND=/usr/sbin/iptables -F",
    ),
    "failed_login": ("sshd", "Failed password for invalid user admin from 203.0.113.45 port 51234 ssh2"),
}


def syslog_day(day: dt.date, zone: dt.tzinfo, host: str, rng: random.Random, planted: list[Planted]) -> bytes:
    """The RFC 5424 syslog of `day` from `host`."""
    lines: list[tuple[dt.datetime, str, str]] = []
    for moment in _office_times(day, zone, rng.randint(15, 25), rng):
        app, message = rng.choice(ROUTINE_SYSLOG)
        lines.append((moment, app, message))
    for item in planted:
        app, message = SYSLOG_MESSAGES[item.what]
        lines.append((item.at, app, message))
    lines.sort(key=lambda line: line[0])
    text = "".join(
        f"<86>1 {moment.isoformat(timespec='milliseconds')} {host} {app} {1000 + number} - - {message}\n"
        for number, (moment, app, message) in enumerate(lines)
    )
    return text.encode()
