"""Garrison's rule pack: every rule loads, compiles and is tried on a positive and a negative
event of its own through the engine; correlation rules on a group that reaches their
threshold (or order) and one that does not; and the same rules on real syslog, auditd and
bastion-host logs read through the input parsers. No database."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from garrison.logaudit.engine.compiler import CompiledRuleSet, compile_rules
from garrison.logaudit.engine.inputs import InputFormat
from garrison.logaudit.engine.rules import load_rules
from garrison.logaudit.engine.runner import EventFile, Match, scan

PACK = Path(__file__).resolve().parents[2] / "src" / "garrison" / "logaudit" / "rules"
_hosts = itertools.count(1)
DAY = "2026-11-24"  # a Tuesday


def _host() -> str:
    # Each event its own host, so correlations only see the events of their own cases.
    return f"host{next(_hosts):03d}.dc1"


def process(
    command: str, *, image: str = "", user: str = "ops1", host: str = "", at: str = "10:00:00"
) -> dict:
    """A Sysmon-for-Linux process creation (EventID 1)."""
    return {
        "EventID": 1,
        "UtcTime": f"{DAY} {at}.000",
        "Computer": host or _host(),
        "User": user,
        "Image": image or "/usr/bin/" + command.split()[0].rsplit("/", 1)[-1],
        "CommandLine": command,
        "ParentImage": "/usr/bin/bash",
        "CurrentDirectory": "/root",
    }


def bastion(command: str, *, hour: int = 10, weekday: int = 2, account: str = "ops1") -> dict:
    """A command of the bastion host's log, as the input parser writes it."""
    return {
        "user": "alice",
        "asset": _host(),
        "account": account,
        "command": command,
        "time": f"{DAY}T{hour:02d}:15:00+08:00",
        "session": "s-1001",
        "hour": hour,
        "weekday": weekday,
    }


def auditd(record_type: str, **fields: Any) -> dict:
    return {"type": record_type, "serial": "4711", "timestamp": f"{DAY}T10:00:00Z", "host": _host(), **fields}


def syslog(app: str, message: str, *, host: str = "", at: str = "10:00:00") -> dict:
    return {
        "timestamp": f"{DAY}T{at}+08:00",
        "host": host or _host(),
        "app": app,
        "pid": "812",
        "message": message,
        "format": "rfc3164",
    }


def network(source_ip: str, *, port: int = 22) -> dict:
    return {
        "EventID": 3,
        "UtcTime": f"{DAY} 10:00:00.000",
        "Computer": _host(),
        "Image": "/usr/sbin/sshd",
        "Protocol": "tcp",
        "Initiated": "false",
        "SourceIp": source_ip,
        "SourcePort": 50122,
        "DestinationIp": "10.0.8.5",
        "DestinationPort": port,
    }


# rule id -> (events it must match, events it must not match)
DETECTIONS: dict[str, tuple[list[dict], list[dict]]] = {
    # Interactive root shell opened through sudo
    "3aefd707-19a1-4fe9-ab94-c06e0400dc1d": (
        [process("sudo -i", image="/usr/bin/sudo"), bastion("sudo su -"), bastion("sudo bash")],
        [process("sudo systemctl restart nginx"), bastion("sudo shutdown -r now")],
    ),
    # Switch to the root account with su
    "dd5595ec-b4f0-4dae-8b42-3466bd029a61": (
        [process("su - root", image="/usr/bin/su"), bastion("su")],
        [process("su - deploy"), bastion("sudo su")],
    ),
    # Command run as root through sudo
    "a8091cf9-6797-4e7f-b73e-ed1657a39596": (
        [
            syslog(
                "sudo",
                "ops1 : TTY=pts/0 ; PWD=/home/ops1 ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
            )
        ],
        [syslog("sudo", "ops1 : TTY=pts/0 ; PWD=/home/ops1 ; USER=postgres ; COMMAND=/usr/bin/psql")],
    ),
    # Failed sudo authentication
    "fc2a3a1a-584c-4201-981f-adf9bc79b51e": (
        [
            syslog("sudo", "ops2 : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/ops2 ; USER=root"),
            syslog(
                "sudo",
                "pam_unix(sudo:auth): authentication failure; logname=ops2 uid=1001 euid=0 tty=/dev/pts/1",
            ),
        ],
        [
            syslog("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ops2(uid=1001)"),
            syslog("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh"),
        ],
    ),
    # Direct SSH login as root
    "7e96fedb-775f-43c3-affc-489ecb5e229b": (
        [syslog("sshd", "Accepted publickey for root from 10.20.1.5 port 51234 ssh2: RSA SHA256:kq0x")],
        [
            syslog("sshd", "Accepted publickey for deploy from 10.20.1.5 port 51234 ssh2"),
            syslog("cron", "Accepted publickey for root from 10.20.1.5 port 51234 ssh2"),
        ],
    ),
    # Local account created
    "99a9f94b-0327-44fe-92f5-6386aee9977b": (
        [
            process("useradd -m -s /bin/bash backup2", image="/usr/sbin/useradd"),
            bastion("sudo adduser tmpadmin"),
        ],
        [process("cat /etc/default/useradd"), process("id backup2")],
    ),
    # Local account or group changed or removed
    "91fdefb2-c089-41da-862b-5497e93bdf29": (
        [process("usermod -aG sudo ops3", image="/usr/sbin/usermod"), bastion("userdel -r olduser")],
        [process("id ops3"), process("groups ops3")],
    ),
    # Account password changed with passwd
    "8578da75-4464-4ff0-bc88-1b057fd628dc": (
        [process("passwd root", image="/usr/bin/passwd"), bastion("/usr/bin/passwd ops1")],
        [process("cat /etc/passwd"), process("grep ops1 /etc/passwd")],
    ),
    # Sudo rules or account files changed from the command line
    "3d31ed32-d311-41b6-b430-d09a648e13b9": (
        [
            process("visudo"),
            bastion("sudo vi /etc/sudoers"),
            process("bash -c echo 'ops1 ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers"),
            process("chmod 644 /etc/shadow"),
        ],
        [process("visudo -c"), process("cat /etc/passwd"), process("grep root /etc/group")],
    ),
    # Account or sudo files written (auditd)
    "bb074f6c-df93-4a1c-ae75-57f18e463a7f": (
        [
            auditd("SYSCALL", key="identity", exe="/usr/sbin/useradd", comm="useradd"),
            auditd("SYSCALL", name="/etc/shadow", nametype="CREATE", exe="/usr/bin/vim"),
        ],
        [
            auditd("SYSCALL", key="exec", exe="/usr/bin/ls"),
            auditd("SYSCALL", name="/etc/shadow", nametype="NORMAL", exe="/usr/sbin/unix_chkpwd"),
        ],
    ),
    # Firewall rules flushed or firewall stopped
    "a6c2b2e4-fb0f-489e-824b-3503955016f1": (
        [
            process("iptables -F", image="/usr/sbin/iptables"),
            bastion("systemctl stop firewalld"),
            process("nft flush ruleset"),
            process("iptables -P INPUT ACCEPT"),
        ],
        [process("iptables -L -n"), process("systemctl status firewalld")],
    ),
    # Firewall rules changed
    "bb9e64f9-809e-4f3f-8db9-e39976ca8e9a": (
        [
            process("iptables -A INPUT -p tcp --dport 3306 -j ACCEPT"),
            bastion("firewall-cmd --permanent --add-port=8080/tcp"),
            process("ufw allow 22/tcp"),
        ],
        [process("iptables -nvL"), process("firewall-cmd --list-all"), process("ufw status")],
    ),
    # Firewall tool run by a logged-in person (auditd)
    "813befb0-c5a5-4051-afa3-ec479e72ddb8": (
        [auditd("SYSCALL", exe="/usr/sbin/iptables", comm="iptables", auid="1000", uid="0")],
        [
            auditd("SYSCALL", exe="/usr/sbin/iptables", comm="iptables", auid="4294967295", uid="0"),
            auditd("SYSCALL", exe="/usr/bin/ls", comm="ls", auid="1000", uid="0"),
        ],
    ),
    # Log files deleted, truncated or overwritten
    "6538a413-8ae9-4061-bf5b-9809240dd243": (
        [
            process("rm -rf /var/log/audit/audit.log"),
            bastion("shred -u /var/log/secure"),
            process("bash -c cat /dev/null > /var/log/wtmp"),
        ],
        [process("tail -n 100 /var/log/syslog"), process("rm -rf /tmp/build")],
    ),
    # Shell history cleared or turned off
    "0f0dba21-24e4-4bc7-89cc-6be7fbcc6c70": (
        [process("history -c"), bastion("unset HISTFILE"), process("rm -f /root/.bash_history")],
        [process("history 20"), process("cat /root/.bash_history")],
    ),
    # Audit or logging service stopped
    "bbab28ad-123b-4cf9-9c78-d333d5fea31b": (
        [
            process("systemctl stop auditd"),
            bastion("systemctl disable --now rsyslog.service"),
            process("service auditd stop"),
            process("pkill -9 auditd"),
        ],
        [process("systemctl status auditd"), process("systemctl restart rsyslog")],
    ),
    # Audit rules deleted or auditing switched off with auditctl
    "b0272254-b523-4549-99c7-19eac12d6eef": (
        [process("auditctl -D", image="/usr/sbin/auditctl"), bastion("sudo auditctl -e 0")],
        [process("auditctl -l"), process("auditctl -e 1")],
    ),
    # Systemd journal vacuumed
    "dbadbad8-573d-4ee2-aae0-577cee648912": (
        [process("journalctl --vacuum-time=1s"), bastion("sudo journalctl --rotate --vacuum-size=10M")],
        [process("journalctl -u nginx --since today")],
    ),
    # Audit or logging service stopped (auditd)
    "f5f4927b-194e-4098-922b-effcfd1c16c6": (
        [
            auditd(
                "SERVICE_STOP", unit="auditd", comm="systemd", exe="/usr/lib/systemd/systemd", res="success"
            )
        ],
        [auditd("SERVICE_STOP", unit="nginx", res="success"), auditd("SERVICE_START", unit="auditd")],
    ),
    # Audit rules removed or auditing disabled (auditd)
    "d9929891-d118-4397-b11b-b5aa939e170d": (
        [
            auditd("CONFIG_CHANGE", auid="1000", op="remove_rule", key="identity", res="1"),
            auditd("CONFIG_CHANGE", auid="1000", audit_enabled="0", old="1", res="1"),
        ],
        [
            auditd("CONFIG_CHANGE", auid="1000", op="add_rule", key="identity", res="1"),
            auditd("CONFIG_CHANGE", auid="1000", audit_enabled="1", old="0", res="1"),
        ],
    ),
    # Database dumped with a dump tool
    "dde99fbc-0552-41fb-9a2c-70840ee54bfe": (
        [
            process("mysqldump --all-databases -u root -p"),
            bastion("pg_dumpall -U postgres -f /tmp/all.sql"),
            process("redis-cli -h 127.0.0.1 --rdb /tmp/dump.rdb"),
            process("mongoexport --db billing --collection invoices --out /tmp/invoices.json"),
        ],
        [process("mysql -u app -e 'select 1'"), process("psql -c 'select count(*) from users'")],
    ),
    # Data directory packed into an archive
    "e811da34-4660-403d-99f8-213c0faac2f1": (
        [process("tar czf /tmp/db.tgz /var/lib/mysql"), bastion("zip -r /tmp/srv.zip /srv/app/uploads")],
        [process("tar xzf /tmp/release.tgz -C /opt/app"), process("du -sh /var/lib/mysql")],
    ),
    # Files copied to another host with scp, rsync or rclone
    "5ebb84bb-ce9b-4fcb-94e4-4e4e1ad82d1d": (
        [
            process("scp /tmp/db.tgz backup@203.0.113.7:/incoming/"),
            bastion("rsync -az /srv/data/ mirror.example.net:/backup/data/"),
            process("rclone copy /data remote:bucket"),
        ],
        [
            process("scp backup@10.0.0.7:/incoming/report.pdf /tmp/"),
            process("rsync -a /srv/data/ /mnt/backup/"),
        ],
    ),
    # Credential file named on a command line
    "1e649501-9d68-44b1-8822-de2c983fd514": (
        [
            process("cat /etc/shadow"),
            bastion("cp /home/deploy/.ssh/id_rsa /tmp/k"),
            process("cat /root/.aws/credentials"),
        ],
        [process("cat /home/deploy/.ssh/id_rsa.pub"), process("cat /etc/hostname")],
    ),
    # Credential file opened (auditd)
    "bab5f664-9fa5-4045-8075-826c3e971181": (
        [
            auditd("SYSCALL", SYSCALL="openat", name="/etc/shadow", exe="/usr/bin/cat", auid="1000"),
            auditd("SYSCALL", SYSCALL="openat", name="/home/ops1/.pgpass", exe="/usr/bin/vim", auid="1000"),
            auditd("PATH", name="/etc/gshadow", nametype="NORMAL"),
        ],
        [
            auditd("SYSCALL", SYSCALL="openat", name="/etc/shadow", exe="/usr/sbin/unix_chkpwd", auid="1000"),
            auditd("SYSCALL", SYSCALL="openat", name="/etc/hosts", exe="/usr/bin/cat", auid="1000"),
        ],
    ),
    # SSH login from an address outside the private networks (auditd)
    "ac0569c1-4143-451c-9026-71d67681ba1a": (
        [
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="203.0.113.50", res="success", acct="ops1"),
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="2001:db8::25", res="success", acct="ops1"),
        ],
        [
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="10.20.1.5", res="success", acct="ops1"),
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="203.0.113.50", res="failed", acct="ops1"),
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="?", res="success", acct="ops1"),
            auditd("USER_LOGIN", exe="/usr/sbin/sshd", addr="fd00::7", res="success", acct="ops1"),
        ],
    ),
    # Inbound SSH connection from an address outside the private networks
    "4ecb06e3-ba43-4892-b90b-bd30be7cf5e2": (
        [network("198.51.100.23")],
        [network("192.168.10.4"), network("198.51.100.23", port=443)],
    ),
    # Failed SSH login
    "a330ee92-7be6-495f-8067-07f444eb7d08": (
        [syslog("sshd", "Failed password for invalid user admin from 203.0.113.9 port 40000 ssh2")],
        [
            syslog("sshd", "Accepted password for ops1 from 10.0.0.3 port 40000 ssh2"),
            syslog("su", "Failed password for ops1"),
        ],
    ),
    # Command on a critical system outside working hours
    "bc03722e-eb29-42dd-a0b3-3b055cf6413f": (
        [bastion("ls /srv", hour=23), bastion("df -h", hour=6)],
        [bastion("ls /srv", hour=14), bastion("uptime", hour=8), process("ls /srv")],
    ),
    # Command on a critical system at the weekend
    "0f8db079-6407-4ec6-bfeb-1006adab159e": (
        [bastion("uptime", weekday=6), bastion("uptime", weekday=7)],
        [bastion("uptime", weekday=5), process("uptime")],
    ),
    # Command as root on a critical system outside the change window
    "fa35f910-9683-4446-878f-fbb599661d51": (
        [
            bastion("systemctl restart mysqld", hour=2, account="root"),
            bastion("sudo systemctl restart mysqld", hour=11, weekday=7),
        ],
        [
            bastion("sudo systemctl restart mysqld", hour=11, weekday=3),
            bastion("ls", hour=2, account="ops1"),
            process("sudo systemctl restart mysqld"),
        ],
    ),
}


def _sshd_failures(host: str, count: int) -> list[dict]:
    return [
        syslog(
            "sshd",
            f"Failed password for root from 203.0.113.9 port {40000 + n} ssh2",
            host=host,
            at=f"03:0{n % 10}:00",
        )
        for n in range(count)
    ]


def _sudo_failures(host: str, count: int) -> list[dict]:
    return [
        syslog(
            "sudo",
            "ops2 : 3 incorrect password attempts ; TTY=pts/1 ; USER=root",
            host=host,
            at=f"11:0{n}:30",
        )
        for n in range(count)
    ]


# rule id -> (events, the host of the group it must report, the hosts it must not report)
CORRELATIONS: dict[str, tuple[list[dict], str, list[str]]] = {
    # Repeated sudo failures on one host (3 in 10 minutes)
    "fe48521d-b823-4118-8260-c7bc912c5580": (
        _sudo_failures("jump01.dc1", 3) + _sudo_failures("jump02.dc1", 2),
        "jump01.dc1",
        ["jump02.dc1"],
    ),
    # Repeated failed SSH logins on one host (10 in 10 minutes)
    "365deeef-03aa-43c3-9ef3-71e1649a376c": (
        _sshd_failures("web03.dc1", 10) + _sshd_failures("web04.dc1", 9),
        "web03.dc1",
        ["web04.dc1"],
    ),
    # New account followed by a root shell on the same host (within the hour, in this order)
    "3a8e6d91-915f-46a5-a3e5-0746f48939f1": (
        [
            process("useradd -m helper", host="app07.dc1", at="10:00:00"),
            process("sudo -i", host="app07.dc1", at="10:20:00"),
            process("sudo -i", host="app08.dc1", at="10:00:00"),
            process("useradd -m helper", host="app08.dc1", at="10:10:00"),
            process("useradd -m helper", host="app09.dc1", at="10:00:00"),
            process("sudo -i", host="app09.dc1", at="12:30:00"),
        ],
        "app07.dc1",
        ["app08.dc1", "app09.dc1"],
    ),
}


@pytest.fixture(scope="module")
def compiled() -> CompiledRuleSet:
    return compile_rules(load_rules([PACK]))


def _scan(compiled: CompiledRuleSet, path: Path, file_format: InputFormat) -> list[Match]:
    matches: list[Match] = []
    scan(compiled, [EventFile(str(path), file_format, label=path.name)], on_match=matches.append)
    return matches


def _write_events(path: Path, events: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


@pytest.fixture(scope="module")
def detection_run(compiled: CompiledRuleSet, tmp_path_factory: Any) -> tuple[dict, dict[str, set[int]]]:
    """Every case of DETECTIONS in one JSON-lines file: rule id -> (positive lines, negative
    lines), and the lines each rule matched."""
    events: list[dict] = []
    lines: dict[str, tuple[list[int], list[int]]] = {}
    for rule_id, (positives, negatives) in DETECTIONS.items():
        start = len(events)
        events.extend(positives)
        middle = len(events)
        events.extend(negatives)
        lines[rule_id] = (list(range(start + 1, middle + 1)), list(range(middle + 1, len(events) + 1)))
    path = _write_events(tmp_path_factory.mktemp("pack") / "cases.jsonl", events)
    matched: dict[str, set[int]] = defaultdict(set)
    for match in _scan(compiled, path, InputFormat.JSONL):
        matched[match.rule_id].add(match.line)
    return lines, matched


def test_every_rule_of_the_pack_loads_and_compiles(compiled: CompiledRuleSet) -> None:
    loaded = load_rules([PACK])
    assert loaded.problems == []
    assert compiled.problems == []
    assert len(compiled.rules) == len(loaded.rules) == len(list(PACK.rglob("*.yml"))) >= 25


def test_every_rule_is_ours_with_a_stable_identifier_tags_and_a_level() -> None:
    loaded = load_rules([PACK]).rules
    for rule in loaded:
        assert rule.author == "Garrison", rule.path
        assert rule.license == "Garrison rule pack, Apache-2.0", rule.path
        assert rule.level in {"informational", "low", "medium", "high", "critical"}, rule.path
        assert rule.tags, rule.path
        assert all(tag.startswith("attack.") for tag in rule.tags), rule.path
        assert len(rule.rule_id) == 36, rule.path
    assert len({rule.rule_id for rule in loaded}) == len(loaded)


def test_every_rule_is_tested_here() -> None:
    loaded = {rule.rule_id for rule in load_rules([PACK]).rules}
    assert loaded == set(DETECTIONS) | set(CORRELATIONS)


@pytest.mark.parametrize("rule_id", sorted(DETECTIONS))
def test_the_rule_matches_its_positive_events_and_not_its_negative_ones(
    detection_run: tuple[dict, dict[str, set[int]]], rule_id: str
) -> None:
    lines, matched = detection_run
    positives, negatives = lines[rule_id]
    assert sorted(matched[rule_id] & set(positives)) == positives
    assert sorted(matched[rule_id] & set(negatives)) == []


@pytest.mark.parametrize("rule_id", sorted(CORRELATIONS))
def test_the_correlation_reports_the_group_that_reaches_it_and_not_the_others(
    compiled: CompiledRuleSet, tmp_path: Path, rule_id: str
) -> None:
    events, host, other_hosts = CORRELATIONS[rule_id]
    path = _write_events(tmp_path / "correlation.jsonl", events)
    reported = [match for match in _scan(compiled, path, InputFormat.JSONL) if match.rule_id == rule_id]
    assert [match.host for match in reported] == [host]
    assert not {match.host for match in reported} & set(other_hosts)


SYSLOG_LINES = [
    "Nov 24 03:12:01 db01 sshd[812]: Accepted publickey for root from 10.20.1.5 port 51234 ssh2",
    "Nov 24 03:12:09 db01 sudo:     ops1 : TTY=pts/0 ; PWD=/home/ops1 ; USER=root ; "
    "COMMAND=/bin/systemctl stop auditd",
    "<38>1 2026-11-24T03:13:00+08:00 db01 sshd 812 - - "
    "Accepted password for deploy from 10.20.1.5 port 2 ssh2",
]
AUDITD_LINES = [
    "type=SYSCALL msg=audit(1764000000.100:501): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c "
    'a1=7ffd a2=0 a3=0 items=1 ppid=900 pid=901 auid=1000 uid=0 gid=0 euid=0 comm="cat" exe="/usr/bin/cat" '
    'key="creds"',
    'type=CWD msg=audit(1764000000.100:501): cwd="/root"',
    'type=PATH msg=audit(1764000000.100:501): item=0 name="/etc/shadow" inode=1 dev=fd:00 '
    "mode=0100640 ouid=0 ogid=42 nametype=NORMAL",
    "type=PROCTITLE msg=audit(1764000000.100:501): proctitle=636174002F6574632F736861646F77",
    "type=USER_LOGIN msg=audit(1764000100.200:502): pid=1200 uid=0 auid=1000 ses=7 msg='op=login id=1000 "
    'exe="/usr/sbin/sshd" hostname=203.0.113.50 addr=203.0.113.50 terminal=/dev/pts/1 res=success\'',
    "type=SERVICE_STOP msg=audit(1764000200.300:503): pid=1 uid=0 auid=4294967295 ses=4294967295 "
    'msg=\'unit=auditd comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? '
    "res=success'",
]


def test_the_rules_read_real_syslog_auditd_and_bastion_logs(
    compiled: CompiledRuleSet, tmp_path: Path
) -> None:
    syslog_file = tmp_path / "auth.log"
    syslog_file.write_text("\n".join(SYSLOG_LINES) + "\n")
    auditd_file = tmp_path / "audit.log"
    auditd_file.write_text("\n".join(AUDITD_LINES) + "\n")
    bastion_file = tmp_path / "bastion.csv"
    bastion_file.write_text(
        "user,asset,account,command,time,session\n"
        "alice,billing-db,root,iptables -F,2026-11-28T23:40:00+08:00,s-17\n"
        "bob,billing-db,ops1,df -h,2026-11-24T10:05:00+08:00,s-18\n"
    )
    found = {
        name: {(match.rule_id, match.line) for match in _scan(compiled, path, file_format)}
        for name, path, file_format in (
            ("syslog", syslog_file, InputFormat.SYSLOG),
            ("auditd", auditd_file, InputFormat.AUDITD),
            ("bastion", bastion_file, InputFormat.BASTION),
        )
    }
    assert found["syslog"] == {
        ("7e96fedb-775f-43c3-affc-489ecb5e229b", 1),  # root login
        ("a8091cf9-6797-4e7f-b73e-ed1657a39596", 2),  # sudo to root
    }
    assert found["auditd"] == {
        ("bab5f664-9fa5-4045-8075-826c3e971181", 1),  # /etc/shadow read by cat
        ("ac0569c1-4143-451c-9026-71d67681ba1a", 5),  # login from a public address
        ("f5f4927b-194e-4098-922b-effcfd1c16c6", 6),  # auditd stopped
    }
    assert found["bastion"] == {
        ("a6c2b2e4-fb0f-489e-824b-3503955016f1", 2),  # iptables -F
        ("bb9e64f9-809e-4f3f-8db9-e39976ca8e9a", 2),  # a firewall change
        ("bc03722e-eb29-42dd-a0b3-3b055cf6413f", 2),  # at 23:40
        ("0f8db079-6407-4ec6-bfeb-1006adab159e", 2),  # on a Saturday
        ("fa35f910-9683-4446-878f-fbb599661d51", 2),  # as root, at night
    }
