"""`garrison restore PATH`: load a backup into a freshly migrated, empty install."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.core.services.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `garrison backup` into this install. The database must be "
        "migrated (`garrison migrate`) and empty. The archive is checked against its manifest "
        "before anything is written; rows load in one transaction; the audit trail is verified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="backup file (tar.gz) written by `garrison backup`")
        parser.add_argument(
            "--accept-broken-trail",
            action="store_true",
            help=(
                "restore even if the backed-up audit trail does not verify (for investigating a "
                "tampered install); the break is still reported and the exit status is 1"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(options["path"], accept_broken_trail=options["accept_broken_trail"])
        except BackupError as error:
            raise CommandError(f"restore refused: {error}") from None
        rows = sum(report.rows.values())
        self.stdout.write(
            f"restored {rows} rows of {len(report.rows)} models and {report.files} stored files"
        )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if options["verbosity"] > 1:
            for label, count in report.rows.items():
                self.stdout.write(f"  {label}: {count}")
        if report.problem:
            self.stderr.write(report.problem)
            raise SystemExit(1)
        self.stdout.write(f"audit trail intact: {report.events} events")
