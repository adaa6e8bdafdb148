"""How fast `garrison logaudit scan` runs every Sigma rule for Linux over a million events
(targets: 7.7 s wall and 600 MB peak memory on a 2-core machine; Zircolite, events in
in-memory SQLite, takes about 77 s and 620 MB on the same data).

Generates the events with the shared deterministic generator if the file is missing
(`../shared/benchmarks/gen_linux_events.py COUNT OUT SEED`: Sysmon-for-Linux process events and
auditd SYSCALL / EXECVE / PATH records, 1,000,000 events with seed 42 ≈ 310 MB), then runs the
command in a subprocess `--runs` times with the rules of `../shared/samples/sigma/rules/linux/`
and reports the median wall time and the peak resident memory of the command. Beside it, the
floor any scan stands on: a bare parse of the file, line by line with orjson, and DuckDB
counting it through `read_json`.

    .venv/bin/python benchmarks/logaudit_scan.py [--events FILE] [--count 1000000] [--runs 3]
    .venv/bin/python benchmarks/logaudit_scan.py --events ../bench/events.jsonl --runs 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED = REPOSITORY.parent / "shared"
GENERATOR = SHARED / "benchmarks" / "gen_linux_events.py"
RULES = SHARED / "samples" / "sigma" / "rules" / "linux"
WALL_TARGET = 7.7
MEMORY_TARGET_MB = 600
ZIRCOLITE = "Zircolite (in-memory SQLite): about 77 s and 620 MB on the same events and a 2-core machine"


def ensure_events(path: Path, count: int, seed: int) -> None:
    if path.is_file():
        return
    print(f"generating {count} events into {path} …", flush=True)
    subprocess.run([sys.executable, str(GENERATOR), str(count), str(path), str(seed)], check=True)  # noqa: S603 - our argv


def run_scan(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and the output of one run of the command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603 - our argv
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"the scan failed with status {process.returncode}:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def bare_orjson(path: Path) -> float:
    import orjson

    started = time.perf_counter()
    loads = orjson.loads
    with open(path, "rb") as stream:
        for line in stream:
            if line.strip():
                loads(line)
    return time.perf_counter() - started


def bare_duckdb(path: Path) -> float:
    import duckdb

    names = ("UtcTime", "Image", "CommandLine", "type", "a0", "name")
    columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in names) + "}"
    connection = duckdb.connect()
    started = time.perf_counter()
    query = (
        f"SELECT count(*), count(CommandLine) FROM read_json('{path}', format = 'newline_delimited', "  # noqa: S608
        f"columns = {columns}, ignore_errors = true)"
    )
    connection.execute(query).fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=Path, default=None, help="events file (generated when missing)")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rules", type=Path, default=RULES)
    options = parser.parse_args()
    events = (
        options.events
        or Path(tempfile.gettempdir()) / f"garrison-logaudit-{options.count}-{options.seed}.jsonl"
    )
    ensure_events(events, options.count, options.seed)
    size_mb = events.stat().st_size / 1e6
    garrison = str(Path(sys.executable).parent / "garrison")
    commands = {"garrison logaudit scan": [garrison, "logaudit", "scan"]}
    with tempfile.TemporaryDirectory(prefix="garrison-logaudit-bench-") as scratch:
        output = Path(scratch) / "matches.jsonl"
        rows = []
        last_output = ""
        for label, command in commands.items():
            full = [*command, "--rules", str(options.rules), "--events", str(events), "--output", str(output)]
            times, peaks = [], []
            for _ in range(options.runs):
                seconds, peak, last_output = run_scan(full)
                times.append(seconds)
                peaks.append(peak)
            rows.append((label, statistics.median(times), min(times), max(times), max(peaks)))
        parse_orjson = statistics.median(bare_orjson(events) for _ in range(options.runs))
        parse_duckdb = statistics.median(bare_duckdb(events) for _ in range(options.runs))
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    print(f"events: {events} ({size_mb:.0f} MB), rules: {options.rules}, runs: {options.runs}")
    print()
    print("| what | median s | min s | max s | peak RSS MB | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, median, fastest, slowest, peak in rows:
        verdict = "meets" if median <= WALL_TARGET and peak <= MEMORY_TARGET_MB else "MISSES"
        print(
            f"| `{label}` | {median:.2f} | {fastest:.2f} | {slowest:.2f} | {peak:.0f} | "
            f"{WALL_TARGET} s, {MEMORY_TARGET_MB} MB: {verdict} |"
        )
    print(f"| bare parse, orjson line by line | {parse_orjson:.2f} | | | | |")
    print(f"| bare parse, DuckDB read_json count | {parse_duckdb:.2f} | | | | |")
    print()
    print(ZIRCOLITE)
    print()
    print("last run's summary:")
    print("\n".join(last_output.strip().splitlines()[-4:]))


if __name__ == "__main__":
    main()
