"""`garrison logaudit ingest|verify|prune`: the sealed log store from the command line.

- `ingest --source LS-REF FILE... [--as USERNAME]` seals each file into the source as its
  next batch and prints its sequence, events and malformed lines (with the first line
  numbers); a refused file is named with the reason and the others are still sealed.
- `verify [--report REF]` re-hashes the logs behind every signed report (or the one named)
  and prints OK or what differs; exit status 1 when any report fails.
- `prune --before YYYY-MM-DD [--as USERNAME]` deletes the content of batches received
  before that day (where the organisation works), refused inside the retention period.

Without --as the system acts (the audit trail records it so).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_zone
from garrison.core.scoping import can
from garrison.core.services.identity import active_person
from garrison.logaudit.models import AuditReport, LogSource
from garrison.logaudit.services import ingest, retention, sealing

MALFORMED_SHOWN = 10


def register(operations: Any, command: Any) -> None:
    """Add `ingest`, `verify` and `prune` to `garrison logaudit`."""
    ingest_parser = operations.add_parser(
        "ingest", help="seal log files into a log source as its next batches"
    )
    ingest_parser.add_argument("--source", required=True, metavar="LS-REF", help="the log source's reference")
    ingest_parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="log files, in order")
    ingest_parser.add_argument("--as", dest="username", metavar="USERNAME", help="act as this person")
    ingest_parser.set_defaults(handler=handle_ingest)

    verify_parser = operations.add_parser(
        "verify", help="prove the logs behind signed audit reports unchanged"
    )
    verify_parser.add_argument("--report", metavar="REF", help="verify only this report (any status)")
    verify_parser.set_defaults(handler=handle_verify)

    prune_parser = operations.add_parser(
        "prune", help="delete logs received before a day, outside the retention period"
    )
    prune_parser.add_argument(
        "--before",
        required=True,
        type=_day,
        metavar="YYYY-MM-DD",
        help="delete logs received before this day",
    )
    prune_parser.add_argument("--as", dest="username", metavar="USERNAME", help="act as this person")
    prune_parser.set_defaults(handler=handle_prune)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _person(username: str | None) -> Person | None:
    if not username:
        return None
    person = active_person(username)
    if person is None:
        raise CommandError(f"no active person with username {username!r}")
    return person


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def handle_ingest(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    by = _person(options.get("username"))
    source = LogSource.objects.filter(reference__iexact=options["source"]).first()
    if source is None or (by is not None and not can(by, Action.CHANGE, source)):
        raise CommandError(f"no log source {options['source']!r} that you may add logs to")
    refused = 0
    for path in options["files"]:
        try:
            with open(path, "rb") as content:
                batch = ingest.ingest_batch(source, content, filename=path.name, by=by)
        except OSError as error:
            refused += 1
            stderr.write(f"{path}: refused: {error.strerror or error}")
            continue
        except ValidationError as error:
            refused += 1
            stderr.write(f"{path}: refused: {_messages(error)}")
            continue
        line = (
            f"{path}: batch {batch.sequence} of {source.reference}, {batch.event_count} events, "
            f"{batch.malformed_count} malformed lines"
        )
        if batch.malformed_lines:
            numbers = ", ".join(str(item["line"]) for item in batch.malformed_lines[:MALFORMED_SHOWN])
            more = ", …" if batch.malformed_count > MALFORMED_SHOWN else ""
            line += f" (lines {numbers}{more})"
        stdout.write(line)
    if refused:
        stderr.write(f"{refused} of {len(options['files'])} files refused")
        return 1
    return 0


def _describe(report: AuditReport) -> str:
    return (
        f"{report.reference} ({report.source.reference}, "
        f"{report.period_start:%Y-%m-%d} to {report.period_end:%Y-%m-%d}, {report.tree_size} batches)"
    )


def handle_verify(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    reports = None
    if options.get("report"):
        named = AuditReport.objects.filter(reference__iexact=options["report"]).select_related("source")
        if not named.exists():
            raise CommandError(f"no audit report {options['report']!r}")
        reports = list(named)
    checks = sealing.verify_signed_reports(reports)
    if not checks:
        stdout.write("No signed reports to verify.")
        return 0
    failed = 0
    for check in checks:
        if check.ok:
            stdout.write(
                f"{_describe(check.report)}: OK, {check.batches_checked} batches re-hashed, "
                f"{check.batches_pruned} deleted under retention"
            )
            continue
        failed += 1
        stdout.write(f"{_describe(check.report)}: FAILED")
        for problem in check.problems:
            stdout.write(f"  - {problem}")
    stdout.write(f"{len(checks)} reports verified, {failed} failed")
    return 1 if failed else 0


def handle_prune(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    by = _person(options.get("username"))
    zone = organisation_zone()
    before = dt.datetime.combine(options["before"], dt.time.min, tzinfo=zone)
    try:
        pruned = retention.prune_batches(before=before, by=by)
    except ValidationError as error:
        stderr.write(f"refused: {_messages(error)}")
        return 1
    stdout.write(f"{pruned} batches received before {options['before']:%Y-%m-%d} deleted under retention")
    return 0
