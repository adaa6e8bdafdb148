"""`garrison logaudit scan --rules PATH... --events FILE... [--format F] [--output MATCHES.jsonl]`:
run Sigma rules over log files with the engine alone, without the database.

It prints the matches per rule, the rules that could not run and why, the malformed lines of
each file (how many, and the first line numbers), the events read and the time taken; each
match is written to the output file as one JSON object a line. Exit status: 0 when every rule
ran and every line was read, 1 when some rule could not run or some line was malformed, 2 when
there was nothing to scan with (no rule could run, or an input is missing or unreadable).

The command needs no database, so `main()` also runs it without starting Django.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

STATUS_OK = 0
STATUS_PROBLEMS = 1
STATUS_UNUSABLE = 2
MALFORMED_SHOWN = 10
FORMATS = ("jsonl", "syslog", "auditd", "bastion")


def register(operations: Any, command: Any) -> None:
    parser = operations.add_parser("scan", help="run Sigma rules over log files (no database needed)")
    add_arguments(parser)
    parser.set_defaults(handler=handle_scan)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules", nargs="+", required=True, metavar="PATH", help="Sigma rule files or folders"
    )
    parser.add_argument("--events", nargs="+", required=True, metavar="FILE", help="log files to scan")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="format of the log files (default: detected per file)"
    )
    parser.add_argument("--output", metavar="MATCHES.jsonl", default=None, help="write every match here")
    parser.add_argument(
        "--memory-limit", type=int, default=500, metavar="MB", help="DuckDB memory limit in MB (default 500)"
    )
    parser.add_argument(
        "--workdir", default=None, metavar="DIR", help="folder for temporary files (default: the system's)"
    )
    parser.add_argument(
        "--placeholder",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value for the %%NAME%% placeholder of `expand` rules (repeat for several values)",
    )


def handle_scan(options: dict[str, Any], stdout: IO[str], stderr: IO[str]) -> int:
    from garrison.logaudit.engine.compiler import compile_rules
    from garrison.logaudit.engine.inputs import InputFormat, UnknownFormat, detect_format
    from garrison.logaudit.engine.rules import load_rules
    from garrison.logaudit.engine.runner import EventFile, scan

    started = time.perf_counter()
    placeholders: dict[str, list[str]] = {}
    for item in options.get("placeholder") or []:
        name, separator, value = str(item).partition("=")
        if not separator or not name:
            stderr.write(f"--placeholder wants NAME=VALUE, not {item!r}\n")
            return STATUS_UNUSABLE
        placeholders.setdefault(name, []).append(value)
    files: list[EventFile] = []
    for path in options["events"]:
        if not Path(path).is_file():
            stderr.write(f"{path}: no such file\n")
            return STATUS_UNUSABLE
        try:
            fmt = InputFormat(options["format"]) if options.get("format") else detect_format(path)
        except (UnknownFormat, OSError) as error:
            stderr.write(f"{path}: cannot tell the log format ({error}); name it with --format\n")
            return STATUS_UNUSABLE
        files.append(EventFile(str(path), fmt, str(path)))
    compiled = compile_rules(load_rules(options["rules"]), placeholders=placeholders)
    if not compiled.rules:
        _write_problems(compiled.problems, stdout)
        stderr.write("no rule can run\n")
        return STATUS_UNUSABLE
    output = options.get("output")
    with open(output, "wb") if output else _NoOutput() as matches_out:
        result = scan(
            compiled,
            files,
            matches_out=matches_out if output else None,
            workdir=options.get("workdir"),
            memory_limit_mb=int(options.get("memory_limit") or 500),
        )
    titles = {rule.rule_id: rule.rule.title for rule in compiled.rules}
    matched = sorted(((count, rule_id) for rule_id, count in result.counts.items() if count), reverse=True)
    stdout.write(f"Matches per rule ({len(matched)} of {len(result.counts)} rules matched):\n")
    for count, rule_id in matched:
        stdout.write(f"  {count:>9}  {titles.get(rule_id, rule_id)}  [{rule_id}]\n")
    _write_problems(result.problems, stdout)
    for report in result.inputs:
        counts = f"{report.event_count} events, {report.malformed_count} malformed lines"
        stdout.write(f"{report.path}: {report.format} — {counts}\n")
        if report.malformed_count:
            shown = ", ".join(str(item.line) for item in report.malformed[:MALFORMED_SHOWN])
            more = " …" if report.malformed_count > MALFORMED_SHOWN else ""
            stdout.write(f"  malformed lines: {shown}{more}\n")
            first = report.malformed[0]
            stdout.write(f"  line {first.line}: {first.reason}\n")
    if result.correlation_events_without_time:
        stdout.write(
            f"{result.correlation_events_without_time} matches of correlated rules had no readable time "
            "and were left out of the correlations\n"
        )
    seconds = time.perf_counter() - started
    stdout.write(f"{result.events} events read, {result.matches} matches, {seconds:.2f} s\n")
    if output:
        stdout.write(f"matches written to {output}\n")
    return STATUS_PROBLEMS if result.problems or result.malformed else STATUS_OK


def _write_problems(problems: Sequence[Any], stdout: IO[str]) -> None:
    if not problems:
        return
    stdout.write(f"Rules that could not run ({len(problems)}):\n")
    for problem in problems:
        name = f" {problem.rule}" if problem.rule else ""
        stdout.write(f"  {problem.path}:{name}: {problem.reason}\n")


class _NoOutput:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m garrison.logaudit.cli_scan ...`: the same command without Django."""
    parser = argparse.ArgumentParser(prog="garrison logaudit scan", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    return handle_scan(options, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
